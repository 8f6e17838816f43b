"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plateward.settings import Settings, load_settings


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


POSTGRES_ENV = "PLATEWARD_TEST_POSTGRES"
"""A PostgreSQL server URL whose user may create databases; .ci/run sets it."""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each back-end: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plateward.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must test PostgreSQL")
        pytest.skip(f"set {POSTGRES_ENV}=postgresql://USER:PASSWORD@HOST to test PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from plateward.store.partitions import forget_partitions

    name = f"plateward_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    forget_partitions()
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(db=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The real application served by uvicorn on a free local port; yields its base URL."""
    import uvicorn

    from plateward.web.app import create_app

    app = create_app(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
    app.state.plateward.db.dispose()


@pytest.fixture
def train() -> Callable[..., None]:
    """A function giving a user current certificates for every course their role needs.

    Data actions refuse untrained people (policy F), so a test that searches as someone first
    trains them: ``train(connection, user_id)`` in the transaction that made the account. The
    rows are written directly, not through ``record_certificate``, so the access log holds only
    what the test itself does (tests/access/test_training.py covers recording).
    """
    import datetime as dt
    import hashlib

    from sqlalchemy import Connection, insert

    from plateward.access.training import today_utc
    from plateward.access.training_courses import list_courses
    from plateward.access.training_schema import certificates
    from plateward.access.users import user_by_id

    def give(connection: Connection, user_id: int, completed_on: dt.date | None = None) -> None:
        role = user_by_id(connection, user_id).role
        for course in list_courses(connection, active_only=True):
            if role in course.required_for:
                connection.execute(
                    insert(certificates).values(
                        user_id=user_id, course_id=course.id,
                        completed_on=completed_on or today_utc(),
                        file_sha256=hashlib.sha256(course.code.encode()).hexdigest(),
                        file_name="certificate.pdf", media_type="application/pdf", size_bytes=1,
                        recorded_by="test", recorded_at=dt.datetime.now(dt.UTC),
                    )
                )  # fmt: skip

    return give


@pytest.fixture
def crew(settings: Settings, server: str, train: Callable[..., None]) -> dict[str, str]:
    """Two agencies' people with API tokens, and two cameras with their keys.

    CCSO: ``admin``, ``investigator``, ``deputy``, ``auditor`` (trained), ``untrained`` (a
    deputy without certificates); camera ``POLE-1`` (``camera_key``). OTHER: ``outsider`` (an
    investigator) and camera ``OTHER-1`` (``other_camera_key``). Values are tokens and keys.
    """
    from plateward.access.users import add_user, issue_token
    from plateward.store.cameras import add_camera, ensure_agency
    from plateward.store.database import open_database

    engine = open_database(settings.database_url())
    out: dict[str, str] = {}
    with engine.begin() as connection:
        ccso = ensure_agency(connection, "CCSO", "County Sheriff")
        other = ensure_agency(connection, "OTHER", "Other Police Department")
        out["camera_key"] = add_camera(
            connection, agency_id=ccso, code="POLE-1", name="Main St", latitude=38.58,
            longitude=-121.49,
        )  # fmt: skip
        out["other_camera_key"] = add_camera(
            connection, agency_id=other, code="OTHER-1", name="Elm St", latitude=38.6,
            longitude=-121.4,
        )  # fmt: skip
        people = [
            ("admin", "administrator", ccso, True),
            ("investigator", "investigator", ccso, True),
            ("deputy", "user", ccso, True),
            ("auditor", "auditor", ccso, True),
            ("untrained", "user", ccso, False),
            ("outsider", "investigator", other, True),
        ]
        for name, role, agency, trained in people:
            person = add_user(connection, username=name, full_name=f"{name} person", role=role,
                              agency_id=agency, password="quartz meadow lantern 58")  # fmt: skip
            if trained:
                train(connection, person.id)
            out[name] = issue_token(connection, person.id, "tests")
    engine.dispose()
    return out


@pytest.fixture
def make_token(train: Callable[..., None]) -> Callable[..., str]:
    """``make_token(database_url, role, username=None)``: a trained account of that role in
    agency CCSO and its API token, for console commands (``--token`` / ``PLATEWARD_TOKEN``)."""
    from plateward.access.users import add_user, issue_token
    from plateward.store.cameras import ensure_agency
    from plateward.store.database import open_database
    from plateward.store.migrate import upgrade

    def make(database_url: str, role: str = "investigator", username: str | None = None) -> str:
        engine = open_database(database_url)
        upgrade(engine)
        with engine.begin() as connection:
            agency = ensure_agency(connection, "CCSO", "County Sheriff")
            person = add_user(
                connection, username=username or f"console_{role}", full_name=role, role=role,
                agency_id=agency, password="cobalt ridge falcon 62",
            )  # fmt: skip
            train(connection, person.id)
            token = issue_token(connection, person.id, "console")
        engine.dispose()
        return token

    return make


@pytest.fixture
def console_as(
    make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., str]:
    """``console_as(database_url, role)``: console commands from here on act as that account."""

    def sign_in(database_url: str, role: str = "investigator", username: str | None = None) -> str:
        token = make_token(database_url, role, username)
        monkeypatch.setenv("PLATEWARD_TOKEN", token)
        return token

    return sign_in
