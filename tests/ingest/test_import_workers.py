"""Worker processes read an import's records: what is stored and reported is the same as in one.

Blocks are made small (``batch_reads`` lines) so that every file here is cut into several,
read by two workers, and taken back in file order by the importer.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select

from plateward.alert.schema import alerts
from plateward.audit.actor import Actor
from plateward.errors import InvalidInput
from plateward.hotlist.entries import EntryValues
from plateward.hotlist.lists import ListSettings, add_entry, create_list
from plateward.hotlist.reasons import Reason
from plateward.ingest.formats.records import BadRecord
from plateward.ingest.imports import FORMATS, ImportOptions, ImportReport, import_reads
from plateward.settings import Settings
from plateward.store.images import ImageStore
from plateward.store.schema import cameras, images, reads

Stored = Callable[[Engine], list[dict[str, Any]]]
Load = Callable[[str], Any]
Lines = Callable[..., Path]

AGENT = "Xm2nQ8fLk4pR7sT1vW3y"


def groups(sample: Load, count: int, cameras: tuple[int, ...] = (101, 102)) -> list[Any]:
    """``count`` agent groups a second apart, alternating between ``cameras``."""
    base = sample("openalpr_group.json")
    out = []
    for n in range(count):
        group = copy.deepcopy(base)
        epoch = base["epoch_start"] + 1000 * n
        camera = cameras[n % len(cameras)]
        group.update(
            agent_uid=AGENT, camera_id=camera, epoch_start=epoch, epoch_end=epoch + 900,
            best_uuid=f"{AGENT}-{camera}-{epoch}", best_uuid_epoch_ms=epoch + 500,
            best_plate_number=f"7ABC{n:03d}",
        )  # fmt: skip
        group["best_plate"] = {**group["best_plate"], "plate": f"7ABC{n:03d}"}
        group["uuids"] = [f"{AGENT}-{camera}-{epoch}"]
        out.append(group)
    return out


def camera_map(tmp_path: Path) -> Path:
    path = tmp_path / "cameras.csv"
    path.write_text(f"{AGENT}:101,POLE-1\n{AGENT}:102,POLE-2\n", encoding="utf-8")
    return path


def run(
    engine: Engine, path: Path, workers: int, *, skip_bad: bool = False, **options: Any
) -> tuple[ImportReport, list[str]]:
    """Import ``path`` as OpenALPR records; the report and the skipped records' messages."""
    skipped: list[str] = []
    images = options.pop("images", None)
    report = import_reads(
        engine, FORMATS["openalpr"], path, options=ImportOptions(workers=workers, **options),
        images=images, skip_bad=skip_bad,
        on_skip=lambda exc: skipped.append(exc.message), batch_reads=7,
    )  # fmt: skip
    return report, skipped


def without_received(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "received_at"} for row in rows]


def forget_reads(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(reads))


