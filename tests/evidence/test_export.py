"""Evidence packages: what is in them, what exporting leaves behind, and checking them later.

Exported from the console as a named account on both databases; then opened like an outsider
would (zipfile, OpenCV), altered, and checked again with ``plateward evidence verify``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.audit.schema import access_log
from plateward.cli import app as cli_app
from plateward.retention.schema import legal_hold_reads, legal_holds
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.reads import NewRead, store_reads

PASSWORD = "quartz meadow lantern 58"
T0 = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


@dataclass
class Desk:
    url: str
    data_dir: Path
    engine: Engine
    token: str
    reads: list[uuid.UUID]
    originals: dict[uuid.UUID, bytes]

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(
            cli_app, [*args, "--db", self.url, "--token", self.token],
            env={"PLATEWARD_DATA_DIR": str(self.data_dir)},
        )  # fmt: skip


def picture(width: int, height: int, seed: int) -> bytes:
    """A smooth picture (JPEG copies of it stay close to it), different for each seed."""
    ramp = np.linspace(40, 200, width, dtype=np.uint8)
    image = np.dstack([np.tile(ramp, (height, 1))] * 3)
    cv2.rectangle(image, (5 + seed * 7, 5), (60 + seed * 7, height - 5), (20, 60, 200), -1)
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes())


@pytest.fixture
def desk(database_url: str, tmp_path: Path, train: Callable[..., None]) -> Iterator[Desk]:
    engine = open_database(database_url)
    upgrade(engine)
    store = ImageStore(tmp_path / "data" / "images")
    ids = [uuid.uuid4() for _ in range(3)]
    originals = {}
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
        person = add_user(connection, username="det", full_name="Dana Detective",
                          role="investigator", agency_id=agency, password=PASSWORD)  # fmt: skip
        train(connection, person.id)
        token = issue_token(connection, person.id, "tests")
        batch = []
        for k, read_id in enumerate(ids):
            at = T0 + dt.timedelta(minutes=k)
            crop_bytes = picture(180, 50, k)
            originals[read_id] = crop_bytes
            crop: str | None = store.put(connection, crop_bytes, "crop", captured_at=at)
            context = None
            if k < 2:  # the third read has lost its images to retention already
                context = store.put(connection, picture(640, 360, 100 + k), "ctx", captured_at=at)
            else:
                crop = None
            batch.append(NewRead(read_id, at, f"7ABC12{k}", 0.91, 38.58, -121.49,
                                 alternatives=[{"plate": f"7A8C12{k}", "confidence": 0.4}],
                                 plate_image=crop, context_image=context))  # fmt: skip
        store_reads(connection, 1, batch)
    yield Desk(database_url, tmp_path / "data", engine, token, ids, originals)
    engine.dispose()


def test_a_package_holds_annotated_copies_originals_reads_and_custody(
    desk: Desk, tmp_path: Path
) -> None:
    out = tmp_path / "case.zip"
    done = desk.cli("evidence", "export", *map(str, desk.reads), "--case", "26-004211",
                    "--report", "26-004211-R1", "--reason", "burglary suspect vehicle",
                    "--out", str(out))  # fmt: skip
    assert done.exit_code == 0, done.output
    package = zipfile.ZipFile(out)
    names = set(package.namelist())
    first, second, third = desk.reads
    assert {f"originals/{first}-plate.jpg", f"originals/{first}-context.jpg",
            f"images/{first}-plate.jpg", f"images/{second}-context.jpg"} <= names  # fmt: skip
    assert not any(str(third) in n for n in names if n.startswith(("images/", "originals/")))

    # Originals are the stored bytes; copies are the picture with a white margin below it.
    assert package.read(f"originals/{first}-plate.jpg") == desk.originals[first]
    copy = cv2.imdecode(np.frombuffer(package.read(f"images/{first}-plate.jpg"), np.uint8),
                        cv2.IMREAD_COLOR)  # fmt: skip
    original = cv2.imdecode(np.frombuffer(desk.originals[first], np.uint8), cv2.IMREAD_COLOR)
    assert copy.shape[1] == original.shape[1] and copy.shape[0] > original.shape[0]
    margin = copy[original.shape[0] :]
    assert margin.mean() > 200 and margin.min() < 80  # white, with dark text on it
    assert np.abs(copy[: original.shape[0]].astype(int) - original.astype(int)).mean() < 6

    rows = json.loads(package.read("reads.json"))
    assert [r["id"] for r in rows] == [str(r) for r in desk.reads]
    assert rows[0]["plate"] == "7ABC120" and rows[0]["camera"] == "POLE-1"
    assert rows[0]["agency"] == "CCSO" and rows[0]["captured_at"] == T0.isoformat()
    assert rows[0]["alternatives"] == [{"plate": "7A8C120", "confidence": 0.4}]
    header = package.read("reads.csv").decode().splitlines()[0]
    assert header.startswith("id,captured_at,received_at,agency,camera")
    custody = json.loads(package.read("custody.json"))
    assert custody["case_number"] == "26-004211" and custody["report_number"] == "26-004211-R1"
    assert custody["exported_by"] == {"username": "det", "full_name": "Dana Detective",
                                      "role": "investigator", "agency": "CCSO"}  # fmt: skip
    assert custody["reason"] == "burglary suspect vehicle"
    manifest = json.loads(package.read("manifest.json"))
    assert set(manifest["files"]) == names - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(package.read(name)).hexdigest() == entry["sha256"]

    # Logged with the manifest's digest, and the reads are on hold for the case.
    digest = hashlib.sha256(package.read("manifest.json")).hexdigest()
    with desk.engine.connect() as connection:
        entry = connection.execute(
            select(access_log).where(access_log.c.action == "evidence.export")
        ).one()
        held = set(connection.execute(select(legal_hold_reads.c.read_id)).scalars())
        hold = connection.execute(select(legal_holds)).one()
    assert (entry.username, entry.case_number, entry.result_count) == ("det", "26-004211", 3)
    assert entry.query["manifest_sha256"] == digest and entry.query["hold"] == hold.id
    assert held == set(desk.reads)
    assert (hold.case_number, hold.placed_by, hold.released_at) == ("26-004211", "det", None)
    assert digest in done.output

    # A second export for the case extends the same hold rather than placing another.
    again = desk.cli("evidence", "export", str(desk.reads[0]), "--case", "26-004211",
                     "--report", "26-004211-R2", "--out", str(tmp_path / "again.zip"))  # fmt: skip
    assert again.exit_code == 0, again.output
    with desk.engine.connect() as connection:
        assert len(connection.execute(select(legal_holds.c.id)).all()) == 1


def test_verify_names_every_changed_missing_or_added_file(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    assert desk.cli("evidence", "export", str(desk.reads[0]), "--case", "26-1",
                    "--report", "R-9", "--out", str(out)).exit_code == 0  # fmt: skip
    intact = CliRunner().invoke(cli_app, ["evidence", "verify", str(out)])
    assert intact.exit_code == 0 and "intact: all" in intact.output

    original = zipfile.ZipFile(out)
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(altered, "w") as copy:
        for name in original.namelist():
            data = original.read(name)
            if name == "reads.csv":
                data = data.replace(b"7ABC120", b"7ABC128")
            if name.startswith("originals/") and name.endswith("context.jpg"):
                continue
            copy.writestr(name, data)
        copy.writestr("images/extra.jpg", b"not evidence")
    checked = CliRunner().invoke(cli_app, ["evidence", "verify", str(altered)])
    assert checked.exit_code == 1
    assert "changed: reads.csv" in checked.output
    assert f"missing: originals/{desk.reads[0]}-context.jpg" in checked.output
    assert "added: images/extra.jpg" in checked.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plain text, not a zip", "not a ZIP file"),
        (None, "no manifest.json"),
        (b"{}", "not a Plateward manifest"),
    ],
)
def test_a_zip_that_is_not_ours_is_refused(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "other.zip"
    if content == b"plain text, not a zip":
        path.write_bytes(content)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as other:
            other.writestr("photo.jpg", b"...")
            if content is not None:
                other.writestr("manifest.json", content)
        path.write_bytes(buffer.getvalue())
    checked = CliRunner().invoke(cli_app, ["evidence", "verify", str(path)])
    assert checked.exit_code == 2 and message in checked.output


def test_a_failed_export_leaves_nothing(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    attempts = [
        (["--case", "26-1", "--report", " "], "report number is required"),
        (["--case", "n/a", "--report", "R-1"], "placeholder"),
        (["--report", "R-1", "--reason", "suspect vehicle in robbery"], "Missing option"),
    ]
    for options, message in attempts:
        done = desk.cli("evidence", "export", str(desk.reads[0]), *options, "--out", str(out))
        assert done.exit_code != 0 and message in done.output, done.output
    unknown = desk.cli("evidence", "export", str(desk.reads[0]), str(uuid.uuid4()), "--case",
                       "26-1", "--report", "R-1", "--out", str(out))  # fmt: skip
    assert unknown.exit_code == 1 and "not found" in unknown.output
    assert not out.exists() and list(tmp_path.glob(".evidence-*")) == []
    with desk.engine.connect() as connection:
        assert connection.execute(select(legal_holds.c.id)).all() == []
        actions = set(connection.execute(select(access_log.c.action)).scalars())
    assert "evidence.export" not in actions and "hold.place" not in actions
