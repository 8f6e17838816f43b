"""Files in every encoding agencies' systems write: detected, decoded, or refused by line."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.ingest.formats.encoding import choose_encoding
from plateward.ingest.formats.records import BadRecord
from plateward.ingest.imports import FORMATS, ImportOptions, import_reads

Stored = Callable[[Engine], list[dict[str, Any]]]
Load = Callable[[str], Any]


def run(engine: Engine, name: str, path: Path, **options: Any) -> Any:
    skip_bad = options.pop("skip_bad", False)
    skipped: list[BadRecord] = []
    report = import_reads(
        engine, FORMATS[name], path, options=ImportOptions(**options), skip_bad=skip_bad,
        on_skip=skipped.append,
    )  # fmt: skip
    report.skipped_records = skipped
    return report


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("plain ascii\n", "ascii", "utf-8-sig"),
        ("Caf\u00e9 \u20ac\n", "utf-8", "utf-8-sig"),
        ("Caf\u00e9\n", "utf-8-sig", "utf-8-sig"),
        ("Caf\u00e9 \u041c\u043e\u0441\u043a\u0432\u0430\n", "utf-16", "utf-16"),
        ('{"label": "Caf\u00e9 du Nord"}\n' * 3, "utf-16-le", "utf-16-le"),
        ('{"label": "Caf\u00e9 du Nord", "n": "Stra\u00dfe"}\n', "latin-1", "cp1252"),
        ('{"a": "Stra\u00dfe \u20ac 5 \u2013 Jos\u00e9"}\n', "cp1252", "cp1252"),
        (
            (
                '{"a": "\u041c\u043e\u0441\u043a\u043e\u0432\u0441\u043a\u0438\u0439'
                ' \u043f\u0440\u043e\u0441\u043f\u0435\u043a\u0442"}\n'
            ),
            "cp1251",
            "cp1251",
        ),
    ],
)
def test_the_encoding_is_detected(tmp_path: Path, text: str, encoding: str, expected: str) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(text.encode(encoding))
    chosen = choose_encoding(path)
    assert chosen.name == expected
    assert path.read_bytes().decode(chosen.name).lstrip("\ufeff") == text


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (b"plain ascii\n", "utf-8 (detected)"),
        (codecs.BOM_UTF8 + b"plain ascii\n", "utf-8 (byte-order mark)"),
        ("Caf\u00e9\n".encode("cp1252") * 3, "cp1252 (detected)"),
    ],
)
def test_the_encoding_is_named_as_people_name_it(
    tmp_path: Path, content: bytes, shown: str
) -> None:
    """The summary's name: a plain UTF-8 file is not called by the codec that reads it."""
    path = tmp_path / "f.txt"
    path.write_bytes(content)
    assert str(choose_encoding(path)) == shown


def test_a_late_latin1_byte_is_found_past_the_first_megabyte(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 200_000 + '{"b": "Caf\u00e9"}\n'.encode("latin-1"))
    assert choose_encoding(path).name == "cp1252"


def test_an_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput, match="--encoding 'klingon'"):
        choose_encoding(path, "klingon")


@pytest.mark.parametrize("name", ["openalpr", "platerecognizer", "flock", "verkada"])
def test_a_latin1_byte_in_an_ignored_field_does_not_stop_an_import(
    import_db: Engine, stored: Stored, sample: Load, tmp_path: Path, name: str
) -> None:
    payload = {
        "openalpr": "openalpr_group.json",
        "platerecognizer": "pr_vehicle_mode.json",
        "flock": "flock_alert.json",
        "verkada": "verkada_lpr.json",
    }[name]
    value = sample(payload)
    value["note"] = "Caf\u00e9"
    path = tmp_path / "latin1.json"
    path.write_bytes((json.dumps(value, ensure_ascii=False) + "\n").encode("latin-1"))
    report = run(import_db, name, path, camera="POLE-1")
    assert report.stored == 1
    assert report.encoding == "cp1252 (detected)"


def test_csv_imports_read_latin1_and_utf16(
    import_db: Engine, stored: Stored, samples: Path, tmp_path: Path
) -> None:
    text = (samples / "pr_stream.csv").read_text(encoding="utf-8")
    text = text.replace("rtsp://10.0.0.40/main", "Entr\u00e9e nord")
    results = []
    for encoding in ("latin-1", "utf-16"):
        path = tmp_path / f"stream-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        report = run(import_db, "platerecognizer-csv", path, camera="POLE-1")
        results.append((report.stored, report.duplicates))
    # The same rows, decoded alike: the second file's reads are the first's.
    assert results == [(2, 0), (0, 2)]
    assert len(stored(import_db)) == 2


def test_plateward_csv_with_bom_and_crlf(import_db: Engine, stored: Stored, tmp_path: Path) -> None:
    path = tmp_path / "hand.csv"
    rows = "captured_at,plate,confidence\r\n2025-11-20T10:15:00-08:00,7abc 123,0.8\r\n"
    path.write_bytes(rows.encode("utf-8-sig"))
    assert run(import_db, "csv", path, camera="POLE-1").stored == 1


def test_an_undecodable_line_is_a_numbered_bad_record(
    import_db: Engine, stored: Stored, sample: Load, tmp_path: Path
) -> None:
    """Told the file is UTF-8, a Latin-1 line cannot decode: that line is a bad record."""
    good = sample("openalpr_group.json")
    other = dict(good, best_uuid="other", epoch_start=good["epoch_start"] + 5000)
    bad = dict(good, best_uuid="bad", note="Caf\u00e9")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        (json.dumps(good) + "\n").encode()
        + (json.dumps(bad, ensure_ascii=False) + "\n").encode("latin-1")
        + (json.dumps(other) + "\n").encode()
    )
    with pytest.raises(BadRecord, match=r"mixed\.jsonl line 2: bytes that are not valid utf-8"):
        run(import_db, "openalpr", path, camera="POLE-1", encoding="utf-8")
    assert stored(import_db) == []
    report = run(import_db, "openalpr", path, camera="POLE-1", encoding="utf-8", skip_bad=True)
    assert (report.stored, report.skipped) == (2, 1)
    assert report.skipped_records[0].where.endswith("mixed.jsonl line 2")


def test_an_undecodable_byte_in_an_array_ends_the_import(
    import_db: Engine, sample: Load, tmp_path: Path
) -> None:
    good = sample("openalpr_group.json")
    path = tmp_path / "array.json"
    text = json.dumps([good, dict(good, note="Caf\u00e9")], indent=2, ensure_ascii=False)
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InvalidInput, match=r"array\.json line \d+: bytes that are not valid"):
        run(import_db, "openalpr", path, camera="POLE-1", encoding="utf-8", skip_bad=True)


def test_undecodable_csv_rows_are_numbered(
    import_db: Engine, samples: Path, tmp_path: Path
) -> None:
    lines = (samples / "pr_stream.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "stream.csv"
    path.write_bytes(
        lines[0].encode() + lines[1].encode() + lines[2].replace("rtsp", "\u00e9").encode("latin-1")
    )
    with pytest.raises(BadRecord, match=r"stream\.csv line 3: bytes that are not valid utf-8"):
        run(import_db, "platerecognizer-csv", path, camera="POLE-1", encoding="utf-8")
