"""Checking an evidence package: every file hashed again and compared with its manifest.

A package passes when every file the manifest names is there with its SHA-256 and size, and
no other file was added. The manifest's own SHA-256 is printed, to be compared with the one
the access log recorded when the package was exported.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from plateward.errors import InvalidInput
from plateward.evidence.bundle import FORMAT, MANIFEST

CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 50_000_000


@dataclass(frozen=True)
class Verdict:
    manifest_sha256: str
    case_number: str
    report_number: str
    checked: int
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.added)


def verify_package(path: Path) -> Verdict:
    """Hash every file of the ZIP at ``path`` against its manifest; ``InvalidInput`` if it is
    not a Plateward evidence package at all."""
    try:
        package = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{path}: not a ZIP file ({exc})") from None
    with package:
        names = [info.filename for info in package.infolist() if not info.is_dir()]
        if MANIFEST not in names:
            raise InvalidInput(f"{path}: not a Plateward evidence package (no {MANIFEST})")
        info = package.getinfo(MANIFEST)
        if info.file_size > MAX_MANIFEST_BYTES:
            raise InvalidInput(f"{path}: {MANIFEST} is implausibly large")
        raw = package.read(MANIFEST)
        try:
            manifest = json.loads(raw)
            files = manifest["files"]
            fmt = manifest["format"]
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"{path}: {MANIFEST} is not a Plateward manifest") from None
        if fmt != FORMAT or not isinstance(files, dict):
            raise InvalidInput(f"{path}: not a Plateward evidence package (format {fmt!r})")
        changed, missing = [], []
        for name, expected in sorted(files.items()):
            if name not in names:
                missing.append(name)
                continue
            digest, size = _hash(package, name)
            if digest != expected.get("sha256") or size != expected.get("bytes"):
                changed.append(name)
        added = sorted(n for n in names if n != MANIFEST and n not in files)
    return Verdict(
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        case_number=str(manifest.get("case_number", "")),
        report_number=str(manifest.get("report_number", "")),
        checked=len(files), changed=tuple(changed), missing=tuple(missing), added=tuple(added),
    )  # fmt: skip


def _hash(package: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with package.open(name) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError):
        return "unreadable", -1
    return digest.hexdigest(), size
