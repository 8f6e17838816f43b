"""PostgreSQL planner settings for one statement, where its defaults choose badly.

Set with ``set_config(..., is_local => true)``, so a setting can never outlive the
transaction even if restoring it fails, and restored right after the statement so the rest
of the transaction plans as usual. SQLite has no such settings: there this does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text


@contextmanager
def planner_settings(connection: Connection, **settings: str) -> Iterator[None]:
    """Run the block with these settings (``jit="off"``), then put the old values back."""
    if connection.dialect.name != "postgresql" or not settings:
        yield
        return
    names = sorted(settings)
    swap = ", ".join(
        f"current_setting(:name{i}), set_config(:name{i}, :value{i}, true)"
        for i in range(len(names))
    )
    values = {f"name{i}": name for i, name in enumerate(names)}
    row = connection.execute(
        text(f"SELECT {swap}"),
        {**values, **{f"value{i}": settings[name] for i, name in enumerate(names)}},
    ).one()
    try:
        yield
    finally:
        restore = ", ".join(f"set_config(:name{i}, :value{i}, true)" for i in range(len(names)))
        connection.execute(
            text(f"SELECT {restore}"),
            {**values, **{f"value{i}": row[2 * i] for i in range(len(names))}},
        )


@contextmanager
def unprepared(connection: Connection) -> Iterator[None]:
    """Run the block's statements without a server-side prepared statement (PostgreSQL).

    psycopg prepares a statement after its fifth use on a connection, and PostgreSQL may then
    plan it once for all values. A batch's insert into the month-partitioned reads took 37 ms
    a batch prepared and 34 ms not (500 reads, 13 partitions, one process), so that insert
    is always sent as a statement of its own.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = connection.connection.driver_connection
    threshold = driver.prepare_threshold  # type: ignore[union-attr]
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.prepare_threshold = threshold  # type: ignore[union-attr]
