"""Storing reads: each read once by its id, its plate indexed, on both back-ends."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import Engine, func, select

from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, Stored, store_reads
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
