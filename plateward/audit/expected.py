"""The tree heads the access log is held to: the signed checkpoints in a file, or a root hash
an auditor noted. The console's ``audit verify`` and the access-log page use the same reading,
so both say "intact" for the same reasons."""

from __future__ import annotations

from pathlib import Path

from plateward.audit.checkpoints import InvalidCheckpoint, load_verifier, read_notes
from plateward.audit.verify import ExpectedHead
from plateward.errors import InvalidInput
from plateward.settings import Settings


def file_heads(path: Path, key_path: Path | None) -> list[ExpectedHead]:
    """Every checkpoint in ``path``, each signature checked with the verifier key."""
    if key_path is None:
        raise InvalidInput("give --public-key FILE (or set audit.public_key) to check signatures")
    verifier = load_verifier(key_path)
    heads = []
    for number, note in enumerate(read_notes(path), 1):
        try:
            opened = verifier.open(note)
        except InvalidCheckpoint as exc:
            raise InvalidInput(f"{path}: checkpoint {number}: {exc.message}") from None
        heads.append(ExpectedHead(opened.root, opened.size, opened.describe()))
    return heads


def server_heads(settings: Settings) -> tuple[list[ExpectedHead], Path | None]:
    """The server's own checkpoint file, and where it is (``[]`` while there is none yet)."""
    path = settings.audit.checkpoint_path()
    if path is None or not path.is_file():
        return [], path
    return file_heads(path, settings.audit.public_key_path()), path


def noted_root(text: str) -> ExpectedHead:
    """A root hash as an auditor writes it down: ``HEX`` or ``SIZE:HEX``."""
    size_text, _, hex_root = text.strip().rpartition(":")
    try:
        root = bytes.fromhex(hex_root)
        size = int(size_text) if size_text else None
    except ValueError:
        root, size = b"", None
    if len(root) != 32 or (size is not None and size < 0):
        raise InvalidInput(
            f"--checkpoint {text!r}: not a file, nor a root hash (64 hex digits, or SIZE:HEX)"
        )
    where = f" at size {size}" if size is not None else ""
    return ExpectedHead(root, size, f"root {hex_root.lower()}{where}")
