"""The README's first command, end to end: server, demo camera, reads stored."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from plateward.store.database import open_database
from plateward.store.schema import cameras, images, reads


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_camera_feeds_real_reads_into_the_server(tmp_path: Path) -> None:
    env = {**os.environ, "PLATEWARD_DATA_DIR": str(tmp_path)}
    env.pop("PLATEWARD_DB", None)
    command = [sys.executable, "-m", "plateward", "demo", "--once", "--port", str(free_port())]
    for _ in range(2):  # a second run reuses the camera and its key
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "5AU5341" in done.stdout  # the plate in the package's sample photo
    engine = open_database(f"sqlite:///{tmp_path / 'plateward.db'}")
    with engine.connect() as connection:
        plates = connection.execute(select(reads.c.plate)).scalars().all()
        crops = connection.execute(select(func.count()).select_from(images)).scalar_one()
        camera_codes = connection.execute(select(cameras.c.code)).scalars().all()
    engine.dispose()
    assert plates.count("5AU5341") == 2
    assert crops >= 1
    assert camera_codes == ["DEMO-1"]
