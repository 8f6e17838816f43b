"""PostgreSQL: the server runs as its own role, which cannot change or remove log entries.

A real second role on the real server: the owner migrates and runs ``plateward db grant``, the
application then serves a camera's batch (a new month's partition included) and a search as
that role, and every attempt of that role to UPDATE, DELETE or TRUNCATE the log is refused by
PostgreSQL's grants; the owner itself is stopped by the trigger.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.cli import app
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.web.app import create_app

PASSWORD = "slate orchard beacon 41"


@pytest.fixture
def app_role(database_url: str) -> Iterator[str]:
    """A login role with no rights at all, dropped afterwards; yields its database URL."""
    if not database_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's; SQLite's guard is the trigger (tests/audit)")
    role = f"plateward_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'app-secret'"))
    try:
        yield (
            make_url(database_url)
            .set(username=role, password="app-secret")
            .render_as_string(hide_password=False)
        )
    finally:
        with owner.connect() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
        owner.dispose()
        admin = create_engine(make_url(database_url).set(database="postgres"),
                              isolation_level="AUTOCOMMIT")  # fmt: skip
        with admin.connect() as connection:
            connection.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def test_the_application_role_serves_but_cannot_rewrite_the_log(
    settings: Settings, app_role: str, train: Callable[..., None]
) -> None:
    owner_url = settings.database_url()
    engine = open_database(owner_url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        person = add_user(connection, username="deputy1", full_name="Deputy One", role="user",
                          agency_id=agency, password=PASSWORD)  # fmt: skip
        train(connection, person.id)
        token = issue_token(connection, person.id, "test")
    engine.dispose()
    role = make_url(app_role).username
    granted = CliRunner().invoke(app, ["db", "grant", str(role), "--db", owner_url])
    assert granted.exit_code == 0, granted.output
    assert "GRANT SELECT, INSERT ON access_log" in granted.output

    served = create_app(settings.model_copy(update={"db": app_role}))
    with TestClient(served) as client:
        month = dt.datetime(2019, 7, 4, 12, tzinfo=dt.UTC)  # a month with no partition yet
        read = {"id": str(uuid.uuid4()), "captured_at": month.isoformat(), "plate": "7ABC123",
                "confidence": 0.9, "latitude": 38.58, "longitude": -121.49}  # fmt: skip
        stored = client.post("/api/v1/reads", json={"reads": [read]},
                             headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert stored.status_code == 200, stored.text
        found = client.get(
            "/api/v1/search/plate",
            params={"plate": "7ABC123", "case_number": "26-004211"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert found.status_code == 200, found.text
        assert found.json()["count"] == 1
    served.state.plateward.db.dispose()

    as_app = create_engine(make_url(app_role).set(drivername="postgresql+psycopg"))
    for statement in (
        "UPDATE access_log SET reason = 'routine' WHERE id = 1",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
        "DELETE FROM access_log_nodes",
        "UPDATE access_log_checkpoints SET note = ''",
        "ALTER TABLE access_log DISABLE TRIGGER USER",
        "UPDATE alembic_version SET version_num = '0001'",
    ):
        refused = pytest.raises(DBAPIError, match="permission denied|must be owner")
        with refused, as_app.begin() as connection:
            connection.execute(text(statement))
    as_app.dispose()

    owner = open_database(owner_url)
    with pytest.raises(DBAPIError, match="append-only"), owner.begin() as connection:
        connection.execute(text("UPDATE access_log SET reason = 'routine' WHERE id = 1"))
    with owner.connect() as connection:
        actions = connection.execute(text("SELECT action FROM access_log")).scalars().all()
    owner.dispose()
    assert actions == ["search.plate"]
