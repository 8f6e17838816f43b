"""The usage and privacy policy as published (Civil Code 1798.90.51, 1798.90.53), from the system.

Every section of ``/transparency`` is read here from the settings and the database rather than
written by hand, so the published policy cannot drift from what the system does: the purposes
and the custodian from ``usage_policy.*``; who may use the data from the permission table and
the job titles; the training from the course catalog; the monitoring from the access log and
the audits with their verdicts; the sharing from the current agreements and the rules; the
accuracy from the misreads people found when checking alerts (policy A.7); the retention from
``retention.*`` and the destruction records; and live counts.

The counts scan up to a month of reads, so a process keeps the answer for ``CACHE_S`` seconds:
anyone may load the page, and a flood of requests must not become a flood of scans.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, func, select

from plateward.access.roles import PERMISSIONS, Action, Role
from plateward.access.training_courses import list_courses
from plateward.agency.registry import list_agencies
from plateward.alert.schema import alerts
from plateward.audit.review_schema import audit_items, audits
from plateward.audit.schema import access_log
from plateward.retention.periods import CLASS_DAYS, CLASS_LABELS
from plateward.retention.schema import destruction_records, retention_runs
from plateward.settings import Settings
from plateward.sharing.agreements import list_agreements
from plateward.sharing.rules import KIND_LABELS
from plateward.store.schema import cameras, reads

CACHE_S = 300.0
WINDOW = dt.timedelta(days=30)

ROLE_NAMES = {
    Role.USER: "Deputies and technicians (user)",
    Role.INVESTIGATOR: "Investigators and analysts (investigator)",
    Role.ADMINISTRATOR: "ALPR System Administrators (administrator)",
    Role.AUDITOR: "Auditors (auditor)",
    Role.INTERNAL_AFFAIRS: "Internal Affairs (internal_affairs)",
}
ACTION_WORDS = {
    Action.SEARCH: "search reads by plate",
    Action.ANALYSE: "run area, stakeout and cloned-plate searches",
    Action.VIEW_IMAGE: "view plate images",
    Action.EXPORT: "export reads, as evidence for a case",
    Action.RECEIVE_ALERTS: "receive hot list alerts",
    Action.EDIT_HOTLISTS: "maintain hot lists",
    Action.READ_ACCESS_LOG: "read the access log",
    Action.REVIEW_AUDIT: "audit the use of the system",
    Action.MANAGE_USERS: "manage accounts",
    Action.MANAGE_SHARING: "decide sharing requests",
    Action.MANAGE_RETENTION: "run the destruction of expired data",
    Action.HOLD_DATA: "place legal holds",
}


@dataclass(frozen=True)
class PublishedPolicy:
    agency: str
    custodian: str
    custodian_contact: str
    purposes: tuple[str, ...]
    prohibited: tuple[str, ...]
    roles: list[dict[str, Any]]
    courses: list[dict[str, Any]]
    audits: list[dict[str, Any]]
    sharing: list[dict[str, Any]]
    sharing_rules: list[str]
    accuracy: dict[str, Any]
    retention: list[dict[str, Any]]
    destruction: list[dict[str, Any]]
    counts: dict[str, int]
    computed_at: dt.datetime


class PolicyCache:
    """The last answer and when it was computed, per server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: PublishedPolicy | None = None
        self._at = 0.0

    def get(self, connection: Connection, settings: Settings) -> PublishedPolicy:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > CACHE_S:
                self._value = published_policy(connection, settings, dt.datetime.now(dt.UTC))
                self._at = time.monotonic()
            return self._value


def published_policy(
    connection: Connection, settings: Settings, now: dt.datetime
) -> PublishedPolicy:
    policy = settings.usage_policy
    registered = list_agencies(connection)
    agency = policy.agency_name or ", ".join(a.name for a in registered if a.confirmed)
    return PublishedPolicy(
        agency=agency or "This agency",
        custodian=policy.custodian,
        custodian_contact=policy.custodian_contact,
        purposes=policy.authorized_purposes,
        prohibited=policy.prohibited_uses,
        roles=_roles(settings),
        courses=_courses(connection),
        audits=_audits(connection),
        sharing=_sharing(connection, now.date()),
        sharing_rules=_sharing_rules(settings),
        accuracy=_accuracy(connection, now),
        retention=[
            {"label": label, "days": getattr(settings.retention, CLASS_DAYS[name])}
            for name, label in CLASS_LABELS.items()
        ],
        destruction=_destruction(connection),
        counts=_counts(connection, now),
        computed_at=now,
    )


def _roles(settings: Settings) -> list[dict[str, Any]]:
    titles = settings.usage_policy.job_titles
    out = []
    for role in Role:
        may = [words for action, words in ACTION_WORDS.items() if role in PERMISSIONS[action]]
        out.append({"role": ROLE_NAMES[role], "titles": list(titles.get(role.value, ())),
                    "may": may})  # fmt: skip
    return out


