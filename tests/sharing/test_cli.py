"""The console's sharing commands on both databases: a request, the rules' refusals named, the
owner's decision, the list, a recheck after the rules change, and revocation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from typer.testing import CliRunner

from plateward.cli import app as cli_app
from plateward.settings import Settings

PURPOSE = "burglary series on the county line (case 26-004211)"
FAR = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)).isoformat()


def console(settings: Settings, world: Any, who: str, *args: str, **env: str) -> Any:
    return CliRunner().invoke(
        cli_app, [*args, "--db", settings.database_url(), "--token", world.tokens[who]],
        env={"PLATEWARD_DATA_DIR": str(settings.data_dir), **env},
    )  # fmt: skip


def request(settings: Settings, world: Any, who: str, purpose: str = PURPOSE) -> Any:
    return console(settings, world, who, "sharing", "request", "--owner", "CCSO", "--purpose",
                   purpose, "--kind", "exact", "--kind", "grid", "--until", FAR)  # fmt: skip


def test_request_decide_list_recheck_and_revoke_from_the_console(
    settings: Settings, world: Any
) -> None:
    asked = request(settings, world, "cpd_admin")
    assert asked.exit_code == 0, asked.output
    assert "sharing agreement 1 requested from CCSO" in asked.output
    for who, purpose, rule in [
        ("nvpd_admin", PURPOSE, "out_of_state"),
        ("fbi_admin", PURPOSE, "federal_agency"),
        ("priv_admin", PURPOSE, "private_entity"),
        ("capub_admin", "locate people for immigration enforcement", "immigration_enforcement"),
    ]:
        refused = request(settings, world, who, purpose)
        assert refused.exit_code != 0 and f"sharing refused ({rule})" in refused.output, who
    no_purpose = request(settings, world, "capub_admin", " ")
    assert no_purpose.exit_code != 0 and "purpose" in no_purpose.output

    own = console(settings, world, "cpd_admin", "sharing", "approve", "1")
    assert own.exit_code != 0  # the receiver cannot approve its own request
    approved = console(settings, world, "ccso_admin", "sharing", "approve", "1", "--note", "ok")
    assert approved.exit_code == 0 and "sharing agreement 1: approved" in approved.output
    listed = console(settings, world, "cpd_admin", "sharing", "list", "--json")
    shown = json.loads(listed.output.splitlines()[0])
    assert (shown["owner"], shown["receiver"], shown["standing"]) == ("CCSO", "CPD", "approved")
    assert shown["search_kinds"] == ["exact", "grid"] and shown["cameras"] == "all"

    # Another agency's request, denied; and the deployment's home state changes: recheck ends
    # the agreement that now crosses a state line.
    assert request(settings, world, "capub_admin").exit_code == 0
    denied = console(settings, world, "ccso_admin", "sharing", "deny", "2", "--note", "no")
    assert "sharing agreement 2: denied" in denied.output
    rechecked = console(settings, world, "ccso_admin", "sharing", "recheck",
                        PLATEWARD_SHARING__HOME_STATE="NV")  # fmt: skip
    assert rechecked.exit_code == 0, rechecked.output
    assert "sharing agreement 1: ended (out_of_state)" in rechecked.output

    assert request(settings, world, "cpd_admin").exit_code == 0
    assert console(settings, world, "ccso_admin", "sharing", "approve", "3").exit_code == 0
    revoked = console(settings, world, "cpd_admin", "sharing", "revoke", "3", "--reason", "done")
    assert revoked.exit_code == 0 and "sharing agreement 3: revoked" in revoked.output
    shown_all = [json.loads(line) for line in console(
        settings, world, "ccso_admin", "sharing", "list", "--json").output.splitlines()]  # fmt: skip
    assert [a["standing"] for a in shown_all] == ["revoked", "denied", "revoked"]  # newest first
    assert (shown_all[0]["revoked_by"], shown_all[0]["revoke_reason"]) == ("cpd_admin", "done")
    assert shown_all[2]["revoke_reason"].startswith("out_of_state:")  # ended by the recheck
