"""Naming a known set of reads in a query: a search's results, a page of them, an export.

A read's primary key is (id, capture time) on both stores: PostgreSQL partitions the reads
by month, so the time says which partition holds the id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Uuid,
    bindparam,
    column,
    func,
    select,
    tuple_,
)

from plateward.store.schema import reads


class ReadKey(NamedTuple):
    id: uuid.UUID
    captured_at: dt.datetime


def among(connection: Connection, keys: Sequence[ReadKey]) -> tuple[ColumnElement[bool], ...]:
    """The conditions for "one of these reads" (``keys`` must not be empty).

    On PostgreSQL the reads go as one JSON list of (id, capture time), matched on the whole
    primary key, so each is one index probe in the one partition its time falls in; an IN
    list of thousands of ids was a new statement text each time (psycopg parsed it anew, as
    the ingest path found, ``store/reads.py``) and probed every partition in the time range.
    On SQLite, an IN list within the keys' time bounds.
    """
    times = [key.captured_at for key in keys]
    if connection.dialect.name != "postgresql":
        return (
            reads.c.id.in_([key.id for key in keys]),
            reads.c.captured_at >= min(times),
            reads.c.captured_at <= max(times),
        )
    listed = (
        func.json_to_recordset(
            bindparam(
                "read_keys",
                [{"id": str(k.id), "captured_at": k.captured_at.isoformat()} for k in keys],
                type_=JSON,
            )
        )
        .table_valued(column("id", Uuid), column("captured_at", DateTime(timezone=True)))
        .render_derived(name="listed", with_types=True)
    )
    return (tuple_(reads.c.id, reads.c.captured_at).in_(select(listed.c.id, listed.c.captured_at)),)
