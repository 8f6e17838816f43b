"""Sample images for the demo, so a newcomer sees plates read on a fresh machine.

Plateward ships no photographs. The demo takes its car photo from the source distribution of
``fast-alpr`` on PyPI (MIT licence; ``assets/test_image.png``, a Czech plate "5AU 5341"),
checked against a pinned SHA-256, and adds a few labeled images from ``../shared/data`` when a
developer's checkout has that folder beside it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from plateward.errors import ConfigurationError

SAMPLE_SDIST = "fast-alpr==0.4.0"
SAMPLE_SDIST_FILE = "fast_alpr-0.4.0.tar.gz"
SAMPLE_SDIST_SHA256 = "02e3011598c5c83c260e215f7bec8cae9f67a1e9b903db1079a14bdb15d4eb0d"
SAMPLE_MEMBER = "fast_alpr-0.4.0/assets/test_image.png"
SAMPLE_NAME = "fast-alpr-test-image.png"
SHARED_SAMPLES = ("us/car1.jpg", "us/car12.jpg", "eu/eu1.jpg", "br/AYO9034.jpg")


def ensure_samples(dest: Path, shared_data: Path | None = None) -> list[Path]:
    """The demo's images under ``dest``, fetching the package sample once; returns their paths."""
    dest.mkdir(parents=True, exist_ok=True)
    samples = [_package_sample(dest)]
    if shared_data is not None:
        samples += [
            p for p in (shared_data / "openalpr-dev" / s for s in SHARED_SAMPLES) if p.is_file()
        ]
    return samples


def _package_sample(dest: Path) -> Path:
    target = dest / SAMPLE_NAME
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--no-binary", ":all:", "--dest", tmp, SAMPLE_SDIST]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sdist = Path(tmp) / SAMPLE_SDIST_FILE
        if done.returncode != 0 or not sdist.is_file():
            raise ConfigurationError(
                f"{SAMPLE_SDIST}: cannot fetch the demo's sample image from the package index "
                f"({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no file'})"
            )
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SAMPLE_SDIST_SHA256:
            raise ConfigurationError(f"{SAMPLE_SDIST_FILE}: unexpected SHA-256 {digest}")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(SAMPLE_MEMBER)
            if member is None:
                raise ConfigurationError(f"{SAMPLE_SDIST_FILE}: {SAMPLE_MEMBER} missing")
            target.write_bytes(member.read())
    return target
