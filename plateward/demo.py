"""The demo: a server on SQLite fed by a demo camera reading sample images.

A newcomer's first command shows the whole path working: plates recognised in real photos,
posted by a camera with its key, stored, matched against a hot list, and served. The demo
keeps to a database of its own (``demo.db`` in the data folder, never a configured one),
because it signs a newcomer in: it makes a demo investigator whose training is recorded from
demo certificates, puts the plate of its package photo on a demo hot list, and prints the
address, username and password. The alert arrives in the console with the first pass.

Plateward ships no photographs. The demo takes its car photo from the source distribution of
``fast-alpr`` on PyPI (MIT licence; ``assets/test_image.png``, a Czech plate "5AU 5341"),
checked against a pinned SHA-256, and adds a few labeled images from ``../shared/data`` when a
developer's checkout has that folder beside it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from sqlalchemy import select

from plateward.errors import ConfigurationError
from plateward.recognition.types import PlateRead
from plateward.settings import Settings

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


DEMO_AGENCY = "DEMO"
DEMO_CAMERA = "DEMO-1"
DEMO_DATABASE = "demo.db"
DEMO_USER = "demo"
DEMO_LIST = "Demo BOLO"
DEMO_CASE = "DEMO-0001"
DEMO_SITE = (38.5816, -121.4944)
"""Where the demo camera stands: downtown Sacramento."""


def run_demo(settings: Settings, *, once: bool, interval_s: float) -> int:
    """Serve the API and feed it reads from a demo camera watching the sample images.

    The camera side is what a real one does: recognise, give each read a UUID and capture
    time, and post batches with its own key. Returns the process exit status.
    """
    from plateward.recognition.engine import Engine

    settings = demo_settings(settings)
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    samples = ensure_samples(settings.data_dir / "samples", shared if shared.is_dir() else None)
    engine = Engine.from_settings(settings.recognition)
    sample = _read(engine, samples[0], settings)
    password = _demo_people_and_list(settings, sample[0].plate if sample else None)
    server = _start_server(settings)
    base = f"http://{settings.server.host}:{settings.server.port}"
    key = _demo_camera_key(settings)
    console = Console(soft_wrap=True)
    console.print(f"Plateward is serving on {base} (API description: {base}/docs)")
    console.print(
        f"Sign in at {base}/login as [bold]{DEMO_USER}[/bold], password [bold]{password}[/bold]"
        " (a demo investigator on the demo database only)."
    )
    if sample:
        console.print(
            f"{sample[0].plate} is on the hot list {DEMO_LIST!r}: its alert appears at"
            f" {base}/alerts with the demo camera's first pass."
        )
    console.print(f"Demo camera {DEMO_CAMERA} reads {len(samples)} sample images; Ctrl-C stops.")
    try:
        while True:
            for path in samples:
                reads = _read(engine, path, settings)
                if reads:
                    answer = _post(base, key, reads)
                    for read in reads:
                        console.print(
                            f"{dt.datetime.now():%H:%M:%S}  {read.plate:<10} "
                            f"{read.confidence:.2f}  {path.name}  -> stored {answer['stored']}"
                            + (f", {answer['alerts']} alert(s)" if answer.get("alerts") else "")
                        )
                if not once:
                    time.sleep(interval_s)
            if once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.should_exit = True


def demo_settings(settings: Settings) -> Settings:
    """The settings with the demo's own database; refuses a configured one."""
    if settings.db is not None:
        raise ConfigurationError(
            "the demo makes a demo account with demo training certificates, so it runs only on"
            f" its own database ({DEMO_DATABASE} in the data folder): unset PLATEWARD_DB"
        )
    return settings.model_copy(update={"db": f"sqlite:///{settings.data_dir / DEMO_DATABASE}"})


def _read(engine: Any, path: Path, settings: Settings) -> list[PlateRead]:
    from plateward.recognition.imageio import load_image

    image = load_image(
        path,
        max_pixels=settings.recognition.max_image_pixels,
        max_file_bytes=settings.recognition.max_file_bytes,
    )
    reads: list[PlateRead] = engine.read_image(image, path.name)
    return reads


