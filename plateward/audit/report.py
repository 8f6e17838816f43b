"""An audit's report: findings per user, then every sampled inquiry, as HTML or CSV.

Users wrote the reasons and auditors the notes, so both are untrusted text: the HTML template
autoescapes everything, and CSV cells that a spreadsheet would run as a formula are prefixed
with an apostrophe (the OWASP advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from plateward.audit.reviews import AuditDetail, AuditItem, Verdict

TEMPLATES = Path(__file__).with_name("templates")

CSV_COLUMNS = (
    "audit_id",
    "period",
    "entry_id",
    "at",
    "username",
    "agency",
    "action",
    "query",
    "case_number",
    "reason",
    "result_count",
    "client_address",
    "outcome",
    "verdict",
    "notes",
    "reviewed_by",
    "reviewed_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class UserFindings:
    """One user's sampled inquiries and how many of them got each verdict."""

    username: str
    agency: str
    compliant: int = 0
    not_compliant: int = 0
    follow_up: int = 0
    unreviewed: int = 0
    items: list[AuditItem] = field(default_factory=list)

    @property
    def sampled(self) -> int:
        return len(self.items)


def findings_by_user(items: list[AuditItem]) -> list[UserFindings]:
    """Per-user counts, users with findings against them first, then by name."""
    users: dict[str, UserFindings] = {}
    for item in items:
        found = users.setdefault(item.username, UserFindings(item.username, item.agency))
        found.items.append(item)
        if item.verdict == Verdict.COMPLIANT:
            found.compliant += 1
        elif item.verdict == Verdict.NOT_COMPLIANT:
            found.not_compliant += 1
        elif item.verdict == Verdict.FOLLOW_UP:
            found.follow_up += 1
        else:
            found.unreviewed += 1
    return sorted(users.values(), key=lambda u: (-u.not_compliant, -u.follow_up, u.username))


def render_html(detail: AuditDetail) -> str:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    environment.filters["as_json"] = lambda value: json.dumps(value, sort_keys=True)
    template = environment.get_template("report.html")
    return template.render(audit=detail.audit, users=findings_by_user(detail.items))


def render_csv(detail: AuditDetail) -> str:
    """One row per sampled inquiry, grouped by user as in the HTML report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for user in findings_by_user(detail.items):
        for item in user.items:
            writer.writerow(
                [
                    detail.audit.id,
                    detail.audit.period,
                    item.entry_id,
                    item.at.isoformat(),
                    _cell(item.username),
                    _cell(item.agency),
                    _cell(item.action),
                    _cell(json.dumps(item.query, sort_keys=True)),
                    _cell(item.case_number),
                    _cell(item.reason),
                    "" if item.result_count is None else item.result_count,
                    _cell(item.client_address),
                    _cell(item.outcome),
                    item.verdict or "",
                    _cell(item.notes),
                    _cell(item.reviewed_by),
                    item.reviewed_at.isoformat() if item.reviewed_at else "",
                ]
            )
    return out.getvalue()


def _cell(text: str | None) -> str:
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
