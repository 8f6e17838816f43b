"""Retention and holds over HTTP: who may look, who may destroy, and what each call answers."""

from __future__ import annotations

import httpx

PURPOSE = {"case_number": "26-004211"}


def api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_periods_dry_runs_runs_and_holds(server: str, crew: dict[str, str]) -> None:
    with api(server, crew["auditor"]) as auditor:
        shown = auditor.get("/api/v1/retention").json()
        assert shown["periods"]["reads"]["days"] == 30 and shown["runs"] == []
        dry = auditor.post("/api/v1/retention/dry-run", json={"as_of": "2030-01-01T00:00:00Z"})
        assert dry.status_code == 200 and {d["class"] for d in dry.json()["destroyed"]} >= {
            "reads", "hit_reads", "images", "alerts", "access_log", "audit_records",
        }  # fmt: skip
        assert auditor.post("/api/v1/retention/runs", json={}).status_code == 403
        assert auditor.post("/api/v1/holds", json={}).status_code == 403
    with api(server, crew["admin"]) as admin:
        ahead = admin.post("/api/v1/retention/runs", json={"as_of": "2030-01-01T00:00:00Z"})
        assert ahead.status_code == 422 and "time still to come" in ahead.json()["detail"]
        run = admin.post("/api/v1/retention/runs", json={})
        assert run.status_code == 200 and run.json()["status"] == "finished"
        assert admin.get("/api/v1/retention").json()["runs"][0]["id"] == run.json()["id"]
    with api(server, crew["investigator"]) as investigator:
        refused = investigator.post(
            "/api/v1/holds", json={"case_number": "26-1", "plate": "7ABC123"}
        )
        assert refused.status_code == 422 and "captured_from" in refused.json()["detail"]
        placed = investigator.post("/api/v1/holds", json={
            "case_number": "26-1", "plate": "7ABC123", "captured_from": "2026-01-01T00:00:00Z",
            "captured_until": "2026-02-01T00:00:00Z"})  # fmt: skip
        assert placed.status_code == 201 and placed.json()["standing"] == "active"
        hold = placed.json()["id"]
        released = investigator.post(f"/api/v1/holds/{hold}/release", json={"reason": "done"})
        assert released.json()["standing"] == "released"
        again = investigator.post(f"/api/v1/holds/{hold}/release", json={"reason": "done"})
        assert again.status_code == 409
    with api(server, crew["auditor"]) as auditor:
        assert auditor.get("/api/v1/holds", params={"every": True}).json()["count"] == 1
