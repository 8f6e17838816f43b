"""Naming a known set of reads in a query: a search's results, a page of them, an export.

A read's primary key is (id, capture time) on both stores: PostgreSQL partitions the reads
by month, so the time says which partition holds the id.
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    LargeBinary,
    Uuid,
    bindparam,
    column,
    select,
    text,
    tuple_,
)

from plateward.store.schema import reads

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


class ReadKey(NamedTuple):
    id: uuid.UUID
    captured_at: dt.datetime


@dataclass(frozen=True)
class PackedKeys:
    """Reads' keys as bytes, without a Python object per read: what a kept result set holds.

    ``ids`` is each read's 16-byte id in turn, ``micros`` each capture time as microseconds
    since the epoch (UTC), as big-endian signed 64-bit integers. Decoding a kept result's
    thousand entries into UUIDs and times to name its reads was 7 ms of its export.
    """

    ids: bytes
    micros: bytes

    def __post_init__(self) -> None:
        if len(self.ids) % 16 or len(self.micros) != len(self.ids) // 2:
            raise ValueError(
                f"packed keys: {len(self.ids)} id bytes, {len(self.micros)} time bytes"
            )

    def __len__(self) -> int:
        return len(self.ids) // 16

    def decoded(self) -> list[ReadKey]:
        times = struct.unpack(f">{len(self)}q", self.micros)
        return [
            ReadKey(uuid.UUID(bytes=self.ids[16 * k : 16 * k + 16]), EPOCH + t * MICROSECOND)
            for k, t in enumerate(times)
        ]


def pack_keys(keys: Sequence[ReadKey]) -> PackedKeys:
    micros = [epoch_micros(key.captured_at) for key in keys]
    return PackedKeys(
        b"".join(key.id.bytes for key in keys), struct.pack(f">{len(keys)}q", *micros)
    )


def epoch_micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch; a naive time is UTC, as SQLite hands times back."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return (aware - EPOCH) // MICROSECOND


def among(
    connection: Connection, keys: Sequence[ReadKey] | PackedKeys
) -> tuple[ColumnElement[bool], ...]:
    """The conditions for "one of these reads" (``keys`` must not be empty).

    On PostgreSQL the reads go as two byte strings (``PackedKeys``), matched on the whole
    primary key, so each is one index probe in the one partition its time falls in; an IN
    list of thousands of ids was a new statement text each time (psycopg parsed it anew, as
    the ingest path found, ``store/reads.py``) and probed every partition in the time range.
    They went as a JSON list of (id, time) texts before: naming a kept 1,000-read result's
    reads and fetching their keys took 31.1 ms against 17.4 now, decoding the entries
    included (median of 50, alternating, one process, ten million reads). On SQLite, an IN
    list within the keys' time bounds.
    """
    if connection.dialect.name != "postgresql":
        listed = keys.decoded() if isinstance(keys, PackedKeys) else keys
        times = [key.captured_at for key in listed]
        return (
            reads.c.id.in_([key.id for key in listed]),
            reads.c.captured_at >= min(times),
            reads.c.captured_at <= max(times),
        )
    packed = keys if isinstance(keys, PackedKeys) else pack_keys(keys)
    named = (
        _UNPACKED.bindparams(
            bindparam("read_ids", packed.ids, type_=LargeBinary),
            bindparam("read_micros", packed.micros, type_=LargeBinary),
        )
        .columns(column("id", Uuid), column("captured_at", DateTime(timezone=True)))
        .subquery("listed")
    )
    return (tuple_(reads.c.id, reads.c.captured_at).in_(select(named.c.id, named.c.captured_at)),)


_UNPACKED = text(
    "SELECT CAST(encode(substring(CAST(:read_ids AS bytea) FROM 16 * k + 1 FOR 16), 'hex')"
    " AS uuid) AS id, timestamptz 'epoch' + CAST(CAST('x' || encode(substring("
    "CAST(:read_micros AS bytea) FROM 8 * k + 1 FOR 8), 'hex') AS bit(64)) AS bigint)"
    " * interval '1 microsecond' AS captured_at"
    " FROM generate_series(0, length(CAST(:read_ids AS bytea)) / 16 - 1) AS k"
)
"""Each read's key cut out of the two byte strings, one row per read."""
