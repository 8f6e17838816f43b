"""The ingest writer: turns on SQLite, checkpoints between them; free running on PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.writer import CHECKPOINT_EVERY, writer_for


def most_inside_at_once(url: str) -> int:
    engine = open_database(url)
    writer = writer_for(engine)
    inside, most = 0, 0
    lock = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        with writer.turn():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.engine.dispose()
    engine.dispose()
    return most


def test_batches_take_turns_only_on_sqlite(database_url: str) -> None:
    most = most_inside_at_once(database_url)
    assert most == (1 if database_url.startswith("sqlite") else 4)


def test_sqlite_log_is_copied_back_between_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE filler (n INTEGER, pad TEXT)"))
    writer = writer_for(engine)
    database = Path(str(make_url(url).database))

    def one_turn(n: int) -> None:
        with writer.turn() as through, through.begin() as connection:
            connection.execute(
                text("INSERT INTO filler VALUES (:n, :pad)"), {"n": n, "pad": "x" * 8000}
            )

    sizes = []
    for n in range(1, 2 * CHECKPOINT_EVERY + 1):
        one_turn(n)
        sizes.append(database.stat().st_size)
    # Between checkpoints the rows wait in the log and the database file does not grow.
    assert len(set(sizes[: CHECKPOINT_EVERY - 1])) == 1
    assert sizes[CHECKPOINT_EVERY - 1] > sizes[0]
    assert sizes[-1] > sizes[CHECKPOINT_EVERY - 1]
    with writer.engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
    writer.engine.dispose()
    engine.dispose()
