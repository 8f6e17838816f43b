"""The navigation bar: every page a person may open, decided by the one permission table.

A link names the action its page needs (``access/roles.py``); the bar shows it only to roles
that the table allows that action, so the bar and the page's own check cannot disagree
(``tests/web/test_navigation.py`` holds each link to its page's guard). Training is not
consulted here: an untrained deputy still sees Search and is told on that page what is missing.

Another part adds its page to the bar with one line below (see docs/web.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from plateward.access.roles import Action, allowed
from plateward.access.sessions import Session


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str
    action: Action | None
    """What the page needs; None: any signed-in person."""
    group: str = ""
    """Links of one group sit together under this heading on the home page."""


NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("/", "Home", None),
    NavLink("/search", "Search", Action.SEARCH, "Searches"),
    NavLink("/timeline", "Timeline", Action.SEARCH, "Searches"),
    NavLink("/map/grid", "Grid", Action.ANALYSE, "Analysis"),
    NavLink("/map/stakeout", "Stakeout", Action.ANALYSE, "Analysis"),
    NavLink("/cloned", "Cloned plates", Action.ANALYSE, "Analysis"),
    NavLink("/evidence", "Evidence", Action.EXPORT, "Cases"),
    NavLink("/holds", "Legal holds", Action.HOLD_DATA, "Cases"),
    NavLink("/alerts", "Alerts", Action.RECEIVE_ALERTS, "Hot lists and alerts"),
    NavLink("/hotlists", "Hot lists", Action.VIEW_HOTLISTS, "Hot lists and alerts"),
    NavLink("/admin/users", "Users", Action.MANAGE_USERS, "Administration"),
    NavLink("/admin/training", "Training", Action.VIEW_TRAINING, "Administration"),
    NavLink("/admin/cameras", "Cameras", Action.MANAGE_CAMERAS, "Administration"),
    NavLink("/equipment", "Vehicles", Action.VIEW_EQUIPMENT, "Administration"),
    NavLink("/camera-health", "Camera health", Action.VIEW_CAMERA_HEALTH, "Administration"),
    NavLink("/audits", "Audits", Action.REVIEW_AUDIT, "Oversight"),
    NavLink("/access-log", "Access log", Action.READ_ACCESS_LOG, "Oversight"),
    NavLink("/records", "Records requests", Action.WORK_RECORDS_REQUESTS, "Oversight"),
    NavLink("/breaches", "Breaches", Action.MANAGE_BREACHES, "Oversight"),
    NavLink("/maintenance", "Maintenance", Action.REPORT_MAINTENANCE, "Equipment and records"),
    NavLink(
        "/records/new",
        "New records request",
        Action.SUBMIT_RECORDS_REQUEST,
        "Equipment and records",
    ),
    NavLink("/agencies", "Agencies", Action.VIEW_SHARING, "Sharing"),
    NavLink("/sharing", "Sharing", Action.VIEW_SHARING, "Sharing"),
    NavLink("/audits", "Audits", Action.REVIEW_AUDIT, "Oversight"),
    NavLink("/access-log", "Access log", Action.READ_ACCESS_LOG, "Oversight"),
    NavLink("/retention", "Retention", Action.VIEW_RETENTION, "Oversight"),
)


def links_for(session: Session | None) -> list[NavLink]:
    """The links this person's role may follow, in the table's order; none before sign-in."""
    if session is None or not session.second_factor_passed:
        return []
    role = session.user.role
    return [link for link in NAV_LINKS if link.action is None or allowed(role, link.action)]
