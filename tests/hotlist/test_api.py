"""Hot lists over HTTP: lists, entries, imports with their reports, who may do what, the log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database


def api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def make_list(client: httpx.Client, name: str = "BOLO", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/hotlists", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def log_actions(settings: Settings) -> list[dict[str, Any]]:
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(access_log))]
    engine.dispose()
    return rows


def test_an_investigator_makes_a_list_adds_an_entry_and_a_deputy_sees_it(
    server: str, crew: dict[str, str], settings: Settings
) -> None:
    with api(server, crew["investigator"]) as investigator:
        made = make_list(investigator, description="Robbery series, December")
        assert made["agency"] == "CCSO" and made["active_entries"] == 0
        entry = investigator.post(
            "/api/v1/hotlists/BOLO/entries",
            json={"plate": "7abc123", "state": "ca", "reason": "felony_vehicle",
                  "case_number": "26-004211", "vehicle_make": "HOND", "vehicle_color": "BLU"},
        )  # fmt: skip
        assert entry.status_code == 201, entry.text
        body = entry.json()
        assert (body["plate"], body["state"], body["priority"]) == ("7ABC123", "CA", 1)
        expires = dt.datetime.fromisoformat(body["expires_at"])
        assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
        again = investigator.post("/api/v1/hotlists/BOLO/entries",
                                  json={"plate": "7ABC123", "state": "CA",
                                        "reason": "felony_vehicle"})  # fmt: skip
        assert again.status_code == 409 and "already on 'BOLO'" in again.json()["detail"]
    with api(server, crew["deputy"]) as deputy:
        lists = deputy.get("/api/v1/hotlists").json()["lists"]
        assert [(h["name"], h["active_entries"]) for h in lists] == [("BOLO", 1)]
        page = deputy.get("/api/v1/hotlists/BOLO").json()
        assert [e["plate"] for e in page["entries"]] == ["7ABC123"]
        refused = deputy.post("/api/v1/hotlists/BOLO/entries",
                              json={"plate": "1AAA111", "reason": "bolo"})  # fmt: skip
        assert refused.status_code == 403
    actions = [r["action"] for r in log_actions(settings)]
    assert actions.count("hotlist.create") == 1
    assert actions.count("hotlist.entry.add") == 1
    assert actions.count("hotlist.view") == 1


def test_another_agency_neither_sees_nor_changes_a_list(server: str, crew: dict[str, str]) -> None:
    with api(server, crew["investigator"]) as investigator:
        make_list(investigator)
    with api(server, crew["outsider"]) as outsider:
        assert outsider.get("/api/v1/hotlists").json()["lists"] == []
        assert outsider.get("/api/v1/hotlists/BOLO").status_code == 404
        added = outsider.post("/api/v1/hotlists/BOLO/entries",
                              json={"plate": "7ABC123", "reason": "bolo"})  # fmt: skip
        assert added.status_code == 404


def test_a_shared_list_is_seen_by_every_agency_and_changed_by_its_own(
    server: str, crew: dict[str, str]
) -> None:
    with api(server, crew["admin"]) as admin:
        make_list(admin, "NCIC", source="ncic_extract", all_agencies=True)
    with api(server, crew["outsider"]) as outsider:
        assert [h["name"] for h in outsider.get("/api/v1/hotlists").json()["lists"]] == ["NCIC"]
        changed = outsider.patch("/api/v1/hotlists/NCIC", json={"tolerant": True})
        assert changed.status_code == 403 and "belongs to CCSO" in changed.json()["detail"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"plate": "7ABC123", "reason": "immigration"}, "Input should be"),
        ({"plate": "*", "reason": "bolo"}, "at least one known"),
        ({"plate": "7?*", "reason": "bolo"}, "needs at least 3"),
        ({"plate": "7ABC123", "reason": "bolo", "expires_at": "2020-01-01T00:00:00Z"},
         "already expired"),
    ],
)  # fmt: skip
def test_entries_that_cannot_be_accepted_are_refused_clearly(
    server: str, crew: dict[str, str], entry: dict[str, Any], problem: str
) -> None:
    with api(server, crew["investigator"]) as investigator:
        make_list(investigator)
        refused = investigator.post("/api/v1/hotlists/BOLO/entries", json=entry)
        assert refused.status_code == 422
        assert problem in refused.text
        assert investigator.get("/api/v1/hotlists/BOLO").json()["total"] == 0


NCIC_FILE = (
    "LIC,LIS,MKE,OCA,ORI,VMA,VCO\r\n"
    "7ABC123,CA,STOLEN VEHICLE,26-000101,CA0340000,TOYT,BLK\r\n"
    "8XYZ999,NV,FELONY VEHICLE,26-000102,NV0020000,FORD,WHI\r\n"
    "5DEF456,CA,IMMIGRATION VIOLATOR,,,,\r\n"
    "BAD#PLATE,CA,STOLEN VEHICLE,,,,\r\n"
    "7ABC123,CA,STOLEN VEHICLE,26-000101,CA0340000,TOYT,BLK\r\n"
)


def test_import_reports_every_line_and_replace_removes_what_is_gone(
    server: str, crew: dict[str, str], settings: Settings
) -> None:
    with api(server, crew["admin"]) as admin:
        make_list(admin, "NCIC", source="ncic_extract")
        first = admin.post("/api/v1/hotlists/NCIC/import", params={"file_name": "ncic.csv"},
                           content=NCIC_FILE.encode("latin-1"))  # fmt: skip
        assert first.status_code == 200, first.text
        report = first.json()
        assert report["applied"] and (report["added"], report["rejected"]) == (2, 3)
        assert report["immigration_refused"] == 1
        rejected = report["rejected_lines"]
        assert [r["line"] for r in rejected] == [4, 5, 6]
        assert rejected[0]["problem"].startswith("immigration enforcement is not a permitted")
        assert rejected[1]["problem"].startswith("plate 'BAD#PLATE' holds #")
        assert rejected[2]["problem"] == "duplicate of line 2 (same plate, state and reason)"
        second_file = "LIC,LIS,MKE,OCA,VCO\n7ABC123,CA,STOLEN VEHICLE,26-000101,RED\n"
        second = admin.post("/api/v1/hotlists/NCIC/import", params={"replace": "true"},
                            content=second_file.encode()).json()  # fmt: skip
        assert (second["added"], second["changed"], second["removed"]) == (0, 1, 1)
        entries = admin.get("/api/v1/hotlists/NCIC").json()["entries"]
        assert [(e["plate"], e["vehicle_color"]) for e in entries] == [("7ABC123", "RED")]
        history = admin.get("/api/v1/hotlists/NCIC/imports").json()["imports"]
        assert [h["mode"] for h in history] == ["replace", "merge"]


def test_a_damaged_replacement_is_refused_and_the_list_kept(
    server: str, crew: dict[str, str]
) -> None:
    with api(server, crew["admin"]) as admin:
        make_list(admin, "NCIC", source="ncic_extract")
        admin.post("/api/v1/hotlists/NCIC/import", content=NCIC_FILE.encode())
        damaged = "LIC,LIS,MKE\n" + "".join(f"BAD#{i},CA,STOLEN VEHICLE\n" for i in range(10))
        damaged += "9QQQ999,CA,STOLEN VEHICLE\n"
        report = admin.post("/api/v1/hotlists/NCIC/import", params={"replace": "true"},
                            content=damaged.encode()).json()  # fmt: skip
        assert not report["applied"] and "was not changed" in report["message"]
        plates = [e["plate"] for e in admin.get("/api/v1/hotlists/NCIC").json()["entries"]]
        assert sorted(plates) == ["7ABC123", "8XYZ999"]
        not_a_list = admin.post("/api/v1/hotlists/NCIC/import", content=b"name,age\nbob,4\n")
        assert not_a_list.status_code == 422 and "not a hot list" in not_a_list.json()["detail"]
        empty = admin.post("/api/v1/hotlists/NCIC/import", content=b"")
        assert empty.status_code == 422


def test_expire_ends_entries_now(server: str, crew: dict[str, str]) -> None:
    with api(server, crew["investigator"]) as investigator:
        make_list(investigator)
        for plate in ("7ABC123", "8XYZ999"):
            investigator.post("/api/v1/hotlists/BOLO/entries",
                              json={"plate": plate, "reason": "bolo"})  # fmt: skip
        ended = investigator.post("/api/v1/hotlists/BOLO/expire",
                                  json={"plates": ["7abc123"], "note": "vehicle recovered"})  # fmt: skip
        assert ended.json() == {"expired": 1}
        active = investigator.get("/api/v1/hotlists/BOLO").json()["entries"]
        assert [e["plate"] for e in active] == ["8XYZ999"]
        both = investigator.get("/api/v1/hotlists/BOLO", params={"include_ended": "true"})
        assert both.json()["total"] == 2
        none = investigator.post("/api/v1/hotlists/BOLO/expire", json={"plates": ["0NONE00"]})
        assert none.status_code == 404


def test_untrained_people_are_turned_away(server: str, crew: dict[str, str]) -> None:
    with api(server, crew["untrained"]) as untrained:
        refused = untrained.get("/api/v1/hotlists")
        assert refused.status_code == 403 and "training required" in refused.json()["detail"]


def test_edge_sync_pages_changes_by_revision(
    server: str, crew: dict[str, str], train: Callable[..., None]
) -> None:
    with api(server, crew["admin"]) as admin:
        make_list(admin, "BOLO")
        make_list(admin, "Office only", edge_sync=False)
        for plate in ("1AAA111", "2BBB222", "3CCC333"):
            admin.post("/api/v1/hotlists/BOLO/entries", json={"plate": plate, "reason": "bolo"})
        admin.post("/api/v1/hotlists/Office only/entries",
                   json={"plate": "9ZZZ999", "reason": "bolo"})  # fmt: skip
    camera = {"Authorization": f"Bearer {crew['camera_key']}"}
    first = httpx.get(f"{server}/api/v1/edge/hotlists", params={"limit": 2}, headers=camera).json()
    assert [e["plate"] for e in first["entries"]] == ["1AAA111", "2BBB222"]
    assert not first["complete"] and [h["name"] for h in first["lists"]] == ["BOLO"]
    rest = httpx.get(f"{server}/api/v1/edge/hotlists", headers=camera,
                     params={"after_id": first["next_after_id"], "until": first["revision"]}).json()  # fmt: skip
    assert [e["plate"] for e in rest["entries"]] == ["3CCC333"] and rest["complete"]
    with api(server, crew["admin"]) as admin:
        admin.post("/api/v1/hotlists/BOLO/expire", json={"plates": ["2BBB222"]})
    change = httpx.get(f"{server}/api/v1/edge/hotlists", headers=camera,
                       params={"since": first["revision"]}).json()  # fmt: skip
    assert [(e["plate"], e["expires_at"] is not None) for e in change["entries"]] == [
        ("2BBB222", True)
    ]
    other = {"Authorization": f"Bearer {crew['other_camera_key']}"}
    assert httpx.get(f"{server}/api/v1/edge/hotlists", headers=other).json()["entries"] == []
    assert httpx.get(f"{server}/api/v1/edge/hotlists").status_code == 401
