"""Storing reads: each read once by its id, its plate indexed, on both back-ends."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, Stored, joined, rows_json, store_reads
from plateward.store.schema import plates, reads

WHEN = dt.datetime(2026, 11, 3, 14, 0, tzinfo=dt.UTC)


def fresh_store(url: str) -> Engine:
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        add_camera(
            connection, agency_id=ensure_agency(connection, "A", "Agency"), code="C1", name="c"
        )
    return engine


def read(plate: str, when: dt.datetime = WHEN, read_id: uuid.UUID | None = None) -> NewRead:
    return NewRead(read_id or uuid.uuid4(), when, plate, 0.9, 38.5, -121.5)


def stored_ids(engine: Engine) -> list[uuid.UUID]:
    with engine.connect() as connection:
        return list(connection.execute(select(reads.c.id)).scalars())


def test_a_read_resent_with_its_time_corrected_is_stored_once(database_url: str) -> None:
    """Same id, time moved by minutes (a camera clock fixed): the same read, not a second."""
    engine = fresh_store(database_url)
    first = read("7ABC123")
    with engine.begin() as connection:
        assert store_reads(connection, 1, [first, read("7ABC124")]) == Stored(2, 0)
    shifted = read("7ABC123", WHEN + dt.timedelta(minutes=3), first.id)
    with engine.begin() as connection:
        assert store_reads(connection, 1, [shifted]) == Stored(0, 1)
    ids = stored_ids(engine)
    assert len(ids) == 2 and first.id in ids
    engine.dispose()


def test_a_read_repeated_within_its_batch_is_stored_once(database_url: str) -> None:
    engine = fresh_store(database_url)
    once = read("5XYZ987")
    later = read("5XYZ987", WHEN + dt.timedelta(seconds=5), once.id)
    with engine.begin() as connection:
        result = store_reads(connection, 1, [once, read("5XYZ988"), once, later])
    assert result == Stored(2, 2)
    assert stored_ids(engine).count(once.id) == 1
    engine.dispose()


def test_a_batch_spanning_months_is_stored_whole(database_url: str) -> None:
    """PostgreSQL needs each month's partition, the middle one included."""
    engine = fresh_store(database_url)
    months = [dt.datetime(2026, m, 15, tzinfo=dt.UTC) for m in (6, 7, 8)]
    # The middle month's read comes last, so neither end of the batch names it.
    batch = [read("1AAA111", months[0]), read("1AAA112", months[2]), read("1AAA113", months[1])]
    with engine.begin() as connection:
        assert store_reads(connection, 1, batch) == Stored(3, 0)
    engine.dispose()


def test_a_month_created_in_a_rolled_back_transaction_is_created_again(
    database_url: str,
) -> None:
    """PostgreSQL: a refused import or failed batch takes its new partition with it, and
    the next batch for that month must not be told it exists."""
    engine = fresh_store(database_url)
    december = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)

    class Refused(Exception):
        pass

    try:
        with engine.begin() as connection:
            store_reads(connection, 1, [read("2DEC001", december)])
            raise Refused
    except Refused:
        pass
    with engine.begin() as connection:
        assert store_reads(connection, 1, [read("2DEC002", december)]) == Stored(1, 0)
    engine.dispose()


def test_reads_given_as_postgresql_json_are_stored_alike(database_url: str) -> None:
    """An import's workers hand PostgreSQL its JSON made in advance; parts join into one."""
    engine = fresh_store(database_url)
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection, pytest.raises(TypeError):
            store_reads(connection, 1, rows_json([read("3JSN001")]))
        return
    first, second = [read("3JSN001")], [read("3JSN002", WHEN + dt.timedelta(days=40))]
    with engine.begin() as connection:
        batch = joined([rows_json(first), rows_json([]), rows_json(second)])
        assert batch.count == 2
        assert store_reads(connection, 1, batch) == Stored(2, 0)
        assert store_reads(connection, 1, rows_json(first)) == Stored(0, 1)
    assert set(stored_ids(engine)) == {first[0].id, second[0].id}
    engine.dispose()


def test_only_stored_reads_index_their_plates(database_url: str) -> None:
    engine = fresh_store(database_url)
    kept = read("8KEEP88")
    with engine.begin() as connection:
        store_reads(connection, 1, [kept])
    # A resend under a new plate text (a camera's re-read) neither stores nor indexes it.
    with engine.begin() as connection:
        store_reads(connection, 1, [read("8KEEP89", read_id=kept.id)])
    with engine.connect() as connection:
        indexed = set(connection.execute(select(plates.c.plate)).scalars())
    assert indexed == {"8KEEP88"}
    engine.dispose()


def test_the_same_batch_sent_twice_at_once_is_stored_once(database_url: str) -> None:
    """A camera that retries before its first attempt was answered: two transactions race."""
    engine = fresh_store(database_url)
    batch = [read(f"2RACE{n:02d}") for n in range(40)]
    results: list[Stored] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        with engine.begin() as connection:
            results.append(store_reads(connection, 1, batch))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.stored for r in results) == [0, 40]
    assert sum(r.duplicates for r in results) == 40
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(reads)).scalar_one() == 40
        assert connection.execute(select(func.count()).select_from(plates)).scalar_one() == 40
    engine.dispose()


coordinates = st.tuples(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
    st.floats(0, 1, allow_nan=False),
    st.one_of(st.none(), st.floats(0, 360, allow_nan=False, exclude_max=True)),
)
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2026, 11, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-8))]),
)


def test_stored_values_come_back_exactly(database_url: str) -> None:
    """The batch travels to the database as JSON text: every float and time must survive it."""
    engine = fresh_store(database_url)

    @settings(max_examples=40, deadline=None)
    @given(values=st.lists(st.tuples(coordinates, moments), min_size=1, max_size=30))
    def check(values: list[tuple[tuple[float, float, float, float | None], dt.datetime]]) -> None:
        batch = [
            NewRead(
                uuid.uuid4(),
                when,
                "7ABC123",
                confidence,
                latitude,
                longitude,
                alternatives=[{"plate": "7ABC128", "confidence": confidence / 2}],
                heading=heading,
            )
            for (latitude, longitude, confidence, heading), when in values
        ]
        with engine.begin() as connection:
            assert store_reads(connection, 1, batch).stored == len(batch)
        wanted = {r.id: r for r in batch}
        columns = (reads.c.id, reads.c.captured_at, reads.c.latitude, reads.c.longitude,
                   reads.c.confidence, reads.c.heading, reads.c.alternatives)  # fmt: skip
        with engine.connect() as connection:
            rows = connection.execute(select(*columns).where(reads.c.id.in_(wanted))).all()
        assert len(rows) == len(batch)
        for row in rows:
            sent = wanted[row.id]
            assert row.captured_at == sent.captured_at
            assert (row.latitude, row.longitude, row.confidence, row.heading) == (
                sent.latitude, sent.longitude, sent.confidence, sent.heading,
            )  # fmt: skip
            assert row.alternatives == list(sent.alternatives)

    check()
    engine.dispose()
