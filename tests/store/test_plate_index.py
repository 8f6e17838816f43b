"""The plate index answers partial patterns exactly as matching every plate would."""

from __future__ import annotations

import datetime as dt
import fnmatch
import random
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from plateward.search.patterns import LIKE_ESCAPE, like_pattern, normalise_pattern
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.plate_index import matching_plates, rebuild_plate_index
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import plate_bigrams, plates

ALPHABET = "7BKX39"
rng = random.Random(5)
PLATES = sorted(
    {"".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 8))) for _ in range(400)}
)


def fill(url: str) -> Engine:
    engine = open_database(url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "A", "Agency")
        add_camera(connection, agency_id=agency, code="C1", name="c")
        when = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        batch = [NewRead(uuid.uuid4(), when, plate, 0.9, 38.5, -121.5) for plate in PLATES + PLATES]
        store_reads(connection, 1, batch)
    return engine


def test_reads_index_their_plates_once(database_url: str) -> None:
    engine = fill(database_url)
    with engine.connect() as connection:
        indexed = set(connection.execute(select(plates.c.plate)).scalars())
        pieces = connection.execute(select(func.count()).select_from(plate_bigrams)).scalar_one()
    assert indexed == set(PLATES)
    assert pieces == sum(len({p[k : k + 2] for k in range(len(p) - 1)}) for p in PLATES)
    with engine.begin() as connection:
        rebuild_plate_index(connection)  # idempotent over what ingest already indexed
        again = connection.execute(select(func.count()).select_from(plate_bigrams)).scalar_one()
    assert again == pieces
    engine.dispose()


patterns = st.text(alphabet=ALPHABET + "?*", min_size=1, max_size=7).filter(
    lambda p: p.strip("?*") != ""
)


def test_index_matches_shell_wildcards(tmp_path: object) -> None:
    engine = fill(f"sqlite:///{tmp_path}/index.db")

    @settings(max_examples=150, deadline=None)
    @given(typed=patterns)
    def check(typed: str) -> None:
        pattern = normalise_pattern(typed)
        with engine.connect() as connection:
            found = set(
                connection.execute(
                    matching_plates(pattern, like_pattern(pattern), LIKE_ESCAPE)
                ).scalars()
            )
        assert found == {p for p in PLATES if fnmatch.fnmatchcase(p, pattern)}

    check()
    engine.dispose()


def test_postgres_plate_columns_compare_bytes(database_url: str) -> None:
    """Migration 0009: every plate column in byte order, so they compare with each other."""
    engine = fill(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        return
    with engine.connect() as connection:
        collations = connection.execute(
            text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns"
                " WHERE column_name IN ('plate', 'bigram')"
                " AND table_name IN ('reads', 'plates', 'plate_bigrams')"
            )
        ).all()
        indexes = set(
            connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'reads'")
            ).scalars()
        )
        # A plate from the index joins its reads: mixed collations would raise here.
        joined = connection.execute(
            text(
                "SELECT count(*) FROM reads JOIN plate_bigrams USING (plate)"
                " WHERE plate_bigrams.bigram = '7B'"
            )
        ).scalar_one()
    engine.dispose()
    assert sorted(c for _, _, c in collations) == ["C"] * 4, collations
    assert not indexes & {"ix_reads_plate_trgm", "ix_reads_location"}
    assert joined == 2 * sum("7B" in p for p in PLATES)
