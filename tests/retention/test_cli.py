"""The console's retention and hold commands, as an administrator would type them, on both
databases: a plate hold, a dry run, a run, the destruction records, a release and the next run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from plateward.audit.schema import access_log
from plateward.cli import app as cli_app

DAY = dt.timedelta(days=1)


def console(lab: Any, *args: str, token: str | None = None, signed: bool = True) -> Any:
    who = ["--db", lab.settings.database_url(), "--token", token or lab.token] if signed else []
    env = {"PLATEWARD_DATA_DIR": str(lab.settings.data_dir)}
    for name, value in lab.settings.retention.model_dump().items():
        env[f"PLATEWARD_RETENTION__{name.upper()}"] = str(value)
    return CliRunner().invoke(
        cli_app, [*args, *who],
        env=env,
    )  # fmt: skip


def test_hold_dry_run_run_records_and_release_from_the_console(lab: Any) -> None:
    held, old, young = lab.add(60, plate="7ABC123"), lab.add(60), lab.add(5)
    now = lab.now.isoformat()
    window = ["--from", (lab.now - DAY * 70).isoformat(), "--to", (lab.now - DAY * 50).isoformat()]
    placed = console(lab, "hold", "plate", "7ABC123", "--case", "26-004211", *window)
    assert placed.exit_code == 0, placed.output
    assert "hold 1: plate 7ABC123 held for case 26-004211" in placed.output
    again = console(lab, "hold", "plate", "7ABC123", "--case", "26-004211", *window)
    assert again.exit_code != 0 and "overlap" in again.output
    listed = console(lab, "hold", "list")
    assert "hold 1" in listed.output and "case 26-004211" in listed.output

    dry = console(lab, "retention", "run", "--dry-run", "--as-of", now, "--json")
    assert dry.exit_code == 0, dry.output
    would = {d["class"]: d["removed"] for d in json.loads(dry.output)["destroyed"]}
    assert would["reads"] == 1 and lab.read_ids() == {held, old, young}  # nothing went

    ahead = console(lab, "retention", "run", "--as-of", (lab.now + DAY * 400).isoformat())
    assert ahead.exit_code != 0 and "time still to come" in ahead.output
    assert lab.read_ids() == {held, old, young}

    done = console(lab, "retention", "run", "--as-of", now)
    assert done.exit_code == 0, done.output
    assert "run 1: finished" in done.output
    assert "Reads without a hot list hit: 1" in done.output
    assert lab.read_ids() == {held, young}

    records = console(lab, "retention", "runs", "--json")
    run = json.loads(records.output.splitlines()[0])
    assert (run["id"], run["ran_by"], run["trigger"], run["status"]) == (
        1, "admin", "command", "finished",
    )  # fmt: skip

    released = console(lab, "hold", "release", "1", "--reason", "case closed")
    assert released.exit_code == 0 and "hold 1: released" in released.output
    assert console(lab, "retention", "run", "--as-of", now).exit_code == 0
    assert lab.read_ids() == {young}

    periods = console(lab, "retention", "periods", signed=False)
    assert "Reads without a hot list hit: 30 days" in periods.output
    with lab.engine.connect() as connection:
        logged = list(connection.execute(
            select(access_log.c.action).where(access_log.c.username == "admin")
            .order_by(access_log.c.id)).scalars())  # fmt: skip
    assert logged == ["hold.place", "retention.dry_run", "retention.run", "hold.release",
                      "retention.run"]  # fmt: skip


def test_a_wrong_token_runs_nothing(lab: Any) -> None:
    old = lab.add(60)
    refused = console(lab, "retention", "run", token="not-a-token")
    assert refused.exit_code != 0 and "token not recognised" in refused.output
    assert old in lab.read_ids()
