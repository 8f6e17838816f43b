"""A retention run on both databases: exactly what is past its period and not held goes.

Reads of every age, with and without hits, with images of their own and images shared with
other reads, under read holds and plate holds; alerts and closed audits; then one run, and a
look at everything left: reads, image rows, image files, plates, and the destruction record.
Periods (conftest): reads 30 days, hit reads 90, images 20, alerts 120, closed audits 365.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import insert, select

from plateward.alert.schema import alerts
from plateward.audit.log import Entry, append
from plateward.audit.review_schema import audits
from plateward.audit.schema import access_log
from plateward.errors import Conflict, InvalidInput, NotFound
from plateward.retention.holds import hold_plate, hold_reads, release_hold
from plateward.retention.periods import Cutoffs
from plateward.retention.preview import preview
from plateward.retention.run import Runner, run_retention

RUNNER = Runner("admin", "CCSO", "command", "cli")
DAY = dt.timedelta(days=1)


def run(lab: Any, now: dt.datetime | None = None, **kwargs: Any) -> Any:
    return run_retention(lab.engine, lab.store, lab.settings.retention, RUNNER,
                         now=now or lab.now, **kwargs)  # fmt: skip


def closed_audit(lab: Any, closed_days_ago: float | None) -> int:
    now = lab.now
    with lab.engine.begin() as connection:
        entry = append(connection, Entry("auditor", "CCSO", "search.plate", {"plate": "X"}))
        return int(connection.execute(insert(audits).values(
            period="2025H1", sample_size=1, seed=1, population=1, through_entry_id=entry,
            created_by="auditor", created_at=now - DAY * 900,
            closed_by=None if closed_days_ago is None else "auditor",
            closed_at=None if closed_days_ago is None else now - DAY * closed_days_ago,
        ).returning(audits.c.id)).scalar_one())  # fmt: skip


def counts(found: Any) -> dict[str, int]:
    return {d.data_class: d.removed for d in found}


def test_exactly_what_is_past_its_period_and_not_held_goes(lab: Any) -> None:
    ages = [1, 10, 19, 21, 29, 31, 45, 60, 89, 91, 120, 200, 400]
    plain = {age: lab.add(age) for age in ages}
    hits = {age: lab.add(age, hit=True) for age in (10, 50, 95, 130)}
    # One frame's context image named by a young read and an old one: it stays with the young
    # one. Another named by two old reads: it goes with them.
    young_sharer = lab.add(2, context=lab.frame("young"))
    lab.add(70, context=lab.frame("young"))
    lab.add(80, context=lab.frame("old"))
    lab.add(81, context=lab.frame("old"))
    held_read = lab.add(150)
    plate_held = [lab.add(age, plate="HELD123") for age in (100, 110)]
    plate_not_held = lab.add(130, plate="HELD123")  # outside the hold's window
    other_agency_read = lab.add(105, plate="HELD123", camera_id=lab.second_camera())
    with lab.engine.begin() as connection:
        hold_reads(connection, lab.admin, [held_read], case_number="26-000111", now=lab.now)
        hold_plate(connection, lab.admin, "HELD123", captured_from=lab.now - DAY * 115,
                   captured_until=lab.now - DAY * 95, case_number="26-000222",
                   now=lab.now)  # fmt: skip
    old_audit, young_audit, open_audit = (
        closed_audit(lab, 400),
        closed_audit(lab, 100),
        closed_audit(lab, None),
    )

    expected_left = (
        {plain[a] for a in ages if a < 30}
        | {hits[a] for a in (10, 50)}
        | {young_sharer, held_read, *plate_held}
    )
    expected_gone = lab.read_ids() - expected_left
    with lab.engine.connect() as connection:
        dry = counts(preview(connection, Cutoffs.of(lab.settings.retention, lab.now)))
    assert lab.read_ids() == expected_left | expected_gone  # a dry run changes nothing

    done = run(lab)
    assert done.status == "finished"
    assert lab.read_ids() == expected_left
    assert other_agency_read not in lab.read_ids() and plate_not_held not in lab.read_ids()

    # Images: past 20 days they go, the read staying; held reads keep theirs; a file two reads
    # share stays while either is left; rows and files are exactly those still named.
    for age in (1, 10, 19):
        assert all(lab.images_of(plain[age]))
    for read in (plain[21], plain[29], hits[50]):
        assert lab.images_of(read) == (None, None)
    assert all(lab.images_of(held_read)) and all(lab.images_of(plate_held[0]))
    assert lab.images_of(young_sharer)[1] is not None
    named = lab.named_digests()
    assert lab.image_rows() == named
    assert lab.files() == named
    assert lab.plates() == lab.read_plates()

    # Alerts past 120 days go (the hit read of 130 days with its alert); held reads' stay.
    with lab.engine.connect() as connection:
        alert_reads = set(connection.execute(select(alerts.c.read_id)).scalars())
        left_audits = set(connection.execute(select(audits.c.id)).scalars())
        logged = connection.execute(
            select(access_log).where(access_log.c.action == "retention.run")
        ).one()
    assert alert_reads == {hits[10], hits[50], hits[95]}
    assert left_audits == {young_audit, open_audit}
    assert old_audit not in left_audits

    # The destruction record says it all, and a dry run had said the same beforehand.
    record = {d.data_class: d for d in done.destroyed}
    gone_plain = [a for a in ages if a >= 30]
    assert record["reads"].removed == len(expected_gone) - 2  # the two hit reads are apart
    assert record["hit_reads"].removed == 2
    assert record["reads"].oldest_at == lab.now - DAY * 400
    assert record["reads"].newest_at == lab.now - DAY * min(gone_plain)
    assert record["hit_reads"].oldest_at == lab.now - DAY * 130
    assert record["alerts"].removed == 1 and record["audit_records"].removed == 1
    assert record["images"].removed == 3 and record["images"].files_removed > 0
    assert dry["reads"] == record["reads"].removed
    assert dry["hit_reads"] == record["hit_reads"].removed
    assert dry["images"] == record["images"].removed
    assert dry["alerts"] == 1 and dry["audit_records"] == 1
    assert (logged.username, logged.outcome, logged.query["run"]) == ("admin", "finished", done.id)
    assert logged.query["destroyed"]["reads"]["removed"] == record["reads"].removed
    if lab.engine.dialect.name == "postgresql":
        # Six months hold expired reads; each is emptied, its held reads and young hits kept.
        assert record["reads"].partitions_emptied == 6

    # Run again: nothing more. Release the read hold: its read goes on the next run.
    again = run(lab)
    assert sum(d.removed for d in again.destroyed) == 0 and lab.read_ids() == expected_left
    with lab.engine.begin() as connection:
        release_hold(connection, lab.admin, 1, reason="case closed", now=lab.now)
    run(lab)
    assert held_read not in lab.read_ids()
    assert lab.files() == lab.named_digests() == lab.image_rows()


def test_as_of_a_past_time_removes_less_and_a_future_run_is_refused(lab: Any) -> None:
    for age in (10, 40, 70):
        lab.add(age)
    with lab.engine.connect() as connection:
        today = counts(preview(connection, Cutoffs.of(lab.settings.retention, lab.now)))
        earlier = counts(preview(connection, Cutoffs.of(lab.settings.retention,
                                                        lab.now - DAY * 35)))  # fmt: skip
        later = counts(preview(connection, Cutoffs.of(lab.settings.retention,
                                                      lab.now + DAY * 25)))  # fmt: skip
    assert (earlier["reads"], today["reads"], later["reads"]) == (1, 2, 3)
    with pytest.raises(InvalidInput, match="time still to come"):
        run(lab, as_of=lab.now + DAY)
    done = run(lab, as_of=lab.now - DAY * 35)
    assert done.total("reads").removed == 1 and len(lab.read_ids()) == 2


def test_holds_refuse_bad_input(lab: Any) -> None:
    read = lab.add(5, plate="7ABC123")
    with lab.engine.begin() as connection:
        hold_plate(connection, lab.admin, "7ABC123", captured_from=lab.now - DAY * 10,
                   captured_until=lab.now, case_number="26-1", now=lab.now)  # fmt: skip
        hold_reads(connection, lab.admin, [read], case_number="26-1", now=lab.now)
    cases: list[tuple[Any, type[Exception], str]] = [
        (lambda c: hold_plate(c, lab.admin, "7ABC123", captured_from=lab.now - DAY * 5,
                              captured_until=lab.now + DAY, case_number="26-1", now=lab.now),
         Conflict, "overlap"),
        (lambda c: hold_reads(c, lab.admin, [read], case_number="26-1", now=lab.now),
         Conflict, "already held for case 26-1"),
        (lambda c: hold_reads(c, lab.admin, [read], case_number=" ", now=lab.now),
         InvalidInput, "case number"),
        (lambda c: hold_reads(c, lab.admin, [uuid.uuid4()], case_number="26-2",
                              now=lab.now), NotFound, "not stored"),
        (lambda c: hold_reads(c, lab.admin, [read], case_number="26-2", now=lab.now,
                              expires_at=lab.now - DAY), InvalidInput, "already past"),
        (lambda c: hold_plate(c, lab.admin, "7ABC123", captured_from=lab.now,
                              captured_until=lab.now - DAY, case_number="26-3", now=lab.now),
         InvalidInput, "not before"),
        (lambda c: release_hold(c, lab.admin, 99, reason="x", now=lab.now), NotFound, "no such"),
        (lambda c: release_hold(c, lab.admin, 1, reason="", now=lab.now), InvalidInput, "why"),
    ]  # fmt: skip
    for attempt, error, message in cases:
        with lab.engine.begin() as connection, pytest.raises(error, match=message):
            attempt(connection)
    # Another case may hold the same reads; a hold for the same case over other days may too.
    with lab.engine.begin() as connection:
        hold_reads(connection, lab.admin, [read], case_number="26-9", now=lab.now)
        hold_plate(connection, lab.admin, "7ABC123", captured_from=lab.now - DAY * 30,
                   captured_until=lab.now - DAY * 10, case_number="26-1", now=lab.now)  # fmt: skip


def test_a_second_run_at_once_is_refused(lab: Any) -> None:
    from plateward.retention.run import one_run_at_a_time

    with one_run_at_a_time(lab.engine), pytest.raises(Conflict, match="already under way"):
        run(lab)


def test_a_hold_keeps_its_reads_until_its_end_date_and_no_longer(lab: Any) -> None:
    by_id, by_plate, free = lab.add(60), lab.add(60, plate="7ABC123"), lab.add(60)
    with lab.engine.begin() as connection:
        hold_reads(connection, lab.admin, [by_id], case_number="26-1", now=lab.now,
                   expires_at=lab.now + DAY * 10)  # fmt: skip
        hold_plate(connection, lab.admin, "7ABC123", captured_from=lab.now - DAY * 70,
                   captured_until=lab.now - DAY * 50, case_number="26-2", now=lab.now,
                   expires_at=lab.now + DAY * 20)  # fmt: skip
    run(lab)
    assert lab.read_ids() == {by_id, by_plate} and free not in lab.read_ids()
    run(lab, now=lab.now + DAY * 11)  # the read hold has ended; the plate hold has not
    assert lab.read_ids() == {by_plate}
    run(lab, now=lab.now + DAY * 21)
    assert lab.read_ids() == set()
    assert lab.files() == lab.image_rows() == set()
