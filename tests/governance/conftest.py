"""People with API tokens, a camera, and calling the API or the console as one of them.

Fixtures rather than helpers: the suite runs with ``--import-mode=importlib``, where test
modules cannot import one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from plateward.access.users import add_user, issue_token
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.cli import app
from plateward.settings import Settings, load_settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "harbour violet quartz 42"
MAX_FILE_BYTES = 50_000
"""Attachments over this are refused in these tests (records.max_file_bytes)."""
ROLES = ("user", "investigator", "administrator", "auditor", "internal_affairs")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The suite's settings with a small attachment limit, so a test can cross it cheaply."""
    return load_settings(
        db=database_url, data_dir=tmp_path / "data", records={"max_file_bytes": MAX_FILE_BYTES}
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings.database_url())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    """An API token per role (usernames ``<role>1``), a second IA member, and camera POLE-1."""
    out = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in ROLES:
            user = add_user(
                connection,
                username=f"{role}1",
                full_name=f"{role} one",
                role=role,
                agency_id=agency,
                password=PASSWORD,
            )
            out[role] = issue_token(connection, user.id, "test")
        add_user(
            connection,
            username="internal_affairs2",
            full_name="ia two",
            role="internal_affairs",
            agency_id=agency,
            password=PASSWORD,
        )
        out["camera_key"] = add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="Main St",
            latitude=38.5,
            longitude=-121.5,
        )
    return out


@pytest.fixture
def api(server: str) -> Callable[..., httpx.Response]:
    """``api(method, path, token, **httpx_kwargs)`` against the real server under /api/v1."""

    def call(method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(
            method, f"{server}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )

    return call


@pytest.fixture
def cli(settings: Settings) -> Callable[..., Result]:
    """``cli(token, *args)``: the ``plateward`` command on the test database, as that account."""
    runner = CliRunner()

    def run(token: str | None, *args: str) -> Result:
        env = {
            "PLATEWARD_DATA_DIR": str(settings.data_dir),
            "PLATEWARD_DB": settings.database_url(),
            "PLATEWARD_RECORDS__MAX_FILE_BYTES": str(MAX_FILE_BYTES),
            "PLATEWARD_TOKEN": None,
        }
        if token is not None:
            env["PLATEWARD_TOKEN"] = token
        return runner.invoke(app, list(args), env=env)

    return run


@pytest.fixture
def log_actions(engine: Engine) -> Callable[[], list[tuple[str, str]]]:
    """(username, action) of every access log entry so far, after checking the chain."""

    def actions() -> list[tuple[str, str]]:
        with engine.connect() as connection:
            assert verify_log(connection).intact
            rows = connection.execute(
                select(access_log.c.username, access_log.c.action).order_by(access_log.c.id)
            )
            return [(r.username, r.action) for r in rows]

    return actions
