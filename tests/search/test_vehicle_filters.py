"""Searches narrowed by what the vendor said of the vehicle, in the library, CLI and API."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.cli import app
from plateward.errors import InvalidInput
from plateward.search import Filters, Justification, search_partial, search_radius
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.reads import NewRead, store_reads

AddRead = Callable[..., uuid.UUID]
Point = tuple[float, float]
WHEN = dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def fleet(add_read: AddRead, t0: dt.datetime) -> dict[str, uuid.UUID]:
    """Reads of 7ABC12x with the attributes different vendors gave them."""
    return {
        "camry": add_read(
            "7ABC121", at=t0, vehicle_make="toyota", vehicle_model="camry",
            vehicle_color="silver", vehicle_body_type="sedan", vehicle_direction="approaching",
        ),
        "civic": add_read(
            "7ABC122", at=t0 + dt.timedelta(minutes=1), vehicle_make="honda",
            vehicle_model="civic", vehicle_color="blue", vehicle_body_type="sedan",
            vehicle_direction="receding",
        ),
        "f150": add_read(
            "7ABC123", at=t0 + dt.timedelta(minutes=2), vehicle_make="ford",
            vehicle_model="f-150", vehicle_color="red", vehicle_body_type="pickup",
            vehicle_direction="n",
        ),
        "unknown": add_read("7ABC124", at=t0 + dt.timedelta(minutes=3)),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("narrowing", "expected"),
    [
        ({}, {"camry", "civic", "f150", "unknown"}),
        ({"make": "Toyota"}, {"camry"}),
        ({"color": "Silver-Gray"}, {"camry"}),
        ({"body_type": "sedan-standard"}, {"camry", "civic"}),
        ({"body_type": "Pickup Truck", "color": "red"}, {"f150"}),
        ({"direction": "northbound"}, {"f150"}),
        ({"direction": "approaching", "make": "honda"}, set()),
        ({"model": "F-150"}, {"f150"}),
    ],
)
def test_vehicle_attributes_narrow_a_search(
    engine: Engine,
    fleet: dict[str, uuid.UUID],
    why: Justification,
    base: Point,
    t0: dt.datetime,
    narrowing: dict[str, str],
    expected: set[str],
) -> None:
    names = {v: k for k, v in fleet.items()}
    filters = Filters(**narrowing)  # type: ignore[arg-type]
    partial = search_partial(engine, "7ABC12?", justification=why, filters=filters)
    assert {names[h.id] for h in partial} == expected
    window = Filters(start=t0, end=t0 + dt.timedelta(hours=1), **narrowing)  # type: ignore[arg-type]
    grid = search_radius(engine, *base, 100, justification=why, filters=window)
    assert {names[h.id] for h in grid} == expected


def test_a_direction_that_is_none_is_refused() -> None:
    with pytest.raises(InvalidInput, match="direction 'sideways': one of n, ne"):
        Filters(direction="sideways")


def test_the_cli_narrows_by_vehicle(
    engine: Engine, fleet: dict[str, uuid.UUID], database_url: str,
    console_as: Callable[..., str],
) -> None:  # fmt: skip
    console_as(database_url, "investigator")
    args = ["search", "partial", "7ABC12?", "--case", "26-004211", "--json", "--db", database_url]
    result = CliRunner().invoke(app, [*args, "--vehicle", "color=blue", "--vehicle", "make=Honda"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if line.strip()]
    assert '"plate": "7ABC122"' in line
    refused = CliRunner().invoke(app, [*args, "--vehicle", "wheels=4"])
    assert refused.exit_code == 2
    assert "expected KEY=VALUE with KEY one of make, model, color, body_type" in refused.output


def test_the_api_narrows_by_vehicle(
    settings: Settings, server: str, train: Callable[..., None]
) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        user = add_user(connection, username="investigator1", full_name="i",
                        role="investigator", agency_id=agency, password="correct horse saddle 1987")  # fmt: skip
        train(connection, user.id)
        token = issue_token(connection, user.id, "test")
        store_reads(
            connection, 1,
            [
                NewRead(uuid.uuid4(), WHEN, "7ABC123", 0.95, 38.58, -121.49, vehicle_color="white"),
                NewRead(uuid.uuid4(), WHEN, "7ABC124", 0.95, 38.58, -121.49, vehicle_color="red"),
            ],
        )  # fmt: skip
    engine.dispose()
    response = httpx.get(
        f"{server}/api/v1/search/partial",
        params={"pattern": "7ABC12*", "case_number": "26-004211", "color": "White"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert [r["plate"] for r in response.json()["results"]] == ["7ABC123"]
    refused = httpx.get(
        f"{server}/api/v1/search/plate",
        params={"plate": "7ABC123", "case_number": "26-004211", "direction": "up"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert refused.status_code == 422
