"""Sharing agreements: requested by the receiving agency, decided by the owner (policy G.4).

Each step is checked here and logged in the access log in the step's transaction:
``sharing.request``, ``sharing.approve``, ``sharing.deny``, ``sharing.revoke`` (and
``sharing.end`` when a recheck ends one that the rules now refuse). A request the rules refuse
raises ``SharingRefused`` naming the rule; the entry points log that refusal in a transaction of
its own (``log_refusal``), so the attempt is on record although nothing was stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, or_, select, update

from plateward.access.roles import Role
from plateward.access.users import User
from plateward.agency.registry import Agency, agency_by_code, agency_by_id
from plateward.audit.log import Entry, append, append_change
from plateward.errors import Conflict, InvalidInput, NotFound, PlatewardError
from plateward.sharing.rules import (
    KIND_LABELS,
    Refusal,
    SharingPolicy,
    check_end,
    check_kinds,
    check_purpose,
    check_window,
    refusal_to_share,
)
from plateward.sharing.schema import sharing_agreements
from plateward.store.schema import agencies, cameras

if TYPE_CHECKING:
    from plateward.audit.actor import Actor

REASON = "sharing of ALPR data (policy G.4, Civil Code 1798.90.55)"


class SharingRefused(PlatewardError):
    """The rules forbid this sharing; ``rule`` names which (``sharing/rules.py``)."""

    status = 403

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"sharing refused ({refusal.rule}): {refusal.message}")
        self.rule = refusal.rule


class NotYours(PlatewardError):
    """Only the owner agency's administrator may decide (G.4); only the two parties revoke."""

    status = 403


