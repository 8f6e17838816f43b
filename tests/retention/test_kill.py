"""A retention run killed halfway (SIGKILL, a real process) leaves nothing half-done.

After each kill: no read names a missing image row or file, every image file and row is named
by a read or queued for the next run, and every plate still read is still indexed. The next
run then finishes the job: exactly the expired reads gone, no stray file, row or plate, and the
killed runs recorded as interrupted with what they did.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from plateward.retention.records import list_runs
from plateward.retention.run import Runner, run_retention
from plateward.retention.schema import (
    destruction_records,
    retention_image_candidates,
    retention_image_files,
    retention_plate_candidates,
    retention_runs,
)
from plateward.store.schema import images


def queued(lab: Any) -> tuple[set[str], set[str], set[str]]:
    with lab.engine.connect() as connection:
        return (
            set(connection.execute(select(retention_image_candidates.c.sha256)).scalars()),
            set(connection.execute(select(retention_image_files.c.sha256)).scalars()),
            set(connection.execute(select(retention_plate_candidates.c.plate)).scalars()),
        )


def assert_whole(lab: Any) -> None:
    """Nothing half-done: every image a read names is there; every other one is queued."""
    named = lab.named_digests()
    rows, files = lab.image_rows(), lab.files()
    candidates, to_remove, plates = queued(lab)
    assert named <= rows, "a read names an image row that is gone"
    assert named <= files, "a read names an image file that is gone"
    assert rows - named <= candidates, "an image row nothing names, and not queued"
    assert files - named <= candidates | to_remove, "an image file nothing names, not queued"
    assert lab.read_plates() <= lab.plates(), "a plate still read was dropped from the index"
    assert lab.plates() - lab.read_plates() <= plates, "a plate with no reads, not queued"


def progress(lab: Any) -> tuple[int, int]:
    """The running run's (rows removed, files removed) so far, as its record says."""
    with lab.engine.connect() as connection:
        row = connection.execute(
            select(func.sum(destruction_records.c.removed),
                   func.sum(destruction_records.c.files_removed))
            .join(retention_runs, retention_runs.c.id == destruction_records.c.run_id)
            .where(retention_runs.c.status == "running")
        ).one()  # fmt: skip
    return int(row[0] or 0), int(row[1] or 0)


def start_run(lab: Any, database_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PLATEWARD_DB": database_url,
        "PLATEWARD_DATA_DIR": str(lab.settings.data_dir),
        "PLATEWARD_RETENTION__BATCH_ROWS": "10",
        "PLATEWARD_RETENTION__BATCH_PAUSE_S": "0.03",
        "PLATEWARD_TOKEN": lab.token,
    }
    for name, value in lab.settings.retention.model_dump().items():
        if name.endswith("_days"):
            env[f"PLATEWARD_RETENTION__{name.upper()}"] = str(value)
    command = [sys.executable, "-m", "plateward", "retention", "run", "--as-of",
               lab.now.isoformat()]  # fmt: skip
    return subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip


def kill_when(lab: Any, process: subprocess.Popen[str], ready: Callable[[int, int], bool]) -> None:
    deadline = time.monotonic() + 120
    while not ready(*progress(lab)):
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {process.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the run made no progress")
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def test_a_run_killed_twice_is_finished_by_the_next(lab: Any, database_url: str) -> None:
    young = {lab.add(age) for age in (1, 5, 12)}
    young.add(lab.add(40, hit=True))  # a hit still within its period, in the oldest month
    expired = set()
    for k in range(160):
        frame = lab.frame(f"f{k // 3}")  # three reads to a frame: a shared context image
        expired.add(lab.add(31 + (k % 25) + k / 1000, context=frame))
    young.add(lab.add(2, context=lab.frame("f0")))  # one of those frames is also young
    assert lab.read_ids() == young | expired

    first = start_run(lab, database_url)
    kill_when(lab, first, lambda removed, _files: removed >= 40)
    assert_whole(lab)
    assert young <= lab.read_ids()

    second = start_run(lab, database_url)
    kill_when(lab, second, lambda _removed, files: files > 0)
    assert_whole(lab)

    done = run_retention(lab.engine, lab.store, lab.settings.retention,
                         Runner("admin", "CCSO", "command"), now=lab.now)  # fmt: skip
    assert done.status == "finished"
    assert lab.read_ids() == young
    named = lab.named_digests()
    assert lab.image_rows() == named and lab.files() == named
    assert lab.plates() == lab.read_plates()
    assert queued(lab) == (set(), set(), set())
    with lab.engine.connect() as connection:
        runs = list_runs(connection)
        assert connection.execute(select(func.count()).select_from(images)).scalar_one() == len(
            named
        )
    assert [r.status for r in runs] == ["finished", "interrupted", "interrupted"]
    removed = sum(r.total("reads").removed + r.total("hit_reads").removed for r in runs)
    assert removed == len(expired)
