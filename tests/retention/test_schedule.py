"""The server's own retention runs: due one interval after the last run (by anyone), or after
the server started on a database that never had one; run as ``system:retention``."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plateward.audit.schema import access_log
from plateward.errors import Conflict
from plateward.retention.records import list_runs
from plateward.retention.run import Runner, one_run_at_a_time, run_retention
from plateward.retention.schedule import RetentionSchedule
from plateward.settings import load_settings
from plateward.web.app import create_app

HOUR = dt.timedelta(hours=1)


def test_a_run_is_due_an_interval_after_the_last_by_anyone(lab: Any) -> None:
    old, young = lab.add(200), lab.add(5)
    schedule = RetentionSchedule(lab.engine, lab.store, lab.settings.retention)
    # Never run: the first is due one interval after the server started, not at once.
    assert schedule.run_once(lab.now) is None and lab.read_ids() == {old, young}
    # A run by hand 25 hours ago: the schedule's turn has come.
    by_hand = Runner("admin", "CCSO", "command", "cli")
    run_retention(lab.engine, lab.store, lab.settings.retention, by_hand, now=lab.now - 25 * HOUR)
    assert lab.read_ids() == {young}  # 200 days old then too
    newer = lab.add(40)
    with one_run_at_a_time(lab.engine), pytest.raises(Conflict):
        schedule.run_once(lab.now)  # another process's run holds the lock
    done = schedule.run_once(lab.now)
    assert done is not None and (done.ran_by, done.trigger) == ("system:retention", "schedule")
    assert done.status == "finished" and done.total("reads").removed == 1
    assert lab.read_ids() == {young} and newer not in lab.read_ids()
    # It ran just now: the next is a day away (retention.run_every_hours = 24).
    assert schedule.run_once(lab.now + 23 * HOUR) is None
    assert schedule.due_in_s(lab.now) == pytest.approx(24 * 3600)
    with lab.engine.connect() as connection:
        logged = connection.execute(
            select(access_log.c.username, access_log.c.outcome).where(
                access_log.c.action == "retention.run"
            )
        ).all()
    assert [tuple(row) for row in logged] == [
        ("admin", "finished"),
        ("system:retention", "finished"),
    ]


def test_the_server_runs_it_on_its_own(lab: Any) -> None:
    """Through the server's lifespan, with the real clock and an interval of 0.4 s."""
    now = dt.datetime.now(dt.UTC)
    days_before_lab_now = (lab.now - now) / dt.timedelta(days=1)
    old = lab.add(days_before_lab_now + 200)
    young = lab.add(days_before_lab_now + 1)
    fast = {**lab.settings.retention.model_dump(), "run_every_hours": 0.4 / 3600}
    settings = load_settings(db=lab.settings.database_url(), data_dir=lab.settings.data_dir,
                             retention=fast)  # fmt: skip
    app = create_app(settings)
    with TestClient(app):
        deadline = time.monotonic() + 30
        while True:
            with lab.engine.connect() as connection:
                runs = list_runs(connection)
            if runs and runs[0].status != "running":
                break
            assert time.monotonic() < deadline, "the server ran no retention"
            time.sleep(0.2)
    app.state.plateward.db.dispose()
    assert (runs[-1].ran_by, runs[-1].status) == ("system:retention", "finished")
    assert old not in lab.read_ids() and young in lab.read_ids()


def test_no_schedule_when_the_interval_is_zero(lab: Any) -> None:
    periods = lab.settings.retention.model_copy(update={"run_every_hours": 0})
    schedule = RetentionSchedule(lab.engine, lab.store, periods)
    schedule.start()
    assert "retention" not in {thread.name for thread in threading.enumerate()}
    schedule.stop()
