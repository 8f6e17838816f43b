"""A search that runs too long is stopped and refused; a huge polygon is refused unread."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Connection, select, text

from plateward.access.roles import Role
from plateward.access.users import User
from plateward.audit.schema import access_log
from plateward.search.inquiry import Inquiry, SearchTooSlow, run_inquiry
from plateward.search.justification import Justification
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

ENDLESS = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500000000)"
    " SELECT count(*) FROM n"
)


def test_a_search_past_its_time_limit_is_stopped_and_not_logged(database_url: str) -> None:
    engine = open_database(database_url)
    upgrade(engine)
    inquiry = Inquiry(
        user=User(1, "deputy1", "Deputy One", Role.USER, "CCSO"), action="search.plate",
        query={"plate": "7ABC123"}, justification=Justification("26-004211", None),
        client_address="127.0.0.1",
    )  # fmt: skip

    def endless(connection: Connection, _why: Justification) -> int:
        return int(connection.execute(text(ENDLESS)).scalar_one())

    started = time.monotonic()
    with pytest.raises(SearchTooSlow, match=r"stopped after 0.3 s"):
        run_inquiry(engine, inquiry, endless, lambda n: n, time_limit_s=0.3)
    assert time.monotonic() - started < 10
    quick = run_inquiry(engine, inquiry, lambda c, _: 1, lambda n: n, time_limit_s=0.3)
    with engine.connect() as connection:
        logged = connection.execute(select(access_log.c.action)).scalars().all()
    engine.dispose()
    assert quick == 1 and logged == ["search.plate"]  # only the search that finished


def test_a_polygon_of_a_hundred_thousand_vertices_is_refused_at_once() -> None:
    from plateward.errors import InvalidInput
    from plateward.search.geo import check_polygon

    ring = [(38.0 + (k % 100) / 1000, -121.0 + k / 100_000) for k in range(100_000)]
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="100000 vertices, over the 1000 allowed"):
        check_polygon(ring)
    assert time.monotonic() - started < 0.5
