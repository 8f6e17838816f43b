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

from sqlalchemy import Connection, insert, select

from plateward.errors import InvalidInput, NotFound
from plateward.store.private_files import private_folder
from plateward.store.schema import images

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

    def put(self, connection: Connection, data: bytes, what: str) -> str:
        """Store ``data`` (JPEG or PNG) once; return its SHA-256 hex digest.

        The image is decoded first, with a pixel limit read from its header: a JPEG header
        followed by noise, a truncated file or a 30000x30000 PNG is refused, not stored.
        """
        media_type = media_type_of(data, what, self.max_bytes)
        check_decodes(data, what, self.max_bytes, self.max_pixels)
        digest = hashlib.sha256(data).hexdigest()
        write_once(self.path(digest), data)
        known = connection.execute(select(images.c.sha256).where(images.c.sha256 == digest))
        if known.first() is None:
            connection.execute(
                insert(images).values(
                    sha256=digest,
                    media_type=media_type,
                    size_bytes=len(data),
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        return digest

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
