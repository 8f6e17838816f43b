"""Agency kinds x requests x searches: each refusal, and no read crossing without an agreement.

Over real HTTP on both databases: who may ask whom for what (every kind of receiving agency,
a proper and an immigration purpose), and then, for every search kind, the read and image
views, an evidence export and hot list alerts, which of another agency's reads a person sees
before, during and after an approved, current agreement: never one outside it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.sharing.schema import sharing_agreements
from plateward.store.database import open_database

PURPOSE = "burglary series on the county line, suspect vehicles (case 26-004211)"
FAR = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)).isoformat()
KINDS = ("exact", "partial", "tolerant", "timeline", "grid", "polygon", "stakeout", "cloned")


def ask(world: Any, receiver: str, **body: Any) -> httpx.Response:
    request = {"owner": "CCSO", "purpose": PURPOSE, "search_kinds": ["exact"], "ends_on": FAR,
               **body}  # fmt: skip
    with world.client(f"{receiver.lower()}_admin") as client:
        answer: httpx.Response = client.post("/api/v1/sharing/agreements", json=request)
    return answer


@pytest.mark.parametrize(
    ("receiver", "purpose", "rule"),
    [
        ("CPD", PURPOSE, None),
        ("CAPUB", PURPOSE, None),
        ("PRIV", PURPOSE, "private_entity"),
        ("NVPD", PURPOSE, "out_of_state"),
        ("FBI", PURPOSE, "federal_agency"),
        ("CPD", "help ICE locate a person for removal proceedings", "immigration_enforcement"),
        ("CAPUB", "immigration status checks at the park", "immigration_enforcement"),
        ("CCSO", PURPOSE, "same_agency"),
    ],
)
def test_requests_by_every_kind_of_agency(
    world: Any, settings: Settings, receiver: str, purpose: str, rule: str | None
) -> None:
    answer = ask(world, receiver, purpose=purpose)
    if rule is None:
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "requested"
        return
    assert answer.status_code == 403, answer.text
    assert f"sharing refused ({rule})" in answer.json()["detail"]
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        assert connection.execute(select(sharing_agreements.c.id)).all() == []
        refused = connection.execute(
            select(access_log).where(access_log.c.action == "sharing.request")
        ).one()
    engine.dispose()
    assert (refused.outcome, refused.agency, refused.query["refused"]) == (
        "refused", receiver, rule,
    )  # fmt: skip


def test_a_request_missing_its_purpose_or_naming_strangers_is_refused(world: Any) -> None:
    assert "purpose is missing" in ask(world, "CPD", purpose="").json()["detail"]
    assert "not registered" in ask(world, "CPD", owner="NOPE").json()["detail"]
    answer = ask(world, "CPD", cameras=["CPD-1"])
    assert answer.status_code == 422 and "not one of CCSO's cameras" in answer.json()["detail"]
    with world.client("cpd_inv") as investigator:  # not an administrator
        denied = investigator.post("/api/v1/sharing/agreements", json={})
    assert denied.status_code == 403


def visible_after(
    world: Any, searches: dict[str, Callable[[httpx.Client], httpx.Response]]
) -> dict[str, set[str]]:
    seen = {}
    with world.client("cpd_inv") as client:
        for kind, search in searches.items():
            answer = search(client)
            assert answer.status_code == 200, (kind, answer.text)
            seen[kind] = found_ids(answer.json())
    return seen


def found_ids(answer: dict[str, Any]) -> set[str]:
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "id" in value and "captured_at" in value:
                out.add(str(value["id"]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answer.get("results", []))
    return out


def test_no_read_crosses_without_an_approved_current_agreement(
    world: Any, settings: Settings,
    searches: dict[str, Callable[[httpx.Client], httpx.Response]],
) -> None:  # fmt: skip
    reads = {name: str(read_id) for name, read_id in world.reads.items()}
    ccso = {reads[n] for n in ("ccso_t0", "ccso_t2h", "ccso_old", "ccso_pole2", "ccso_other")}
    own = {reads["cpd_t30"], reads["cpd_other"]}

    def views(read: str) -> tuple[int, int, int]:
        name = next(n for n, r in reads.items() if r == read)
        with world.client("cpd_inv") as client:
            view = client.get(f"/api/v1/reads/{read}", params={"case_number": "26-004211"})
            image = client.get(f"/api/v1/images/{world.images[name]}",
                               params={"case_number": "26-004211"})  # fmt: skip
            evidence = client.post("/api/v1/evidence", json={
                "case_number": "26-004211", "report_number": "R-77", "read_ids": [read]})  # fmt: skip
        return view.status_code, image.status_code, evidence.status_code

    # Before any agreement: CPD sees its own reads and none of CCSO's, whatever the search.
    before = visible_after(world, searches)
    for kind, seen in before.items():
        assert not seen & ccso, kind
    assert own & before["exact"] and own & before["grid"]
    assert views(reads["ccso_t0"]) == (404, 404, 404)
    assert views(reads["cpd_t30"])[:2] == (200, 200)

    # Requested only: still nothing.
    window = {"reads_from": (world_t0() - dt.timedelta(days=1)).isoformat(),
              "reads_until": (world_t0() + dt.timedelta(days=1)).isoformat()}  # fmt: skip
    asked = ask(world, "CPD", search_kinds=["exact", "grid", "stakeout"], cameras=["POLE-1"],
                **window)  # fmt: skip
    assert asked.status_code == 201, asked.text
    agreement = asked.json()["id"]
    assert all(not seen & ccso for seen in visible_after(world, searches).values())
    with world.client("cpd_admin") as cpd_admin:  # the receiver cannot approve its own request
        assert cpd_admin.post(f"/api/v1/sharing/agreements/{agreement}/approve",
                              json={}).status_code == 403  # fmt: skip
    with world.client("ccso_admin") as ccso_admin:
        approved = ccso_admin.post(f"/api/v1/sharing/agreements/{agreement}/approve",
                                   json={"note": "approved by the Lt."})  # fmt: skip
    assert approved.status_code == 200, approved.text

    # Approved: exactly the agreed cameras, window and search kinds.
    shared = {reads["ccso_t0"], reads["ccso_t2h"], reads["ccso_other"]}  # POLE-1, in window
    during = visible_after(world, searches)
    for kind, seen in during.items():
        assert seen <= own | shared, kind  # never POLE-2, never outside the window
        if kind in ("exact", "grid", "stakeout"):
            assert seen & shared, kind
        else:
            assert not seen & ccso, kind
    assert views(reads["ccso_t0"]) == (200, 200, 200)
    assert views(reads["ccso_pole2"]) == (404, 404, 404)
    assert views(reads["ccso_old"]) == (404, 404, 404)

    # Every search across the agreement is logged with the receiving agency and the agreement.
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        logged = connection.execute(
            select(access_log.c.action, access_log.c.agency, access_log.c.query)
            .where(access_log.c.username == "cpd_inv", access_log.c.action == "search.plate")
            .order_by(access_log.c.id)
        ).all()
    assert logged[0].agency == "CPD" and "shared_by" not in logged[0].query
    assert logged[-1].query["shared_by"] == [{"agreement": agreement, "agency": "CCSO"}]

    # Revoked: gone again. Expired: gone too.
    with world.client("ccso_admin") as ccso_admin:
        revoked = ccso_admin.post(f"/api/v1/sharing/agreements/{agreement}/revoke",
                                  json={"reason": "case closed"})  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert all(not seen & ccso for seen in visible_after(world, searches).values())
    assert views(reads["ccso_t0"]) == (404, 404, 404)

    again = ask(world, "CPD", search_kinds=list(KINDS)).json()["id"]
    with world.client("ccso_admin") as ccso_admin:
        ccso_admin.post(f"/api/v1/sharing/agreements/{again}/approve", json={})
    assert all(seen & ccso for seen in visible_after(world, searches).values())
    with engine.begin() as connection:
        connection.execute(update(sharing_agreements).where(sharing_agreements.c.id == again)
                           .values(ends_on=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)))  # fmt: skip
    engine.dispose()
    assert all(not seen & ccso for seen in visible_after(world, searches).values())


def world_t0() -> dt.datetime:
    return dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def test_an_evidence_package_holds_only_reads_the_person_may_see(world: Any) -> None:
    reads = {name: str(read_id) for name, read_id in world.reads.items()}
    with world.client("cpd_inv") as client:
        mixed = client.post("/api/v1/evidence", json={
            "case_number": "26-004211", "report_number": "R-77",
            "read_ids": [reads["cpd_t30"], reads["ccso_t0"]]})  # fmt: skip
        assert mixed.status_code == 404 and reads["ccso_t0"] in mixed.json()["detail"]
        own = client.post("/api/v1/evidence", json={
            "case_number": "26-004211", "report_number": "R-77", "read_ids": [reads["cpd_t30"]]})  # fmt: skip
    assert own.status_code == 200, own.text
    names = zipfile.ZipFile(io.BytesIO(own.content)).namelist()
    assert any(reads["cpd_t30"] in n for n in names)
    assert not any(reads["ccso_t0"] in n for n in names)


def test_alerts_of_a_list_on_another_agencys_reads_need_an_agreement(world: Any) -> None:
    with world.client("cpd_admin") as cpd:
        made = cpd.post("/api/v1/hotlists", json={"name": "CPD-BOLO", "all_agencies": True})
        assert made.status_code == 201, made.text
        cpd.post("/api/v1/hotlists/CPD-BOLO/entries", json={
            "plate": "8ALRT01", "reason": "stolen_vehicle", "case_number": "26-001234"})  # fmt: skip

    def post(plate: str) -> None:
        batch = {"reads": [{"id": str(__import__("uuid").uuid4()), "plate": plate,
                            "captured_at": dt.datetime.now(dt.UTC).isoformat(),
                            "confidence": 0.93, "latitude": 38.58, "longitude": -121.49}]}  # fmt: skip
        answer = httpx.post(f"{world.server}/api/v1/reads", json=batch, timeout=60,
                            headers={"Authorization": f"Bearer {world.camera_keys['POLE-1']}"})  # fmt: skip
        assert answer.status_code == 200 and answer.json()["alerts"] == 1, answer.text

    def alerts(who: str) -> list[dict[str, Any]]:
        with world.client(who) as client:
            answer = client.get("/api/v1/alerts")
            assert answer.status_code == 200, answer.text
            return list(answer.json()["alerts"])

    post("8ALRT01")
    assert [a["plate"] for a in alerts("ccso_inv")] == ["8ALRT01"]  # the camera's agency
    assert alerts("cpd_inv") == []  # the list's agency, without an agreement
    alert_id = alerts("ccso_inv")[0]["id"]
    with world.client("cpd_inv") as client:
        assert client.get(f"/api/v1/alerts/{alert_id}").status_code == 404

    searches_only = ask(world, "CPD", search_kinds=["exact"]).json()["id"]
    alerts_too = ask(world, "CPD", search_kinds=["alerts"]).json()["id"]
    with world.client("ccso_admin") as ccso:
        for agreement in (searches_only, alerts_too):
            assert ccso.post(f"/api/v1/sharing/agreements/{agreement}/approve",
                             json={}).status_code == 200  # fmt: skip
    assert [a["id"] for a in alerts("cpd_inv")] == [alert_id]
    with world.client("ccso_admin") as ccso:
        ccso.post(f"/api/v1/sharing/agreements/{alerts_too}/revoke", json={"reason": "ended"})
    assert alerts("cpd_inv") == []
    assert json.dumps(alerts("ccso_inv"))  # the owner still sees its own
