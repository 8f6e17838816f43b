"""Malformed records in any number and shape: --skip-bad never stops, without it nothing lands.

Hypothesis mixes good records with junk (random JSON values, broken JSON, random bytes in any
encoding, half-right records) and checks, on a real database, that a skipping import stores
exactly the good reads and that a strict one stores nothing.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from plateward.errors import InvalidInput
from plateward.ingest.imports import FORMATS, ImportOptions, import_reads
from plateward.store.schema import reads

Load = Callable[[str], Any]
COUNTER = itertools.count()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
junk_line = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.text(max_size=30).map(lambda t: t.replace("\n", " ").replace("\r", " ").encode("utf-8")),
    st.sampled_from(
        [
            b'{"data_type": "alpr_group", "best_plate_',
            b'{"data_type": "alpr_group"}',
            b'{"data_type": "alpr_group", "best_plate_number": "--", "epoch_start": 1}',
            b'{"data_type": "alpr_results", "results": [{"plate": 7}]}',
            (
                b'{"data_type": "alpr_group", "best_plate_number": "ABC", "epoch_start": 0,'
                b' "best_confidence": 90}'
            ),
            (
                b'{"data_type": "alpr_group", "best_plate_number": "ABC", "epoch_start": 1e300,'
                b' "best_confidence": 90}'
            ),
            '{"data_type": "alpr_group", "note": "Caf\u00e9"}'.encode("latin-1"),
        ]
    ),
)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(reads)).scalar_one())


def good_groups(sample: Load, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        k = next(COUNTER)
        group = copy.deepcopy(sample("openalpr_group.json"))
        group.update(best_uuid=f"robust-{k}", epoch_start=1763662500000 + k * 1000)
        out.append(json.dumps(group).encode())
    return out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_skip_bad_never_stops_and_strict_stores_nothing(
    import_db: Engine, sample: Load, tmp_path: Path, data: st.DataObject
) -> None:
    good = good_groups(sample, data.draw(st.integers(1, 4)))
    junk = data.draw(st.lists(junk_line, min_size=1, max_size=6))
    lines = data.draw(st.permutations(good + junk))
    path = tmp_path / f"mixed-{next(COUNTER)}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    before = count(import_db)
    options = ImportOptions(camera="POLE-1", encoding="utf-8")
    report = import_reads(import_db, FORMATS["openalpr"], path, options=options, skip_bad=True)
    assert report.stored == len(good)
    assert count(import_db) == before + len(good)
    bad_or_empty = report.skipped + report.ignored
    assert report.records == len(good) + bad_or_empty
    if report.skipped:
        again = good_groups(sample, 1)
        path.write_bytes(b"\n".join([*lines, *again]) + b"\n")
        with pytest.raises(InvalidInput):
            import_reads(import_db, FORMATS["openalpr"], path, options=options)
        assert count(import_db) == before + len(good)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.lists(junk_line, min_size=1, max_size=5))
def test_junk_csv_rows_are_skipped(
    import_db: Engine, samples: Path, tmp_path: Path, junk: list[bytes]
) -> None:
    header, *rows = (samples / "pr_stream.csv").read_bytes().splitlines()
    path = tmp_path / f"stream-{next(COUNTER)}.csv"
    path.write_bytes(b"\n".join([header, *junk, *rows]) + b"\n")
    options = ImportOptions(camera="POLE-1", encoding="utf-8")
    report = import_reads(
        import_db, FORMATS["platerecognizer-csv"], path, options=options, skip_bad=True
    )
    # A stray quote in a junk row can swallow the next line into it (CSV quoting): the
    # import still carries on, and accounts for every row it read.
    assert report.stored + report.duplicates + report.skipped + report.ignored == report.records
    assert report.stored + report.duplicates <= 2


def test_an_overlong_line_is_a_bad_record_not_a_memory_hog(
    import_db: Engine, sample: Load, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateward.ingest.formats import json_records

    monkeypatch.setattr(json_records, "MAX_RECORD_CHARS", 4000)
    monkeypatch.setattr(json_records, "CHUNK_CHARS", 100)
    good = good_groups(sample, 2)
    huge = json.dumps({"data_type": "alpr_group", "blob": "x" * 10_000}).encode()
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b"\n".join([good[0], huge, good[1]]) + b"\n")
    skipped: list[Any] = []
    report = import_reads(
        import_db, FORMATS["openalpr"], path, options=ImportOptions(camera="POLE-1"),
        skip_bad=True, on_skip=skipped.append,
    )  # fmt: skip
    assert (report.stored, report.skipped) == (2, 1)
    assert skipped[0].where.endswith("huge.jsonl line 2")
    assert "a record over" in skipped[0].reason
