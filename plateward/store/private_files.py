"""Files and folders only their owner can read: the database, images, certificates, keys.

Reads, plate crops and the log's signing key are worth as much to a stalker as to an
investigator, so nothing Plateward creates is readable by other accounts on the machine:
folders 0700 and files 0600, whatever the process's umask. Folders that already exist are left
as the administrator made them (a shared mount point, say); what Plateward creates is private.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """Create ``path`` and any missing parents as owner-only folders."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is masked by the umask


def touch_private_file(path: Path) -> None:
    """Create an empty owner-only file unless one is there (SQLite then keeps its mode)."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        return
    os.chmod(path, FILE_MODE)


def write_private_file(path: Path, data: bytes) -> None:
    """Write a new owner-only file; an existing one is an error, never overwritten."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def append_private_line(path: Path, line: str) -> None:
    """Append one line to an owner-only file, synced before returning (the file is evidence)."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        os.write(descriptor, (line.rstrip("\n") + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
