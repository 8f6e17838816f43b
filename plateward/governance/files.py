"""Files attached to records requests and breach incidents: size-limited, hashed, owner-only.

A response package may hold PDFs, spreadsheets, ZIP files or scans, so unlike the plate images'
store any type is accepted; the media type is judged from the first bytes, never from the name
or a client's header. Files are named by their SHA-256 (``store.images.write_once``: written
under a temporary name, synced, renamed), so the same file attached twice is one copy and a
file can be checked against its name whenever it is read back. They hold requesters' letters
and incident evidence, so folders are created 0700 and files 0600: only the server's account
reads them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from plateward.errors import InvalidInput, NotFound
from plateward.store.images import write_once

MAX_FILE_NAME_CHARS = 200
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"PK\x03\x04": "application/zip",
    b"GIF8": "image/gif",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
"""Office documents (docx, xlsx) are ZIP files and are stored as such."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    media_type: str
    size_bytes: int


class AttachmentFiles:
    """Attachments under one folder, by SHA-256: ``<folder>/<first two hex digits>/<digest>``."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / sha256

    def put(self, data: bytes, what: str) -> StoredFile:
        """Store ``data`` once; ``what`` (the file's name) names it in errors."""
        if not data:
            raise InvalidInput(f"{what}: empty file")
        if len(data) > self.max_bytes:
            raise InvalidInput(f"{what}: {len(data)} bytes is over the {self.max_bytes} byte limit")
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        _owner_only_folders(self.folder, target.parent)
        write_once(target, data)
        os.chmod(target, 0o600)
        return StoredFile(digest, media_type_of(data), len(data))

    def get(self, sha256: str) -> bytes:
        """The file's bytes, refused if they no longer match the digest they were stored under."""
        target = self.path(sha256)
        if len(sha256) != 64 or not target.is_file():
            raise NotFound(f"file {sha256}: not stored")
        data = target.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise InvalidInput(f"file {sha256}: its content changed after it was stored")
        return data


def media_type_of(data: bytes) -> str:
    for magic, media_type in SIGNATURES.items():
        if data.startswith(magic):
            return media_type
    head = data[:4096]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a character cut at the 4 KiB mark
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def clean_file_name(name: str, default: str = "file") -> str:
    """The base name only, printable, bounded: it is shown to people and never used as a path."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"\\').strip()
    return cleaned[-MAX_FILE_NAME_CHARS:] or default


def _owner_only_folders(root: Path, leaf: Path) -> None:
    for folder in (root, leaf):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
