"""Signed checkpoints of the access log: the tree's size and root, signed with Ed25519.

The format is the C2SP one used by transparency logs (tlog-checkpoint in a signed note), so
witnesses and tools built for those logs can read ours::

    plateward/access-log              origin: which log this is
    1234                              tree size: entries so far
    0ZyNYD1Da2...=                    root hash, base64
    time 2026-12-06T05:31:00Z         when it was signed (an extension line)

    — plateward/access-log Az3grl...  key id (4 bytes) and signature, base64

The key is a file outside the data directory (``plateward audit keygen``), so whoever can
change the database cannot sign a new history; the public half is the "verifier key" string
``NAME+KEYID+BASE64KEY`` that auditors and witnesses keep.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plateward.errors import ConfigurationError, InvalidInput
from plateward.store.private_files import append_private_line, write_private_file

ED25519 = b"\x01"
SIGNATURE_DASH = "\u2014"
TIME_PREFIX = "time "


class InvalidCheckpoint(InvalidInput):
    """A checkpoint that is malformed, from another log, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    signed_at: dt.datetime

    def body(self) -> str:
        when = self.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\n{TIME_PREFIX}{when}\n"

    def describe(self) -> str:
        when = self.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"checkpoint of {when} ({self.size} entries, root {self.root.hex()[:16]}...)"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """The public half: checks signatures of one named key."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """A verifier key string, ``NAME+KEYID+BASE64KEY``."""
        try:
            name, hex_id, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise ConfigurationError(f"verifier key {text.strip()!r}: not NAME+KEYID+KEY") from None
        if not name or raw[:1] != ED25519 or len(raw) != 33:
            raise ConfigurationError(f"verifier key {text.strip()!r}: not an Ed25519 key")
        verifier = cls(name, raw[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise ConfigurationError(f"verifier key {text.strip()!r}: key id does not match")
        return verifier

    def open(self, note: str) -> Checkpoint:
        """The checkpoint in ``note`` if this key signed it; else InvalidCheckpoint saying why."""
        return _parse_body(self.verified_text(note), self.name)

    def verified_text(self, note: str) -> str:
        """The text of a signed note this key signed (any note, not only checkpoints)."""
        split = note.rfind("\n\n")
        if split < 0:
            raise InvalidCheckpoint("checkpoint: no signature (a signed note ends in signatures)")
        body, signatures = note[: split + 1], note[split + 2 :]
        signed = False
        for line in signatures.splitlines():
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != SIGNATURE_DASH or parts[1] != self.name:
                continue
            try:
                raw = base64.b64decode(parts[2], validate=True)
            except (ValueError, binascii.Error):
                continue
            if raw[:4] != self.key_id:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(self.public).verify(raw[4:], body.encode())
            except InvalidSignature:
                raise InvalidCheckpoint(
                    f"checkpoint: the signature of {self.name} does not verify: the checkpoint"
                    " was altered or signed with another key"
                ) from None
            signed = True
        if not signed:
            raise InvalidCheckpoint(f"checkpoint: not signed by the key {self.text()}")
        return body


@dataclass(frozen=True)
class SigningKey:
    name: str
    private: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        public = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return Verifier(self.name, public)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a signed note."""
        if checkpoint.origin != self.name:
            raise ValueError(f"key {self.name} does not sign for {checkpoint.origin}")
        body = checkpoint.body()
        signature = self.verifier.key_id + self.private.sign(body.encode())
        return f"{body}\n{SIGNATURE_DASH} {self.name} {base64.b64encode(signature).decode()}\n"


def generate_key(path: Path, name: str) -> SigningKey:
    """A new key in ``path`` (owner-only) and its verifier key in ``path.pub``; never overwrites."""
    key = SigningKey(name, Ed25519PrivateKey.generate())
    pem = key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(path, pem)
    write_private_file(public_key_path(path), (key.verifier.text() + "\n").encode())
    return key


def public_key_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def load_signing_key(path: Path, name: str) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path}: signing key not found; create it with `plateward audit keygen`"
        ) from None
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{path}: not a PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{path}: not an Ed25519 key")
    return SigningKey(name, private)


def load_verifier(path: Path) -> Verifier:
    try:
        return Verifier.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: verifier key file not found") from None


def checkpoint_line(checkpoint: Checkpoint, note: str) -> str:
    """One line of the checkpoint file: the note, with its fields repeated for people and grep."""
    return json.dumps(
        {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root_hash": checkpoint.root.hex(),
            "time": checkpoint.signed_at.astimezone(dt.UTC).isoformat(),
            "note": note,
        },
        sort_keys=True,
    )


def append_checkpoint(path: Path, checkpoint: Checkpoint, note: str) -> None:
    append_private_line(path, checkpoint_line(checkpoint, note))


def read_notes(path: Path) -> list[str]:
    """The signed notes in a checkpoint file (JSON lines) or in a file holding one note."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: checkpoint file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read checkpoints ({exc})") from None
    if not text.lstrip().startswith("{"):
        return [text]
    notes = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            note = json.loads(line)["note"]
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"{path}:{number}: not a checkpoint line") from None
        if not isinstance(note, str):
            raise InvalidInput(f"{path}:{number}: not a checkpoint line")
        notes.append(note)
    return notes


def _parse_body(body: str, origin: str) -> Checkpoint:
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or lines[0] != origin:
        raise InvalidCheckpoint(f"checkpoint: not a checkpoint of {origin}")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except (ValueError, binascii.Error):
        raise InvalidCheckpoint("checkpoint: size or root hash malformed") from None
    times = [line.removeprefix(TIME_PREFIX) for line in lines[3:] if line.startswith(TIME_PREFIX)]
    if size < 0 or len(root) != 32 or len(times) != 1:
        raise InvalidCheckpoint("checkpoint: size, root hash or time malformed")
    try:
        signed_at = dt.datetime.strptime(times[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InvalidCheckpoint(f"checkpoint: time {times[0]!r} malformed") from None
    return Checkpoint(origin, size, root, signed_at)
