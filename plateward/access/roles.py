"""Roles and what each may do: the one table a reader checks to know who can do what.

Actions are checked by name at every entry point (API route, CLI command); a role not listed
for an action is refused with 403. Auditors and internal affairs review how data was used but
do not search it themselves: the audit reads the log, not the reads.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    """A deputy: looks up plates for patrol and calls for service."""
    INVESTIGATOR = "investigator"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    INTERNAL_AFFAIRS = "internal_affairs"


class Action(StrEnum):
    SEARCH = "search"
    """Exact plate, partial plate, tolerant and timeline searches."""
    ANALYSE = "analyse"
    """Grid, stakeout and cloned-plate searches across many vehicles."""
    VIEW_IMAGE = "view_image"
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    MANAGE_CAMERAS = "manage_cameras"
    IMPORT_READS = "import_reads"
    """Bring reads from another system (OpenALPR, Plate Recognizer, a CSV) into a camera."""
    READ_ACCESS_LOG = "read_access_log"
    REVIEW_AUDIT = "review_audit"
    MANAGE_TRAINING = "manage_training"
    """Edit the course catalog and record people's certificates (policy D.1, F)."""
    VIEW_TRAINING = "view_training"
    """See who is qualified to use the data (policy D.2) and what the others still lack."""
    VIEW_HOTLISTS = "view_hotlists"
    """See the hot lists, their entries and their import reports (policy A.4)."""
    EDIT_HOTLISTS = "edit_hotlists"
    """Create lists, add, import and expire entries."""
    RECEIVE_ALERTS = "receive_alerts"
    """Get hot list alerts (live stream, console) and open them."""
    VERIFY_ALERTS = "verify_alerts"
    """Record an alert's checks (plate matches the vehicle, confirmed through CLETS) and its
    disposition (policy A.7)."""
    MANAGE_ALERT_CHANNELS = "manage_alert_channels"
    """Configure where alerts are sent besides the console: webhooks and e-mail."""
    SUBMIT_RECORDS_REQUEST = "submit_records_request"
    """Enter a public records request someone made; it goes to Internal Affairs (policy C)."""
    WORK_RECORDS_REQUESTS = "work_records_requests"
    """See the records request queue with requesters' contact details, and answer requests."""
    MANAGE_BREACHES = "manage_breaches"
    """Record a data breach, see who accessed the data involved, draft the notice (Att. 2)."""
    REPORT_MAINTENANCE = "report_maintenance"
    """Report ALPR equipment needing repair and see the open tickets (policy E.3)."""
    MANAGE_MAINTENANCE = "manage_maintenance"
    """Assess tickets, authorize major repairs and record the work done (policy D.3, E.1, E.2)."""
    VIEW_EQUIPMENT = "view_equipment"
    """See the ALPR-equipped vehicles with the qualified operators (policy D.2)."""
    VIEW_CAMERA_HEALTH = "view_camera_health"
    """See each camera's health and the notices of silent or slow cameras (policy D.3)."""
    IMPORT_ACCESS_HISTORY = "import_access_history"
    """Bring a previous ALPR system's search-audit log in, as imported history (1798.90.52)."""
    MANAGE_RETENTION = "manage_retention"
    """Run the destruction of data past its retention period, or see what a run would remove."""
    VIEW_RETENTION = "view_retention"
    """See the retention periods, the legal holds and the destruction records."""
    HOLD_DATA = "hold_data"
    """Place reads on legal hold for a case, and release the hold (they outlive their period)."""
    MANAGE_AGENCIES = "manage_agencies"
    """Register agencies (kind, state, federal or not, ORI) and complete their registration."""
    MANAGE_SHARING = "manage_sharing"
    """Request another agency's reads, and approve, deny or revoke requests for one's own
    (policy G.4)."""
    VIEW_SHARING = "view_sharing"
    """See the agency registry and every sharing agreement, with its decisions."""


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.SEARCH: frozenset({Role.USER, Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.ANALYSE: frozenset({Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.VIEW_IMAGE: frozenset({Role.USER, Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.EXPORT: frozenset({Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMINISTRATOR}),
    Action.MANAGE_CAMERAS: frozenset({Role.ADMINISTRATOR}),
    Action.IMPORT_READS: frozenset({Role.ADMINISTRATOR}),
    Action.READ_ACCESS_LOG: frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.INTERNAL_AFFAIRS}),
    Action.REVIEW_AUDIT: frozenset({Role.AUDITOR, Role.INTERNAL_AFFAIRS}),
    Action.MANAGE_TRAINING: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_TRAINING: frozenset({Role.ADMINISTRATOR, Role.AUDITOR}),
    Action.VIEW_HOTLISTS: frozenset({Role.USER, Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.EDIT_HOTLISTS: frozenset({Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.RECEIVE_ALERTS: frozenset({Role.USER, Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.VERIFY_ALERTS: frozenset({Role.USER, Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.MANAGE_ALERT_CHANNELS: frozenset({Role.ADMINISTRATOR}),
    Action.SUBMIT_RECORDS_REQUEST: frozenset(Role),
    Action.WORK_RECORDS_REQUESTS: frozenset({Role.INTERNAL_AFFAIRS, Role.ADMINISTRATOR}),
    Action.MANAGE_BREACHES: frozenset({Role.ADMINISTRATOR, Role.INTERNAL_AFFAIRS}),
    Action.REPORT_MAINTENANCE: frozenset(Role),
    Action.MANAGE_MAINTENANCE: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_EQUIPMENT: frozenset({Role.ADMINISTRATOR, Role.AUDITOR}),
    Action.VIEW_CAMERA_HEALTH: frozenset({Role.ADMINISTRATOR}),
    Action.IMPORT_ACCESS_HISTORY: frozenset({Role.ADMINISTRATOR, Role.AUDITOR}),
    Action.MANAGE_RETENTION: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_RETENTION: frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.INTERNAL_AFFAIRS}),
    Action.HOLD_DATA: frozenset({Role.INVESTIGATOR, Role.ADMINISTRATOR}),
    Action.MANAGE_AGENCIES: frozenset({Role.ADMINISTRATOR}),
    Action.MANAGE_SHARING: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_SHARING: frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.INTERNAL_AFFAIRS}),
}

NEEDS_TRAINING: frozenset[Action] = frozenset(
    {
        Action.SEARCH,
        Action.ANALYSE,
        Action.VIEW_IMAGE,
        Action.EXPORT,
        Action.VIEW_HOTLISTS,
        Action.EDIT_HOTLISTS,
        Action.RECEIVE_ALERTS,
        Action.VERIFY_ALERTS,
    }
)
"""Actions that touch ALPR data: a role allowing one is not enough without current training
certificates (policy F; ``access/training.py`` checks them)."""


def allowed(role: Role | str, action: Action) -> bool:
    return Role(role) in PERMISSIONS[action]