def _courses(connection: Connection) -> list[dict[str, Any]]:
    return [
        {
            "title": c.title,
            "systems": c.systems,
            "valid_days": c.valid_days,
            "required_for": [ROLE_NAMES[r] for r in c.required_for],
        }
        for c in list_courses(connection, active_only=True)
    ]


def _audits(connection: Connection) -> list[dict[str, Any]]:
    verdicts: dict[int, dict[str, int]] = {}
    for audit_id, verdict, count in connection.execute(
        select(audit_items.c.audit_id, audit_items.c.verdict, func.count()).group_by(
            audit_items.c.audit_id, audit_items.c.verdict
        )
    ):
        verdicts.setdefault(audit_id, {})[verdict or "not reviewed"] = int(count)
    rows = connection.execute(
        select(audits.c.id, audits.c.period, audits.c.sample_size, audits.c.population,
               audits.c.closed_at).order_by(audits.c.id.desc()).limit(12)
    ).all()  # fmt: skip
    return [
        {
            "period": r.period,
            "sampled": r.sample_size,
            "of": r.population,
            "closed_at": r.closed_at,
            "verdicts": dict(sorted(verdicts.get(r.id, {}).items(), key=_verdict_order)),
        }
        for r in rows
    ]


def _verdict_order(item: tuple[str, int]) -> int:
    """Findings in one order on every database: compliant first, unreviewed last."""
    order = ("compliant", "not_compliant", "follow_up")
    return order.index(item[0]) if item[0] in order else len(order)


def _sharing(connection: Connection, today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "owner": a.owner,
            "receiver": a.receiver,
            "kinds": [KIND_LABELS[k] for k in a.search_kinds],
            "ends_on": a.ends_on,
            "cameras": len(a.cameras) or "all",
        }
        for a in list_agreements(connection, status="approved")
        if a.is_current(today)
    ]


def _sharing_rules(settings: Settings) -> list[str]:
    rules = settings.sharing
    out = [
        (
            "Only after the owner agency's ALPR System Administrator approves a written request"
            " naming its purpose, the cameras, the time window and the kinds of searches (policy"
            " G.4); an approved agreement ends on its date or when revoked."
        ),
        "Never for federal immigration enforcement (policy G.3, Government Code 7284.6).",
    ]
    if not rules.share_with_private:
        out.append("Never with private entities (Civil Code 1798.90.55(b)).")
    if not rules.share_out_of_state:
        out.append(f"Never with agencies outside {rules.home_state} (bulletin 2023-DLE-06).")
    if not rules.share_with_federal:
        out.append("Never with federal agencies (bulletin 2023-DLE-06).")
    out.append("Every search across an agreement is recorded with the receiving agency.")
    return out


def _accuracy(connection: Connection, now: dt.datetime) -> dict[str, Any]:
    checked = alerts.c.plate_check.is_not(None)
    misread = (alerts.c.plate_check == "misread") | (alerts.c.disposition == "misread")
    since = now - dt.timedelta(days=365)
    total, plate_checked, misreads = connection.execute(
        select(func.count(), func.sum(checked.cast(Integer)), func.sum(misread.cast(Integer)))
        .where(alerts.c.raised_at >= since)
    ).one()  # fmt: skip
    plate_checked, misreads = int(plate_checked or 0), int(misreads or 0)
    return {
        "alerts": int(total), "checked": plate_checked, "misreads": misreads,
        "rate": round(100 * misreads / plate_checked, 1) if plate_checked else None,
    }  # fmt: skip


def _destruction(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(retention_runs.c.id, retention_runs.c.finished_at, retention_runs.c.status,
               func.sum(destruction_records.c.removed).label("removed"))
        .join(destruction_records, destruction_records.c.run_id == retention_runs.c.id)
        .where(retention_runs.c.status != "running")
        .group_by(retention_runs.c.id, retention_runs.c.finished_at, retention_runs.c.status)
        .order_by(retention_runs.c.id.desc())
        .limit(5)
    ).all()  # fmt: skip
    return [{"finished_at": r.finished_at, "status": r.status, "removed": int(r.removed or 0)}
            for r in rows]  # fmt: skip


def _counts(connection: Connection, now: dt.datetime) -> dict[str, int]:
    since = now - WINDOW

    def count(query: Any) -> int:
        return int(connection.execute(query).scalar_one() or 0)

    return {
        "cameras": count(select(func.count()).select_from(cameras)
                         .where(cameras.c.key_revoked_at.is_(None))),
        "reads_30_days": count(select(func.count()).select_from(reads)
                               .where(reads.c.captured_at >= since)),
        "hits_30_days": count(select(func.count()).select_from(alerts)
                              .where(alerts.c.raised_at >= since)),
        "searches_30_days": count(select(func.count()).select_from(access_log).where(
            access_log.c.at >= since, access_log.c.action.like("search.%"))),
        "audits_done": count(select(func.count()).select_from(audits)
                             .where(audits.c.closed_at.is_not(None))),
        "destruction_runs": count(select(func.count()).select_from(retention_runs)
                                  .where(retention_runs.c.status == "finished")),
    }  # fmt: skip
