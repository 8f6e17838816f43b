"""What the home page flags for the people who answer for the governance duties.

Internal Affairs and administrators see overdue and nearly due records requests (policy C);
administrators see the open camera notices, problems reported and not yet assessed (E.3), and
repairs waiting for their authorization (D.3, E.1). Each flag is a line and a link; a role with none of these duties gets none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from plateward.access.roles import Action, allowed
from plateward.access.users import User
from plateward.governance.equipment.tickets import ticket_counts
from plateward.governance.health.checks import list_notices
from plateward.governance.records.requests import queue_counts
from plateward.governance.records.rules import Urgency


@dataclass(frozen=True)
class Flag:
    text: str
    href: str
    urgent: bool


def home_flags(connection: Connection, user: User, today: dt.date) -> list[Flag]:
    flags: list[Flag] = []
    if allowed(user.role, Action.WORK_RECORDS_REQUESTS):
        counts = queue_counts(connection, today)
        if counts[Urgency.OVERDUE]:
            flags.append(
                Flag(f"{_n(counts[Urgency.OVERDUE], 'records request')} overdue", "/records", True)
            )
        if counts[Urgency.DUE_SOON]:
            flags.append(
                Flag(
                    f"{_n(counts[Urgency.DUE_SOON], 'records request')} due within two days",
                    "/records",
                    False,
                )
            )
    if allowed(user.role, Action.VIEW_CAMERA_HEALTH):
        for notice in list_notices(connection):
            kind = "silent" if notice.kind == "silent" else "reading far below its usual rate"
            seen = ", acknowledged" if notice.acknowledged_by else ""
            flags.append(
                Flag(
                    f"Camera {notice.camera} {kind}{seen}: {notice.detail}",
                    "/camera-health",
                    not notice.acknowledged_by,
                )
            )
    if allowed(user.role, Action.MANAGE_MAINTENANCE):
        tickets = ticket_counts(connection)
        if tickets["awaiting_assessment"]:
            flags.append(
                Flag(
                    f"{_n(tickets['awaiting_assessment'], 'equipment problem')} reported, to assess",
                    "/maintenance",
                    False,
                )
            )
        if tickets["awaiting_authorization"]:
            flags.append(
                Flag(
                    f"{_n(tickets['awaiting_authorization'], 'repair')} waiting for your"
                    " authorization",
                    "/maintenance",
                    True,
                )
            )
    return flags


def _n(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"
