"""Hot list files: CSV and NCIC lines, in every encoding agencies send, and what is not one."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from plateward.errors import InvalidInput
from plateward.hotlist.files import FileShape, LineProblem, read_lines

CSV = "LIC,LIS,MKE,OCA,MIS\r\n7ABC123,CA,STOLEN VEHICLE,26-001234,blue Honda caf\u00e9\r\n"


def lines(path: Path) -> tuple[FileShape, list[object]]:
    shape = FileShape()
    return shape, list(read_lines(path, shape))


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CSV.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("latin-1"), "windows-1252"),
        (CSV.encode("utf-16"), "utf-16"),
        (CSV.replace("\r\n", "\n").encode("utf-8"), "utf-8"),
    ],
)
def test_every_encoding_reads_the_same(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(encoded)
    shape, found = lines(path)
    assert (shape.format, shape.encoding) == ("csv", encoding)
    assert found == [
        (2, {"plate": "7ABC123", "state": "CA", "reason": "STOLEN VEHICLE",
             "case_number": "26-001234", "notes": "blue Honda caf\u00e9"})
    ]  # fmt: skip


def test_one_latin1_byte_spoils_only_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"plate,notes\nAAA111,caf\xc3\xa9\nBBB222,caf\xe9\n")
    shape, found = lines(path)
    assert shape.encoding == "mixed"
    assert found == [(2, {"plate": "AAA111", "notes": "caf\u00e9"}),
                     (3, {"plate": "BBB222", "notes": "caf\u00e9"})]  # fmt: skip


def test_ncic_lines_with_periods_or_tabs_and_personal_fields_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ncic.txt"
    path.write_text(
        "MKE/STOLEN VEHICLE.ORI/CA0340000.LIC/7ABC123.LIS/CA.VYR/2015.VMA/HOND.NAM/DOE,JOHN.\n"
        "MKE/FELONY VEHICLE\tLIC/8XYZ999\tLIS/NV\tMIS/SEEN AT 5TH ST. AND MAIN\n"
        "LIC/ONLY1.LIC/TWICE\n"
        "garbage here\n"
    )
    shape, found = lines(path)
    assert shape.format == "ncic" and shape.ignored_columns == ["NAM"]
    assert found[0] == (1, {"reason": "STOLEN VEHICLE", "ori": "CA0340000", "plate": "7ABC123",
                            "state": "CA", "vehicle_year": "2015", "vehicle_make": "HOND"})  # fmt: skip
    assert found[1] == (2, {"reason": "FELONY VEHICLE", "plate": "8XYZ999", "state": "NV",
                            "notes": "SEEN AT 5TH ST. AND MAIN"})  # fmt: skip
    assert found[2] == LineProblem(3, "field LIC appears twice")
    assert isinstance(found[3], LineProblem) and "not a CODE/value field" in found[3].problem


def test_semicolon_csv_with_spreadsheet_headers_and_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("License Plate;State;Reason;Colour;Owner\nABC123;CA;bolo;red;x\n1;2;3;4;5;6\n")
    shape, found = lines(path)
    assert shape.ignored_columns == ["Owner"]
    assert found[0] == (2, {"plate": "ABC123", "state": "CA", "reason": "bolo",
                            "vehicle_color": "red"})  # fmt: skip
    assert found[1] == LineProblem(3, "6 fields where the header has 5")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (b"name,age\nbob,4\n", "not a hot list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a hot list"),
        (b"plate\n7ABC123\n\x00\x01\x02\n", "line 3 holds NUL bytes"),
    ],
)
def test_a_file_that_is_not_a_hot_list_is_refused(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "not-a-list"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=problem):
        lines(path)
