"""A result set's entries, packed and read back as they were kept."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plateward.web.result_entries import Entry, PackedEntries, pack_entries

times = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
numbers = st.none() | st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(st.builds(Entry, st.uuids(), times, numbers, numbers), max_size=50))
def test_entries_come_back_as_kept_in_their_order(entries: list[Entry]) -> None:
    packed = PackedEntries(pack_entries(entries))
    assert len(packed) == len(entries) and bool(packed) == bool(entries)
    assert list(packed) == entries
    assert [packed[i] for i in range(len(entries))] == entries
    assert packed[2:7] == entries[2:7] and packed[-3:] == entries[-3:]
    for entry in entries:
        first = next(i for i, e in enumerate(entries) if e.read_id == entry.read_id)
        assert packed.index_of(entry.read_id) == first
    assert packed.read_keys().decoded() == [(e.read_id, e.captured_at) for e in entries]
    if entries:
        assert packed[-1] == entries[-1]
        with pytest.raises(IndexError):
            packed[len(entries)]


def test_a_read_is_found_only_where_an_entry_starts() -> None:
    """A read id whose bytes also occur across two entries' fields is found at its own."""
    first, second = uuid.uuid4(), uuid.uuid4()
    at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    packed_bytes = pack_entries([Entry(first, at, 0.5), Entry(second, at)])
    straddling = uuid.UUID(bytes=packed_bytes[8:24])  # the end of one id and the time after it
    packed = PackedEntries(packed_bytes + pack_entries([Entry(straddling, at)]))
    assert packed.index_of(straddling) == 2
    assert packed.index_of(second) == 1 and packed.index_of(uuid.uuid4()) is None


def test_times_come_back_in_utc_whatever_zone_they_went_in() -> None:
    pacific = dt.timezone(dt.timedelta(hours=-8))
    moment = dt.datetime(2026, 11, 20, 23, 59, 59, 999_999, tzinfo=pacific)
    naive_utc = dt.datetime(2026, 11, 21, 7, 59, 59, 999_999)  # as SQLite hands it back
    (a, b) = PackedEntries(
        pack_entries([Entry(uuid.uuid4(), moment), Entry(uuid.uuid4(), naive_utc)])
    )
    assert a.captured_at == b.captured_at == moment
    assert a.captured_at.tzinfo is dt.UTC and a.score is None and a.distance_m is None


def test_a_cut_value_is_refused() -> None:
    packed = pack_entries([Entry(uuid.uuid4(), dt.datetime.now(dt.UTC), 0.5)])
    assert PackedEntries(packed)[0].score == 0.5
    with pytest.raises(ValueError, match="not a whole number of entries"):
        PackedEntries(packed[:-1])
