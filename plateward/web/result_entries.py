"""A result set's reads as stored: 40 bytes each, packed, where they were a JSON list.

Every search run from a page keeps up to a thousand entries (read id, capture time, score,
distance) and every page of its results reads them back. As JSON each entry was a UUID and
a time written out as text, four Python conversions and some 95 bytes for PostgreSQL to parse,
compress and log; packed, it is a UUID's 16 bytes, the time as microseconds since the epoch
and two doubles. Keeping a thousand entries went from 13.1 to 4.3 ms (median of 40 inserts
each way with their commits, alternating, PostgreSQL at ten million reads; building the
value 5.5 -> 1.4 ms of it).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from plateward.store.read_keys import EPOCH, MICROSECOND, PackedKeys, epoch_micros

_ENTRY = struct.Struct("<16sqdd")
"""Read id, capture time (microseconds since the epoch, UTC), score, distance (NaN: none)."""


@dataclass(frozen=True)
class Entry:
    """One read of a result, in the search's order."""

    read_id: uuid.UUID
    captured_at: dt.datetime
    score: float | None = None
    distance_m: float | None = None


def pack_entries(entries: Sequence[Entry]) -> bytes:
    nan = math.nan
    return b"".join(
        [
            _ENTRY.pack(
                e.read_id.bytes,
                epoch_micros(e.captured_at),
                nan if e.score is None else e.score,
                nan if e.distance_m is None else e.distance_m,
            )
            for e in entries
        ]
    )


class PackedEntries(Sequence[Entry]):
    """A result's entries as kept, each decoded when it is asked for.

    A page of results shows 50 of up to a thousand, a read's page one and its neighbours; at
    about 6.6 us an entry (a UUID, a time, a frozen dataclass), decoding them all took 6.6 ms
    of every such request. Finding a read among them compares its 16 bytes in the packed
    value instead of building each entry.
    """

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        if len(data) % _ENTRY.size:
            raise ValueError(f"result entries: {len(data)} bytes is not a whole number of entries")
        self._data = bytes(data)

    def __len__(self) -> int:
        return len(self._data) // _ENTRY.size

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"entry {index} of {count}")
        return _entry(*_ENTRY.unpack_from(self._data, index * _ENTRY.size))

    def __iter__(self) -> Iterator[Entry]:
        return (_entry(*fields) for fields in _ENTRY.iter_unpack(self._data))

    def read_keys(self) -> PackedKeys:
        """Every entry's read key, cut from the packed value without decoding an entry."""
        fields = list(_ENTRY.iter_unpack(self._data))
        micros = struct.pack(f">{len(fields)}q", *(f[1] for f in fields))
        return PackedKeys(b"".join(f[0] for f in fields), micros)

    def index_of(self, read_id: uuid.UUID) -> int | None:
        """Where the read is among the entries, or None."""
        wanted, start = read_id.bytes, 0
        while (found := self._data.find(wanted, start)) >= 0:
            if found % _ENTRY.size == 0:
                return found // _ENTRY.size
            start = found + 1
        return None


def _entry(read_id: bytes, micros: int, score: float, distance: float) -> Entry:
    return Entry(
        uuid.UUID(bytes=read_id),
        EPOCH + micros * MICROSECOND,
        None if math.isnan(score) else score,
        None if math.isnan(distance) else distance,
    )
