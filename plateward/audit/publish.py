"""Signing the access log's current tree head and sending it out of the database.

A checkpoint is worth something only where the database's owner cannot reach it, so each one
goes, in this order, to the checkpoint file (another directory, ideally another disk or
machine), to the ``access_log_checkpoints`` table (for the transparency page), and to the
witnesses (``witness.py``). Before signing, the tree is checked against the last checkpoint
in the file: a log that no longer extends it (cut, rewritten, rolled back) is not signed
over, and the refusal names the checkpoint it contradicts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text

from plateward.audit.checkpoints import (
    Checkpoint,
    SigningKey,
    append_checkpoint,
    load_signing_key,
)
from plateward.audit.log import LOG_LOCK
from plateward.audit.merkle import root_at
from plateward.audit.schema import access_log_checkpoints
from plateward.audit.tree import consistency, stored_nodes, tree_head
from plateward.audit.witness import send_to_witnesses
from plateward.errors import ConfigurationError, PlatewardError
from plateward.settings import AuditSettings

logger = logging.getLogger(__name__)


class LogDisagrees(PlatewardError):
    """The log no longer extends the last checkpoint signed: someone changed it."""

    status = 409


@dataclass(frozen=True)
class Published:
    checkpoint: Checkpoint
    note: str
    previous_size: int
    proof: list[bytes]


def publish_checkpoint(
    engine: Engine, audit: AuditSettings, *, now: dt.datetime | None = None
) -> Published | None:
    """Sign the tree head if the log grew since the last checkpoint; None if it did not."""
    if audit.signing_key is None:
        raise ConfigurationError(
            "audit.signing_key is not set: create a key with `plateward audit keygen`"
        )
    key = load_signing_key(audit.signing_key, audit.origin)
    path = audit.checkpoint_path()
    assert path is not None  # a signing key always gives a checkpoint file
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": LOG_LOCK})
        published = _sign(connection, key, path, now or dt.datetime.now(dt.UTC))
    if published is not None:
        send_to_witnesses(published.checkpoint, published.note, published.previous_size,
                          published.proof, audit)  # fmt: skip
    return published


def _sign(
    connection: Connection, key: SigningKey, path: Path, now: dt.datetime
) -> Published | None:
    size, root = tree_head(connection)
    last = last_in_file(path, key.name)
    if last is not None:
        _check_extends(connection, last, size, path)
        if last.size == size:
            return None
    checkpoint = Checkpoint(key.name, size, root, now.replace(microsecond=0))
    note = key.sign(checkpoint)
    previous = 0 if last is None else last.size
    proof = consistency(connection, previous, size)
    # The file first: a checkpoint in the file but not the table is harmless, the other way
    # round would leave the file, the copy that counts, without it.
    append_checkpoint(path, checkpoint, note)
    connection.execute(
        insert(access_log_checkpoints).values(
            size=size, root_hash=root.hex(), signed_at=checkpoint.signed_at, note=note
        )
    )
    logger.info("access log checkpoint signed: %d entries, root %s", size, root.hex())
    return Published(checkpoint, note, previous, proof)


def _check_extends(connection: Connection, last: Checkpoint, size: int, path: Path) -> None:
    if last.size > size:
        raise LogDisagrees(
            f"access log has {size} entries but {path} holds a {last.describe()}: entries were"
            " removed or the database rolled back; not signing (run `plateward audit verify`)"
        )
    if root_at(last.size, stored_nodes(connection)) != last.root:
        raise LogDisagrees(
            f"access log does not extend the {last.describe()} in {path}: entries were changed;"
            " not signing (run `plateward audit verify`)"
        )


def last_in_file(path: Path, origin: str) -> Checkpoint | None:
    """The newest checkpoint line in the file, read from its end (the file only grows)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            chunk = b""
            position = end
            while position > 0 and chunk.count(b"\n") < 2:
                step = min(65536, position)
                position -= step
                handle.seek(position)
                chunk = handle.read(step) + chunk
    except FileNotFoundError:
        return None
    lines = [line for line in chunk.split(b"\n") if line.strip()]
    if not lines:
        return None
    try:
        fields = json.loads(lines[-1])
        return Checkpoint(
            origin,
            int(fields["size"]),
            bytes.fromhex(fields["root_hash"]),
            dt.datetime.fromisoformat(fields["time"]),
        )
    except (ValueError, KeyError, TypeError):
        raise LogDisagrees(f"{path}: its last line is not a checkpoint") from None


def latest_checkpoint(connection: Connection) -> tuple[Checkpoint, str] | None:
    """The newest checkpoint this log signed, as kept in the database, with its note."""
    row = connection.execute(
        select(access_log_checkpoints).order_by(access_log_checkpoints.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    origin = row.note.split("\n", 1)[0]
    return Checkpoint(origin, row.size, bytes.fromhex(row.root_hash), row.signed_at), row.note
