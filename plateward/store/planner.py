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
