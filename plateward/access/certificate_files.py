"""Certificate of completion files (PDF, JPEG or PNG), kept under data_dir/certificates by SHA-256.

Not the read images' ``ImageStore``: vendors hand out certificates as PDFs, which that store
refuses, and a certificate is not a plate image (it has no row in ``images`` and no retention).
As there, a file is written under a temporary name and renamed into place before the row that
names it, so a crash leaves at worst an unreferenced file, never a record without its copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from plateward.errors import InvalidInput, NotFound
from plateward.store.images import DEFAULT_MAX_PIXELS, MEDIA_TYPES, check_decodes, write_once

MAX_CERTIFICATE_BYTES = 20_000_000
"""A scanned multi-page certificate stays well under this; anything bigger is not one."""

CERTIFICATE_TYPES = {b"%PDF-": "application/pdf", **MEDIA_TYPES}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    media_type: str
    size_bytes: int


class CertificateFiles:
    def __init__(self, folder: Path, max_bytes: int = MAX_CERTIFICATE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def put(self, data: bytes, what: str) -> StoredFile:
        """Store ``data`` once (the same file twice is one copy); ``what`` names it in errors."""
        media_type = certificate_type(data, what, self.max_bytes)
        if media_type != "application/pdf":
            check_decodes(data, what, self.max_bytes, DEFAULT_MAX_PIXELS)
        digest = hashlib.sha256(data).hexdigest()
        write_once(self.path(digest), data)
        return StoredFile(digest, media_type, len(data))

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        if len(sha256) != 64 or not target.is_file():
            raise NotFound(f"certificate file {sha256}: not stored")
        return target.read_bytes()


def certificate_type(data: bytes, what: str, max_bytes: int) -> str:
    """The media type from the file's first bytes; the name or a client's header could lie."""
    if not data:
        raise InvalidInput(f"{what}: empty file")
    if len(data) > max_bytes:
        raise InvalidInput(f"{what}: {len(data)} bytes is over the {max_bytes} byte limit")
    for magic, media_type in CERTIFICATE_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise InvalidInput(f"{what}: not a PDF, JPEG or PNG file")
