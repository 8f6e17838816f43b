"""The plate index answers partial patterns exactly as matching every plate would."""

from __future__ import annotations

import datetime as dt
import fnmatch
import random
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select, text

from plateward.search.patterns import LIKE_ESCAPE, like_pattern, normalise_pattern
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.plate_index import matching_plates, rebuild_plate_index
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import plates

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


def indexed_pieces(connection: Connection) -> int:
    """How many (piece, plate) pairs the back-end's plate index holds."""
    if connection.dialect.name == "postgresql":
        pairs = "SELECT DISTINCT plate, unnest(plate_pieces(plate)) FROM plates"
        return int(connection.execute(text(f"SELECT count(*) FROM ({pairs}) AS p")).scalar_one())
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pieces USING fts5vocab(main, plate_pieces, row)"
        )
    )
    return int(connection.execute(text("SELECT sum(doc) FROM temp.pieces")).scalar_one())


def test_reads_index_their_plates_once(database_url: str) -> None:
    engine = fill(database_url)
    with engine.connect() as connection:
        indexed = set(connection.execute(select(plates.c.plate)).scalars())
        pieces = indexed_pieces(connection)
    assert indexed == set(PLATES)
    assert pieces == sum(len({p[k : k + 2] for k in range(len(p) - 1)}) for p in PLATES)
    with engine.begin() as connection:
        rebuild_plate_index(connection)  # idempotent over what ingest already indexed
        again = indexed_pieces(connection)
    assert again == pieces
    engine.dispose()


patterns = st.text(alphabet=ALPHABET + "?*", min_size=1, max_size=7).filter(
    lambda p: p.strip("?*") != ""
)


def test_index_matches_shell_wildcards(database_url: str) -> None:
    engine = fill(database_url)

    @settings(max_examples=150, deadline=None)
    @given(typed=patterns)
    def check(typed: str) -> None:
        pattern = normalise_pattern(typed)
        with engine.connect() as connection:
            found = set(
                connection.execute(
                    matching_plates(
                        pattern, like_pattern(pattern), LIKE_ESCAPE, engine.dialect.name
                    )
                ).scalars()
            )
        assert found == {p for p in PLATES if fnmatch.fnmatchcase(p, pattern)}

    check()
    engine.dispose()


def test_postgres_plate_columns_compare_bytes(database_url: str) -> None:
    """Migrations 0009 and 0010: plate columns in byte order; pieces in a GIN index."""
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
                text("SELECT indexname FROM pg_indexes WHERE tablename IN ('reads', 'plates')")
            ).scalars()
        )
        # A plate from the index joins its reads: mixed collations would raise here.
        joined = connection.execute(
            text(
                "SELECT count(*) FROM reads JOIN plates USING (plate)"
                " WHERE plate_pieces(plates.plate) @> ARRAY['7B']"
            )
        ).scalar_one()
        # The partial search's candidates come from the GIN index, not a scan of plates.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            connection.execute(
                text(
                    "EXPLAIN SELECT plate FROM plates"
                    " WHERE plate_pieces(plate) @> ARRAY['7B'] AND plate LIKE '%7B%'"
                )
            ).scalars()
        )
    engine.dispose()
    assert sorted(c for _, _, c in collations) == ["C"] * 2, collations
    assert not indexes & {"ix_reads_plate_trgm", "ix_reads_location"}
    assert {
        "ix_plates_pieces",
        "ix_plates_reversed",
        "ix_plates_from2",
        "ix_plates_from3",
    } <= indexes
    assert "ix_plates_pieces" in plan, plan
    assert joined == 2 * sum("7B" in p for p in PLATES)
