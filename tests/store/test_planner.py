"""Planner settings changed for one statement are back as they were after it, error or not."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, create_engine, text

from plateward.store.planner import planner_settings


def test_settings_hold_inside_the_block_and_are_restored_after_it(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no planner settings: planner_settings does nothing there")
    engine = create_engine(database_url)

    def shown(connection: Connection) -> tuple[str, str]:
        row = connection.execute(
            text("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        ).one()
        return row[0], row[1]

    with engine.begin() as connection:
        connection.execute(text("SET LOCAL jit = on"))
        with planner_settings(connection, jit="off", plan_cache_mode="force_custom_plan"):
            assert shown(connection) == ("off", "force_custom_plan")
        assert shown(connection) == ("on", "auto")
        with pytest.raises(RuntimeError), planner_settings(connection, jit="off"):
            raise RuntimeError("the statement failed")
        assert shown(connection) == ("on", "auto")
    engine.dispose()


def test_sessions_run_without_jit_unless_the_url_asks_for_it(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("JIT is PostgreSQL's")
    from plateward.store.database import open_database

    for url, expected in ((database_url, "off"), (database_url + "?options=-c%20jit%3Don", "on")):
        engine = open_database(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_setting('jit')")).scalar() == expected
        engine.dispose()


def test_a_statement_run_unprepared_is_never_prepared_however_often_it_runs(
    database_url: str,
) -> None:
    """``unprepared`` keeps psycopg from preparing (a batch's insert; ``store/reads.py``),
    and the connection prepares as before once the block is over."""
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are psycopg's and PostgreSQL's")
    from plateward.store.database import open_database
    from plateward.store.planner import unprepared

    def prepared(connection: Connection) -> int:
        return int(connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar())

    engine = open_database(database_url)
    with engine.begin() as connection:
        with unprepared(connection):
            for n in range(10):
                connection.execute(text("SELECT :n + 1"), {"n": n})
        assert prepared(connection) == 0
        for n in range(10):
            connection.execute(text("SELECT :n + 2"), {"n": n})
        assert prepared(connection) == 1
    engine.dispose()
