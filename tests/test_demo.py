"""The README's first command, end to end: server, demo camera, reads stored."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from plateward.access.training import missing_training, today_utc
from plateward.access.users import user_by_name
from plateward.alert.schema import alerts
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
        signed_in = re.search(r"as demo, password (\S+) ", done.stdout)
        assert signed_in, done.stdout
        assert "5AU5341 is on the hot list 'Demo BOLO'" in done.stdout
    engine = open_database(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as connection:
        plates = connection.execute(select(reads.c.plate)).scalars().all()
        crops = connection.execute(select(func.count()).select_from(images)).scalar_one()
        camera_codes = connection.execute(select(cameras.c.code)).scalars().all()
        raised = connection.execute(select(alerts.c.plate)).scalars().all()
        demo = user_by_name(connection, "demo")
        gaps = missing_training(connection, demo, today_utc())
    engine.dispose()
    assert plates.count("5AU5341") == 2
    assert crops >= 1
    assert camera_codes == ["DEMO-1"]
    assert raised == ["5AU5341", "5AU5341"]  # one alert for each pass's read
    assert demo.role == "investigator" and gaps == []


def test_the_demo_account_signs_in_and_sees_its_alert(tmp_path: Path) -> None:
    """What a newcomer does next: sign in with the printed password and open the console."""
    port = free_port()
    env = {**os.environ, "PLATEWARD_DATA_DIR": str(tmp_path)}
    env.pop("PLATEWARD_DB", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "plateward", "demo", "--port", str(port), "--interval", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        password = None
        assert demo.stdout is not None
        for line in demo.stdout:
            found = re.search(r"as demo, password (\S+) ", line)
            if found:
                password = found.group(1)
                break
        assert password
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            signed = client.post("/login", data={"username": "demo", "password": password,
                                                 "csrf_token": token.group(1)})  # fmt: skip
            assert signed.status_code == 303
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                console = client.get("/alerts")
                assert console.status_code == 200
                if "5AU5341" in console.text:
                    break
                time.sleep(1)
            assert "5AU5341" in console.text and "Stolen vehicle" in console.text
    finally:
        demo.terminate()
        demo.wait(30)


def test_the_demo_refuses_a_configured_database(tmp_path: Path) -> None:
    env = {**os.environ, "PLATEWARD_DATA_DIR": str(tmp_path),
           "PLATEWARD_DB": f"sqlite:///{tmp_path / 'real.db'}"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "plateward", "demo", "--once"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "runs only on its own database" in done.stderr
    assert not (tmp_path / "real.db").exists()
