"""Destroying images: rows first, in the database's order of things; files last.

Images are files named by their SHA-256 and shared between reads that carry the same bytes,
so a file may go only when no remaining read names it. The order of operations keeps every
moment of a run, and every point at which it may be killed, free of a read without its images:

1. A batch deletes reads (or clears their image columns) and, in the same transaction, queues
   their digests as candidates (``reads.py``).
2. ``settle_candidates`` deletes the ``images`` row of each candidate no read names any more
   (an image stored once is named by its one read; a shared one is looked for among the reads
   captured within its range, ``images.first_captured_at``/``last_captured_at``), and queues its
   file, in one transaction, holding the images table against ingest meanwhile: a read naming
   the image is either stored before (and found) or after (and stores the row again).
3. ``remove_files`` deletes the queued files whose rows are still gone, holding the images
   table against new rows meanwhile, so an image stored again at that moment has its file
   written after the removal, not before (``ImageStore.put`` writes a file its new row lacks).

A run killed anywhere leaves queued digests and files, never a read naming a missing file; the
next run works through the queues first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, delete, exists, or_, select, text

from plateward.retention.queues import queue_files
from plateward.retention.records import count_destroyed
from plateward.retention.schema import retention_image_candidates, retention_image_files
from plateward.store.images import ImageStore
from plateward.store.schema import images, reads

log = logging.getLogger(__name__)


def settle_candidates(connection: Connection, limit: int) -> int:
    """Decide one batch of candidates; returns how many were looked at (0: queue empty).

    On SQLite the connection must have its foreign keys off (``unchecked``): the reads'
    constraint would look for reads naming each deleted row without an index, a scan of all
    reads per image. The images table is held meanwhile, so no read naming one of them is
    stored between the check and the delete (``ImageStore.put`` then stores the row again).
    """
    hold_images_table(connection)
    batch = list(
        connection.execute(
            select(retention_image_candidates.c.sha256)
            .order_by(retention_image_candidates.c.sha256)
            .limit(limit)
        ).scalars()
    )
    if not batch:
        return 0
    # Three kinds of candidate, each with a condition an index can answer: an image stored
    # once (its one read is gone); a shared one, looked for among the reads of its capture
    # range; and a shared one from before its range was kept (migration 0015 gave every
    # image named then a range, so only an image no read named at all is left here).
    names_it = or_(reads.c.plate_image == images.c.sha256, reads.c.context_image == images.c.sha256)
    conditions = [
        ~images.c.shared,
        and_(
            images.c.shared, images.c.first_captured_at.is_not(None),
            ~exists().where(
                reads.c.captured_at >= images.c.first_captured_at,
                reads.c.captured_at <= images.c.last_captured_at, names_it,
            ),
        ),
        and_(images.c.shared, images.c.first_captured_at.is_(None), ~exists().where(names_it)),
    ]  # fmt: skip
    gone: list[str] = []
    for unnamed in conditions:
        gone += connection.execute(
            delete(images).where(images.c.sha256.in_(batch), unnamed).returning(images.c.sha256)
        ).scalars()
    queue_files(connection, gone)
    connection.execute(
        delete(retention_image_candidates).where(retention_image_candidates.c.sha256.in_(batch))
    )
    return len(batch)


def remove_files(connection: Connection, store: ImageStore, run_id: int, limit: int) -> int:
    """Delete one batch of queued files; returns how many were looked at (0: queue empty)."""
    hold_images_table(connection)
    batch = list(
        connection.execute(
            select(retention_image_files.c.sha256)
            .order_by(retention_image_files.c.sha256)
            .limit(limit)
        ).scalars()
    )
    if not batch:
        return 0
    stored_again = set(
        connection.execute(select(images.c.sha256).where(images.c.sha256.in_(batch))).scalars()
    )
    removed = 0
    for digest in batch:
        if digest in stored_again:
            continue
        if _unlink(store.path(digest)):
            removed += 1
    connection.execute(
        delete(retention_image_files).where(retention_image_files.c.sha256.in_(batch))
    )
    count_destroyed(connection, run_id, "images", files=removed)
    return len(batch)


def hold_images_table(connection: Connection) -> None:
    """Keep new image rows out until this transaction ends (their files are written after)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE images IN SHARE ROW EXCLUSIVE MODE"))
    else:
        connection.execute(text("UPDATE retention_image_files SET sha256 = sha256 WHERE 0"))


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    for folder in (path.parent, path.parent.parent):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            break
    return True


@contextmanager
def unchecked(db: Engine) -> Iterator[Connection]:
    """A transaction whose SQLite foreign keys are off (``settle_candidates``); PostgreSQL's
    reads have no foreign key to images since migration 0015."""
    with db.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside any transaction
            connection.commit()
        try:
            with connection.begin():
                yield connection
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