@dataclass(frozen=True)
class Agreement:
    id: int
    owner: str
    owner_id: int
    receiver: str
    receiver_id: int
    purpose: str
    camera_ids: tuple[int, ...] | None
    """None: all of the owner's cameras, those added later included."""
    cameras: tuple[str, ...]
    search_kinds: tuple[str, ...]
    reads_from: dt.datetime | None
    reads_until: dt.datetime | None
    ends_on: dt.date
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    revoked_by: str | None
    revoked_at: dt.datetime | None
    revoke_reason: str | None

    def is_current(self, today: dt.date) -> bool:
        return self.status == "approved" and today <= self.ends_on

    def standing(self, today: dt.date) -> str:
        """Where it stands today, in words: requested, approved, ended, denied or revoked."""
        if self.status == "approved" and today > self.ends_on:
            return "ended"
        return self.status

    def as_json(self, today: dt.date) -> dict[str, Any]:
        def iso(moment: dt.datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {
            "id": self.id, "owner": self.owner, "receiver": self.receiver,
            "purpose": self.purpose, "cameras": list(self.cameras) or "all",
            "search_kinds": list(self.search_kinds), "reads_from": iso(self.reads_from),
            "reads_until": iso(self.reads_until), "ends_on": self.ends_on.isoformat(),
            "status": self.status, "standing": self.standing(today),
            "requested_by": self.requested_by, "requested_at": iso(self.requested_at),
            "decided_by": self.decided_by, "decided_at": iso(self.decided_at),
            "decision_note": self.decision_note, "revoked_by": self.revoked_by,
            "revoked_at": iso(self.revoked_at), "revoke_reason": self.revoke_reason,
        }  # fmt: skip

    def kinds_text(self) -> str:
        return ", ".join(KIND_LABELS[k] for k in self.search_kinds)


def request_agreement(
    connection: Connection, user: User, policy: SharingPolicy, *, owner: str, purpose: str | None,
    cameras: Sequence[str] = (), kinds: Sequence[str], ends_on: dt.date,
    reads_from: dt.datetime | None = None, reads_until: dt.datetime | None = None,
    today: dt.date, client_address: str | None = None,
) -> Agreement:  # fmt: skip
    """Ask ``owner`` to share its reads with the user's agency; stored as ``requested``."""
    text = check_purpose(purpose)
    owner_agency = agency_by_code(connection, owner)
    receiver = agency_by_code(connection, user.agency)
    refusal = refusal_to_share(owner_agency.facts(), receiver.facts(), text, policy)
    if refusal is not None:
        raise SharingRefused(refusal)
    chosen = check_kinds(kinds)
    start, end = check_window(reads_from, reads_until)
    last = check_end(ends_on, today, policy.max_agreement_days)
    camera_ids = _owner_cameras(connection, owner_agency, cameras)
    now = dt.datetime.now(dt.UTC)
    new_id = connection.execute(
        insert(sharing_agreements)
        .values(
            owner_agency_id=owner_agency.id, receiver_agency_id=receiver.id, purpose=text,
            camera_ids=None if camera_ids is None else list(camera_ids),
            search_kinds=list(chosen), reads_from=start, reads_until=end, ends_on=last,
            status="requested", requested_by=user.username, requested_at=now,
        )
        .returning(sharing_agreements.c.id)
    ).scalar_one()  # fmt: skip
    agreement = agreement_by_id(connection, int(new_id))
    _log(connection, user, client_address, "sharing.request", agreement)
    return agreement


def decide_agreement(
    connection: Connection, user: User, policy: SharingPolicy, agreement_id: int, *,
    approve: bool, note: str | None, today: dt.date, client_address: str | None = None,
) -> Agreement:  # fmt: skip
    """Approve or deny a request, as an administrator of the owner agency (policy G.4)."""
    agreement = agreement_by_id(connection, agreement_id)
    if user.role is not Role.ADMINISTRATOR or user.agency != agreement.owner:
        raise NotYours(
            f"sharing agreement {agreement_id}: only an administrator of {agreement.owner},"
            " whose reads it shares, may decide it (policy G.4)"
        )
    if agreement.status != "requested":
        raise Conflict(f"sharing agreement {agreement_id}: already {agreement.status}")
    note = " ".join((note or "").split()) or None
    if approve:
        owner = agency_by_id(connection, agreement.owner_id)
        receiver = agency_by_id(connection, agreement.receiver_id)
        refusal = refusal_to_share(owner.facts(), receiver.facts(), agreement.purpose, policy)
        if refusal is not None:
            raise SharingRefused(refusal)
        if agreement.ends_on < today:
            raise Conflict(
                f"sharing agreement {agreement_id}: it was to end on"
                f" {agreement.ends_on.isoformat()}, already past; ask for a new one"
            )
    elif note is None:
        raise InvalidInput(f"sharing agreement {agreement_id}: say why it is denied")
    connection.execute(
        update(sharing_agreements)
        .where(sharing_agreements.c.id == agreement_id, sharing_agreements.c.status == "requested")
        .values(
            status="approved" if approve else "denied", decided_by=user.username,
            decided_at=dt.datetime.now(dt.UTC), decision_note=note,
        )
    )  # fmt: skip
    decided = agreement_by_id(connection, agreement_id)
    action = "sharing.approve" if approve else "sharing.deny"
    _log(connection, user, client_address, action, decided)
    return decided


def revoke_agreement(
    connection: Connection, user: User, agreement_id: int, *, reason: str | None,
    client_address: str | None = None,
) -> Agreement:  # fmt: skip
    """End an approved agreement now, as an administrator of either agency."""
    agreement = agreement_by_id(connection, agreement_id)
    if user.role is not Role.ADMINISTRATOR or user.agency not in (
        agreement.owner, agreement.receiver
    ):  # fmt: skip
        raise NotYours(
            f"sharing agreement {agreement_id}: only an administrator of {agreement.owner} or"
            f" {agreement.receiver} may revoke it"
        )
    if agreement.status != "approved":
        raise Conflict(f"sharing agreement {agreement_id}: it is {agreement.status}, not approved")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(f"sharing agreement {agreement_id}: say why it is revoked")
    _end(connection, agreement_id, user.username, reason)
    revoked = agreement_by_id(connection, agreement_id)
    _log(connection, user, client_address, "sharing.revoke", revoked)
    return revoked


def recheck_agreements(
    connection: Connection, policy: SharingPolicy, actor: Actor, today: dt.date
) -> list[tuple[Agreement, Refusal]]:
    """End every current agreement the rules would now refuse (a registration or a setting
    changed), each logged ``sharing.end`` under ``actor`` with the rule; returns them."""
    ended: list[tuple[Agreement, Refusal]] = []
    for agreement in list_agreements(connection, status="approved"):
        if not agreement.is_current(today):
            continue
        owner = agency_by_id(connection, agreement.owner_id)
        receiver = agency_by_id(connection, agreement.receiver_id)
        refusal = refusal_to_share(owner.facts(), receiver.facts(), agreement.purpose, policy)
        if refusal is None:
            continue
        _end(connection, agreement.id, actor.username, f"{refusal.rule}: {refusal.message}")
        append_change(
            connection, actor, "sharing.end",
            {"agreement": agreement.id, "owner": agreement.owner, "receiver": agreement.receiver,
             "rule": refusal.rule},
            reason=REASON,
        )  # fmt: skip
        ended.append((agreement, refusal))
    return ended


def log_refusal(
    connection: Connection, user: User, client_address: str | None, query: dict[str, Any],
    refused: SharingRefused,
) -> None:  # fmt: skip
    """Record a refused request in a transaction of its own: the attempt is on record."""
    append(
        connection,
        Entry(
            username=user.username, agency=user.agency, action="sharing.request",
            query={**query, "refused": refused.rule}, reason=REASON, result_count=0,
            client_address=client_address, outcome="refused",
        ),
    )  # fmt: skip


def agreement_by_id(connection: Connection, agreement_id: int) -> Agreement:
    found = _load(connection, sharing_agreements.c.id == agreement_id)
    if not found:
        raise NotFound(f"sharing agreement {agreement_id}: no such agreement")
    return found[0]


def list_agreements(
    connection: Connection, *, agency_id: int | None = None, status: str | None = None
) -> list[Agreement]:
    """Agreements newest first; those where ``agency_id`` owns or receives, if given."""
    conditions: list[Any] = []
    if agency_id is not None:
        conditions.append(
            or_(
                sharing_agreements.c.owner_agency_id == agency_id,
                sharing_agreements.c.receiver_agency_id == agency_id,
            )
        )
    if status is not None:
        conditions.append(sharing_agreements.c.status == status)
    return _load(connection, *conditions)


def _owner_cameras(
    connection: Connection, owner: Agency, codes: Sequence[str]
) -> tuple[int, ...] | None:
    wanted = [c.strip() for c in codes if c.strip()]
    if not wanted:
        return None
    rows = {
        row.code: row
        for row in connection.execute(
            select(cameras.c.id, cameras.c.code, cameras.c.agency_id).where(
                cameras.c.code.in_(wanted)
            )
        )
    }
    ids: list[int] = []
    for code in dict.fromkeys(wanted):
        row = rows.get(code)
        if row is None:
            raise NotFound(f"camera {code}: no such camera")
        if row.agency_id != owner.id:
            raise InvalidInput(f"camera {code}: not one of {owner.code}'s cameras")
        ids.append(int(row.id))
    return tuple(sorted(ids))


def _end(connection: Connection, agreement_id: int, by: str, reason: str) -> None:
    connection.execute(
        update(sharing_agreements)
        .where(sharing_agreements.c.id == agreement_id)
        .values(
            status="revoked", revoked_by=by, revoked_at=dt.datetime.now(dt.UTC),
            revoke_reason=reason[:2000],
        )
    )  # fmt: skip


def _log(
    connection: Connection, user: User, client_address: str | None, action: str,
    agreement: Agreement,
) -> None:  # fmt: skip
    query = {
        "agreement": agreement.id, "owner": agreement.owner, "receiver": agreement.receiver,
        "purpose": agreement.purpose, "cameras": list(agreement.cameras) or "all",
        "search_kinds": list(agreement.search_kinds),
        "reads_from": _iso(agreement.reads_from), "reads_until": _iso(agreement.reads_until),
        "ends_on": agreement.ends_on.isoformat(),
    }  # fmt: skip
    if agreement.decision_note and action in ("sharing.approve", "sharing.deny"):
        query["note"] = agreement.decision_note
    if agreement.revoke_reason and action == "sharing.revoke":
        query["reason"] = agreement.revoke_reason
    append(
        connection,
        Entry(
            username=user.username, agency=user.agency, action=action, query=query,
            reason=REASON, result_count=1, client_address=client_address,
        ),
    )  # fmt: skip


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _load(connection: Connection, *conditions: Any) -> list[Agreement]:
    owner = agencies.alias("owner")
    receiver = agencies.alias("receiver")
    rows = connection.execute(
        select(sharing_agreements, owner.c.code.label("owner"), receiver.c.code.label("receiver"))
        .join(owner, owner.c.id == sharing_agreements.c.owner_agency_id)
        .join(receiver, receiver.c.id == sharing_agreements.c.receiver_agency_id)
        .where(*conditions)
        .order_by(sharing_agreements.c.id.desc())
    ).all()
    codes = dict(connection.execute(select(cameras.c.id, cameras.c.code)).all()) if rows else {}
    out = []
    for row in rows:
        m = row._mapping
        ids = None if m["camera_ids"] is None else tuple(int(i) for i in m["camera_ids"])
        out.append(
            Agreement(
                id=m["id"], owner=m["owner"], owner_id=m["owner_agency_id"],
                receiver=m["receiver"], receiver_id=m["receiver_agency_id"],
                purpose=m["purpose"], camera_ids=ids,
                cameras=tuple(codes.get(i, str(i)) for i in ids or ()),
                search_kinds=tuple(m["search_kinds"]), reads_from=m["reads_from"],
                reads_until=m["reads_until"], ends_on=m["ends_on"], status=m["status"],
                requested_by=m["requested_by"], requested_at=m["requested_at"],
                decided_by=m["decided_by"], decided_at=m["decided_at"],
                decision_note=m["decision_note"], revoked_by=m["revoked_by"],
                revoked_at=m["revoked_at"], revoke_reason=m["revoke_reason"],
            )
        )  # fmt: skip
    return out