def _demo_people_and_list(settings: Settings, plate: str | None) -> str:
    """The demo investigator (a new password each run) with demo certificates for every course
    their role needs, and the demo hot list holding ``plate``; returns the password."""
    from plateward.access.certificate_files import CertificateFiles
    from plateward.access.training import today_utc
    from plateward.access.training_certificates import record_certificate
    from plateward.access.training_courses import list_courses
    from plateward.access.users import add_user, set_password, user_by_name
    from plateward.audit.actor import Actor
    from plateward.errors import NotFound
    from plateward.hotlist.entries import entry_values
    from plateward.hotlist.lists import ListSettings, add_entry, create_list
    from plateward.hotlist.schema import hotlists
    from plateward.store.cameras import ensure_agency
    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade

    password_file = settings.data_dir / "demo-password"
    if password_file.is_file():
        password = password_file.read_text().strip()
    else:
        password = "-".join(secrets.choice(DEMO_WORDS) for _ in range(4))
    actor = Actor("demo-setup", DEMO_AGENCY)
    engine = open_database(settings.database_url())
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        agency = ensure_agency(connection, DEMO_AGENCY, "Demo agency")
        try:
            user = user_by_name(connection, DEMO_USER)
            set_password(connection, user.id, password)
        except NotFound:
            user = add_user(connection, username=DEMO_USER, full_name="Demo Investigator",
                            role="investigator", agency_id=agency, password=password)  # fmt: skip
            files = CertificateFiles(settings.data_dir / "certificates")
            for course in list_courses(connection, active_only=True):
                if user.role in course.required_for:
                    record_certificate(
                        connection, files, username=DEMO_USER, course=course.code,
                        completed_on=today_utc(), file_name="demo-certificate.pdf",
                        data=b"%PDF-1.4\n% Plateward demo certificate: not a real one\n",
                        actor=actor, today=today_utc(),
                    )  # fmt: skip
        if (
            plate
            and not connection.execute(
                select(hotlists.c.id).where(hotlists.c.name == DEMO_LIST)
            ).first()
        ):
            create_list(connection, actor, name=DEMO_LIST, source="agency_list",
                        agency_id=agency,
                        settings=ListSettings(description="The demo camera's sample plate"))  # fmt: skip
            add_entry(connection, actor, DEMO_LIST, entry_values(
                {"plate": plate, "reason": "stolen_vehicle", "case_number": DEMO_CASE,
                 "notes": "Demo entry: the plate in the demo camera's sample photo"},
                "demo entry", now, default_expires_at=now + dt.timedelta(days=3650)))  # fmt: skip
    engine.dispose()
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return password


DEMO_WORDS = (
    "amber", "basalt", "cedar", "delta", "ember", "falcon", "granite", "harbor", "indigo",
    "juniper", "kestrel", "lantern", "meadow", "nickel", "orchard", "pepper", "quartz", "river",
    "saddle", "timber", "umber", "violet", "willow", "yarrow", "zephyr",
)  # fmt: skip


def _start_server(settings: Settings) -> uvicorn.Server:
    from plateward.web.app import create_app
    from plateward.web.cli import GRACEFUL_SHUTDOWN_S

    config = uvicorn.Config(
        create_app(settings),
        host=settings.server.host,
        port=settings.server.port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigurationError(
                f"server did not start on {settings.server.host}:{settings.server.port}"
                " (is the port in use? set server.port or PLATEWARD_SERVER__PORT)"
            )
        time.sleep(0.05)
    return server


def _demo_camera_key(settings: Settings) -> str:
    """The demo camera's key, kept in the data folder; the camera is registered on first run."""
    from plateward.store.cameras import add_camera, ensure_agency, rotate_camera_key
    from plateward.store.database import open_database
    from plateward.store.schema import cameras

    key_file = settings.data_dir / "demo-camera.key"
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        exists = connection.execute(
            select(cameras.c.id).where(cameras.c.code == DEMO_CAMERA)
        ).first()
        if exists is None:
            agency = ensure_agency(connection, DEMO_AGENCY, "Demo agency")
            key = add_camera(
                connection,
                agency_id=agency,
                code=DEMO_CAMERA,
                name="Demo camera on the sample images",
                latitude=DEMO_SITE[0],
                longitude=DEMO_SITE[1],
            )
        elif key_file.is_file():
            key = key_file.read_text().strip()
        else:
            key = rotate_camera_key(connection, DEMO_CAMERA)
    engine.dispose()
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key


def _post(base: str, key: str, reads: list[PlateRead]) -> dict[str, int]:
    now = dt.datetime.now(dt.UTC)
    batch = {
        "reads": [
            {
                "id": str(uuid.uuid4()),
                "captured_at": now.isoformat(),
                "plate": r.plate,
                "raw_text": r.raw_text[:64],
                "confidence": round(r.confidence, 6),
                "alternatives": [
                    {"plate": a.plate, "confidence": a.confidence} for a in r.alternatives
                ],
                "region": r.region,
                "region_confidence": r.region_confidence,
                "latitude": DEMO_SITE[0],
                "longitude": DEMO_SITE[1],
                "plate_image": base64.b64encode(r.crop_jpeg).decode() if r.crop_jpeg else None,
            }
            for r in reads
        ]
    }
    response = httpx.post(
        f"{base}/api/v1/reads", json=batch, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    response.raise_for_status()
    answer: dict[str, int] = response.json()
    return answer
