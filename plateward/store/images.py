"""Plate crops and context images, kept as files named by their SHA-256.

The database holds only the digest (``images`` table) so that the same crop sent twice is
stored once, a file can be checked against its name at any time, and the reads table stays
small. Files are written before the rows that name them and renamed into place atomically,
so a crash leaves at worst an unreferenced file, never a row pointing at nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import Connection, case, insert, literal, or_, select, update

from plateward.errors import InvalidInput, NotFound
from plateward.store.private_files import private_folder
from plateward.store.schema import UtcDateTime, images

MEDIA_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


DEFAULT_MAX_PIXELS = 40_000_000


class ImageStore:
    def __init__(
        self, folder: Path, max_bytes: int = 5_000_000, max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256[2:4] / sha256

    def put(
        self, connection: Connection, data: bytes, what: str, *, captured_at: dt.datetime
    ) -> str:
        """Store ``data`` (JPEG or PNG) once for a read captured at ``captured_at``; return its
        SHA-256 hex digest.

        A second read naming the same image marks it shared and widens its capture range, so
        retention knows where to look for the reads still naming it (migration 0015).

        The image is decoded first, with a pixel limit read from its header: a JPEG header
        followed by noise, a truncated file or a 30000x30000 PNG is refused, not stored.
        """
        media_type = media_type_of(data, what, self.max_bytes)
        check_decodes(data, what, self.max_bytes, self.max_pixels)
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        write_once(target, data)
        known = connection.execute(select(images.c.sha256).where(images.c.sha256 == digest)).first()
        if known is None:
            self._insert(connection, digest, media_type, len(data), captured_at)
            # Retention removes a file only while holding the images table against new rows
            # (retention/images.py), so a file it removed between write_once and this insert
            # is seen missing here, once the insert has its turn, and written again.
            write_once(target, data)
            return digest
        # Widened in SQL, not from the values read above: two batches naming the image at once
        # each widen the row as the other left it (the row lock puts them in turn).
        first, last = images.c.first_captured_at, images.c.last_captured_at
        moment = literal(captured_at, UtcDateTime())
        kept = connection.execute(
            update(images)
            .where(images.c.sha256 == digest)
            .values(
                shared=True,
                first_captured_at=case((or_(first.is_(None), first > moment), moment), else_=first),
                last_captured_at=case((or_(last.is_(None), last < moment), moment), else_=last),
            )
        ).rowcount
        if kept == 0:
            # Retention destroyed the row since it was looked up: store the image anew.
            self._insert(connection, digest, media_type, len(data), captured_at)
            write_once(target, data)
        return digest

    def _insert(
        self, connection: Connection, digest: str, media_type: str, size: int,
        captured_at: dt.datetime,
    ) -> None:  # fmt: skip
        connection.execute(
            insert(images).values(
                sha256=digest, media_type=media_type, size_bytes=size,
                created_at=dt.datetime.now(dt.UTC), shared=False, first_captured_at=captured_at,
                last_captured_at=captured_at,
            )
        )  # fmt: skip

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        if len(sha256) != 64 or not target.is_file():
            raise NotFound(f"image {sha256}: not stored")
        return target.read_bytes()


def write_once(target: Path, data: bytes) -> None:
    """Write a content-named file unless it is there: synced under a temporary name, renamed.

    A reader or a crash thus sees the whole file or none; the same content twice is one copy.
    """
    if target.exists():
        return
    private_folder(target.parent)
    # NamedTemporaryFile creates the file 0600, and the rename keeps that mode.
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, target)


def check_decodes(data: bytes, what: str, max_bytes: int, max_pixels: int) -> None:
    """Decode ``data`` as an image, or raise InvalidInput naming ``what`` and why not."""
    from plateward.recognition.imageio import decode_image  # OpenCV loads only when needed

    decode_image(data, what, max_pixels=max_pixels, max_file_bytes=max_bytes)


def media_type_of(data: bytes, what: str, max_bytes: int) -> str:
    if not data:
        raise InvalidInput(f"{what}: empty image")
    if len(data) > max_bytes:
        raise InvalidInput(f"{what}: image of {len(data)} bytes is over the {max_bytes} limit")
    for magic, media_type in MEDIA_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise InvalidInput(f"{what}: not a JPEG or PNG image")
