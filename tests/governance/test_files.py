"""Attachments: typed by their bytes, stored once by SHA-256, owner-only, checked when read."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from plateward.errors import InvalidInput, NotFound
from plateward.governance.files import AttachmentFiles, clean_file_name, media_type_of


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"PK\x03\x04 docx or zip", "application/zip"),
        ("Dear Records Unit, café ☕\n".encode(), "text/plain"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"\xc3\x28 not utf-8 at all, early on", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes(data: bytes, media_type: str) -> None:
    assert media_type_of(data) == media_type


def test_a_file_is_kept_once_owner_only_and_checked_when_read(tmp_path: Path) -> None:
    files = AttachmentFiles(tmp_path / "attachments", max_bytes=100)
    data = b"%PDF-1.7 response package\n"
    stored = files.put(data, "package.pdf")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size_bytes == len(data)
    assert files.put(data, "again.pdf") == stored
    path = files.path(stored.sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "attachments").stat().st_mode) == 0o700
    assert files.get(stored.sha256) == data
    os.chmod(path, 0o600)
    path.write_bytes(b"%PDF-1.7 something else\n")
    with pytest.raises(InvalidInput, match="changed after it was stored"):
        files.get(stored.sha256)
    with pytest.raises(NotFound):
        files.get("0" * 64)
    with pytest.raises(InvalidInput, match="empty file"):
        files.put(b"", "empty.txt")
    with pytest.raises(InvalidInput, match="over the 100 byte limit"):
        files.put(b"x" * 101, "big.bin")
    assert sorted(p.name for p in (tmp_path / "attachments").rglob("*") if p.is_file()) == [
        stored.sha256
    ]  # nothing half-written


def test_file_names_are_shown_never_used_as_paths() -> None:
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("C:\\Users\\x\\letter.pdf") == "letter.pdf"
    assert clean_file_name('a"b\x07.pdf') == "ab.pdf"
    assert clean_file_name("") == "file"