def test_workers_store_and_report_what_one_process_does(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    values = [
        sample("openalpr_heartbeat.json"),
        *groups(sample, 40),
        {**groups(sample, 1)[0], "is_preview": True},
        *groups(sample, 45)[40:],
    ]
    path = json_lines(tmp_path / "agent.jsonl", values)
    in_workers, _ = run(import_db, path, 2, camera_map=camera_map(tmp_path))
    by_workers = stored(import_db)
    forget_reads(import_db)
    here, _ = run(import_db, path, 1, camera_map=camera_map(tmp_path))

    assert (in_workers.records, in_workers.stored, in_workers.ignored) == (47, 45, 2)
    assert in_workers == here
    assert without_received(by_workers) == without_received(stored(import_db))
    assert in_workers.cameras == {"POLE-1": 23, "POLE-2": 22}
    again, _ = run(import_db, path, 2, camera_map=camera_map(tmp_path))
    assert (again.stored, again.duplicates) == (0, 45)


def test_reads_from_workers_are_matched_against_the_hot_lists(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    """On PostgreSQL the workers screen the reads and send the rest as JSON: what passes the
    screen must still raise every alert (an exact plate, a pattern, an alternative)."""
    with import_db.begin() as connection:
        agency = connection.execute(
            select(cameras.c.agency_id).where(cameras.c.code == "POLE-1")
        ).scalar_one()
        actor = Actor("inv", "CCSO")
        create_list(connection, actor, name="BOLO", source="agency_list", agency_id=agency,
                    settings=ListSettings())  # fmt: skip
        for plate, pattern in (("7ABC005", False), ("7ABC03*", True), ("7XYZ999", False)):
            add_entry(
                connection,
                actor,
                "BOLO",
                EntryValues(plate, pattern, None, Reason.STOLEN_VEHICLE, 1),
            )
    values = groups(sample, 40)
    values[20]["candidates"] = [{"plate": "7XYZ999", "confidence": 80.0}]
    path = json_lines(tmp_path / "agent.jsonl", values)
    report, _ = run(import_db, path, 2, camera_map=camera_map(tmp_path))
    assert (report.stored, report.alerts) == (40, 12)
    with import_db.connect() as connection:
        raised = connection.execute(
            select(alerts.c.plate, alerts.c.matched_text).order_by(alerts.c.plate)
        ).all()
    assert [tuple(r) for r in raised] == [
        ("7ABC005", "7ABC005"),
        ("7ABC020", "7XYZ999"),
        *((f"7ABC03{n}", f"7ABC03{n}") for n in range(10)),
    ]


def test_bad_records_are_skipped_and_reported_in_file_order(
    import_db: Engine, stored: Stored, sample: Load, tmp_path: Path
) -> None:
    lines = [_json(group) for group in groups(sample, 30)]
    lines[3] = b'{"data_type": "alpr_group", "epoch_start": '  # cut off
    lines[11] = _json({**groups(sample, 12)[11], "best_plate_number": None, "best_plate": {}})
    lines[12] = b"\xe9t\xe9"  # not UTF-8 and not JSON
    lines[25] = _json({**groups(sample, 26)[25], "epoch_start": 4102444800000})  # year 2100
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    in_workers, skipped_by_workers = run(
        import_db, path, 2, skip_bad=True, camera_map=camera_map(tmp_path)
    )
    forget_reads(import_db)
    here, skipped_here = run(import_db, path, 1, skip_bad=True, camera_map=camera_map(tmp_path))

    assert (in_workers.records, in_workers.stored, in_workers.skipped) == (30, 26, 4)
    assert in_workers == here
    assert skipped_by_workers == skipped_here
    assert [m.split(": ")[0] for m in skipped_here] == [f"{path} line {n}" for n in (4, 12, 13, 26)]
    forget_reads(import_db)
    for workers in (2, 1):
        with pytest.raises(BadRecord) as refused:
            run(import_db, path, workers, camera_map=camera_map(tmp_path))
        assert refused.value.message.startswith(f"{path} line 4: not valid JSON")
        assert stored(import_db) == []


def test_several_sources_without_a_map_are_refused_as_in_one_process(
    import_db: Engine, stored: Stored, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    # The second camera first appears in a later block than the first.
    path = json_lines(
        tmp_path / "two.jsonl", groups(sample, 20, (101,)) + groups(sample, 30, (102,))[20:]
    )
    messages = []
    for workers in (2, 1):
        with pytest.raises(InvalidInput) as refused:
            run(import_db, path, workers, camera="POLE-1")
        messages.append(refused.value.message)
    assert messages[0] == messages[1]
    assert f"reads of 2 sources ({AGENT}:101" in messages[0]
    assert f"{AGENT}:102" in messages[0]
    assert stored(import_db) == []


def test_a_file_of_another_format_is_named_by_the_workers(
    import_db: Engine, sample: Load, json_lines: Lines, tmp_path: Path
) -> None:
    path = json_lines(tmp_path / "pr.jsonl", [sample("pr_snapshot_webhook.json")] * 20)
    messages = []
    for workers in (2, 1):
        with pytest.raises(InvalidInput) as refused:
            run(import_db, path, workers, camera="POLE-1")
        messages.append(refused.value.message)
    assert messages[0] == messages[1]
    assert "import it with `plateward import platerecognizer`" in messages[0]


def test_images_in_records_are_stored_by_the_importer(
    import_db: Engine,
    stored: Stored,
    sample: Load,
    json_lines: Lines,
    jpeg: Callable[[int], bytes],
    settings: Settings,
    tmp_path: Path,
) -> None:
    values = groups(sample, 20)
    for n, group in enumerate(values):
        if n % 3 == 0:
            group["best_plate"]["plate_crop_jpeg"] = base64.b64encode(jpeg(n)).decode()
    values[9]["best_plate"]["plate_crop_jpeg"] = base64.b64encode(b"not a picture" * 4).decode()
    path = json_lines(tmp_path / "images.jsonl", values)
    store = ImageStore(settings.data_dir / "images")
    for workers in (2, 1):
        forget_reads(import_db)
        report, skipped = run(
            import_db, path, workers, skip_bad=True, camera_map=camera_map(tmp_path),
            images=store,
        )  # fmt: skip
        # The bad image costs its own read only, not the others waiting in its batch.
        assert (report.stored, report.skipped, report.images_stored) == (19, 1, 6)
        assert [m.split(": ")[0] for m in skipped] == [f"{path} line 10"]
        by_plate = {r["plate"]: r for r in stored(import_db)}
        assert store.get(by_plate["7ABC006"]["plate_image"]) == jpeg(6)
        assert by_plate["7ABC007"]["plate_image"] is None
    with import_db.connect() as connection:
        assert connection.execute(select(func.count()).select_from(images)).scalar_one() == 6


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


@pytest.mark.parametrize("shape", ["array", "latin-1 lines"])
def test_files_workers_cannot_cut_are_read_in_one_process(
    import_db: Engine, stored: Stored, sample: Load, tmp_path: Path, shape: str
) -> None:
    """An array has no line to cut at, and a Latin-1 file's lines are not UTF-8: asked for
    workers, the import reads them in one process and stores them whole."""
    values = groups(sample, 20)
    values[4]["web_server_config"] = {"camera_label": "Caf\u00e9 Ave"}
    path = tmp_path / "file.json"
    if shape == "array":
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")
    else:
        path.write_bytes(
            "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values).encode("latin-1")
        )
    report, _ = run(import_db, path, 2, camera_map=camera_map(tmp_path))
    assert (report.records, report.stored) == (20, 20)
    assert report.encoding.startswith("utf-8" if shape == "array" else "cp1252")
    assert len(stored(import_db)) == 20
