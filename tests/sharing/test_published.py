"""The published policy follows the system: an agreement approved, a search across it, alerts
with a misread found, an audit closed with its findings and a destruction run appear on
/transparency, on both databases."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import httpx
from sqlalchemy import insert, select

from plateward.audit.review_schema import audit_items, audits
from plateward.audit.schema import access_log
from plateward.settings import Settings
from plateward.store.database import open_database

FAR = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)


def closed_audit(settings: Settings) -> None:
    """An audit of the searches so far, two found compliant and one needing follow-up."""
    engine = open_database(settings.database_url())
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        sampled = list(connection.execute(select(access_log.c.id).limit(3)).scalars())
        audit = connection.execute(insert(audits).values(
            period="2026H2", sample_size=len(sampled), seed=7, population=40,
            through_entry_id=sampled[-1], created_by="auditor", created_at=now,
            closed_by="auditor", closed_at=now).returning(audits.c.id)).scalar_one()  # fmt: skip
        for entry, verdict in zip(sampled, ("compliant", "compliant", "follow_up"), strict=True):
            connection.execute(insert(audit_items).values(
                audit_id=audit, access_log_id=entry, verdict=verdict, reviewed_by="auditor",
                reviewed_at=now))  # fmt: skip
    engine.dispose()


def raise_alerts(world: Any) -> list[tuple[int, str]]:
    """Two alerts on CCSO's camera: the plate checked on the vehicle matched one, not the other."""
    with world.client("ccso_inv") as inv:
        assert inv.post("/api/v1/hotlists", json={"name": "CCSO-BOLO"}).status_code == 201
        for plate in ("8ALRT01", "8ALRT02"):
            inv.post("/api/v1/hotlists/CCSO-BOLO/entries", json={
                "plate": plate, "reason": "stolen_vehicle", "case_number": "26-001234"})  # fmt: skip
    reads = [{"id": str(uuid.uuid4()), "plate": plate, "confidence": 0.93, "latitude": 38.58,
              "longitude": -121.49, "captured_at": dt.datetime.now(dt.UTC).isoformat()}
             for plate in ("8ALRT01", "8ALRT02")]  # fmt: skip
    answer = httpx.post(f"{world.server}/api/v1/reads", json={"reads": reads}, timeout=60,
                        headers={"Authorization": f"Bearer {world.camera_keys['POLE-1']}"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["alerts"] == 2, answer.text
    with world.client("ccso_inv") as inv:
        raised = {a["plate"]: a["id"] for a in inv.get("/api/v1/alerts").json()["alerts"]}
    return [(raised["8ALRT01"], "match"), (raised["8ALRT02"], "misread")]


def table(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def test_the_page_shows_agreements_audits_and_destruction_from_the_database(
    world: Any, settings: Settings
) -> None:
    with world.client("cpd_admin") as cpd:
        asked = cpd.post("/api/v1/sharing/agreements", json={
            "owner": "CCSO", "purpose": "burglary series on the county line (case 26-004211)",
            "search_kinds": ["exact", "grid"], "cameras": ["POLE-1"],
            "ends_on": FAR.isoformat()})  # fmt: skip
    assert asked.status_code == 201, asked.text
    with world.client("ccso_admin") as ccso:
        assert ccso.post(f"/api/v1/sharing/agreements/{asked.json()['id']}/approve",
                         json={}).status_code == 200  # fmt: skip
    with world.client("cpd_inv") as inv:
        found = inv.get("/api/v1/search/plate", params={"plate": "7ABC123",
                                                        "case_number": "26-004211"})  # fmt: skip
    assert found.status_code == 200, found.text
    for alert_id, result in raise_alerts(world):
        with world.client("ccso_inv") as inv:
            checked = inv.post(f"/api/v1/alerts/{alert_id}/verification",
                               json={"check": "plate", "result": result})  # fmt: skip
        assert checked.status_code == 200, checked.text
    closed_audit(settings)
    with world.client("ccso_admin") as ccso:
        run = ccso.post("/api/v1/retention/runs", json={})  # the fixture's reads are months old
    assert run.status_code == 200, run.text
    destroyed = sum(d["removed"] for d in run.json()["destroyed"])
    assert destroyed >= len(world.reads)

    page = httpx.get(f"{world.server}/transparency", timeout=30).text
    agreements = table(page, "agreements")
    assert re.search(r"<td>CCSO</td><td>CPD</td><td>1</td><td>exact plate, grid \(radius\)</td>"
                     rf"<td>{FAR.isoformat()}</td>", agreements), agreements  # fmt: skip
    assert "No data is shared" not in page
    audit_rows = table(page, "audits")
    assert "2026H2" in audit_rows and "3 of 40 inquiries" in audit_rows
    assert "2 compliant, 1 follow up" in audit_rows
    assert f"{destroyed} records destroyed (finished)" in page
    assert re.search(r'id="count-destruction">1<', page)
    assert re.search(r'id="count-audits">1<', page)
    searches = re.search(r'id="count-searches">(\d+)<', page)
    assert searches is not None and int(searches.group(1)) >= 1
    # The fixture's reads were months old and are destroyed; the two alerts' reads are new.
    assert re.search(r'id="count-reads">2<', page) and re.search(r'id="count-hits">2<', page)
    assert "2 alerts were raised; people checked the plate on 2 of them and found 1 misread" in page
    assert "(50.0%)" in page
