"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The labeled plate images in ../shared/data; tests that need them skip when absent."""
    configured = os.environ.get("PLATEWARD_SHARED_DATA")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    if not (path / "openalpr-dev" / "labels.csv").is_file():
        pytest.skip(f"shared data not found at {path}")
    return path
