"""Registering agencies, completing their registration, and looking them up by code.

Every user and camera belongs to a registered agency: ``user add --agency`` and ``camera add
--agency`` name one that exists, so a typo cannot create a stray agency that owns a camera's
reads. The facts kept (kind, state, federal or not) are the ones the sharing rules decide on;
an agency that came from before the registry has none until an administrator completes it,
and ``confirmed_at`` says who vouched for the facts and when.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from plateward.audit.log import append_change
from plateward.errors import InvalidInput, NotFound
from plateward.sharing.rules import AgencyFacts
from plateward.store.database import savepoint
from plateward.store.schema import AGENCY_KINDS, agencies

if TYPE_CHECKING:
    from plateward.audit.actor import Actor

REASON = "agency registry (policy G.4)"
KIND_LABELS = {
    "law_enforcement": "law enforcement agency",
    "other_public": "other public agency",
    "private": "private entity",
}
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_STATE = re.compile(r"^[A-Z]{2}$")
_ORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")


@dataclass(frozen=True)
class Agency:
    id: int
    code: str
    name: str
    kind: str | None
    state: str | None
    federal: bool
    ori: str | None
    confirmed_at: dt.datetime | None
    confirmed_by: str | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def facts(self) -> AgencyFacts:
        return AgencyFacts(self.code, self.kind, self.state, self.federal, self.confirmed)

    def describe(self) -> str:
        if not self.confirmed or self.kind is None:
            return f"{self.code} ({self.name}): registration to be completed"
        federal = ", federal" if self.federal else ""
        return f"{self.code} ({self.name}): {KIND_LABELS[self.kind]}, {self.state}{federal}"


def register_agency(
    connection: Connection, actor: Actor, *, code: str, name: str, kind: str, state: str,
    federal: bool = False, ori: str | None = None,
) -> Agency:  # fmt: skip
    """Register a new agency with its facts, vouched for by ``actor``; logged ``agency.add``."""
    code = check_code(code)
    values = _checked(name=name, kind=kind, state=state, ori=ori, where=f"agency {code}")
    now = dt.datetime.now(dt.UTC)
    try:
        with savepoint(connection):
            connection.execute(
                insert(agencies).values(
                    code=code, created_at=now, federal=federal, confirmed_at=now,
                    confirmed_by=actor.username, **values,
                )
            )  # fmt: skip
    except IntegrityError as exc:
        taken = "ORI " + str(values["ori"]) if _code_free(connection, code) else "code"
        raise InvalidInput(f"agency {code}: that {taken} is already registered") from exc
    agency = agency_by_code(connection, code)
    append_change(connection, actor, "agency.add", _logged(agency), reason=REASON)
    return agency


def edit_agency(
    connection: Connection, actor: Actor, code: str, *, name: str | None = None,
    kind: str | None = None, state: str | None = None, federal: bool | None = None,
    ori: str | None = None,
) -> Agency:  # fmt: skip
    """Change an agency's facts (those given), and confirm them as ``actor``'s; logged
    ``agency.edit``. An agency not yet confirmed must end with a kind and a state.

    The caller then rechecks the agency's sharing agreements (``sharing.agreements.recheck``):
    one the new facts would refuse ends there.
    """
    before = agency_by_code(connection, code)
    values = _checked(
        name=before.name if name is None else name,
        kind=before.kind if kind is None else kind,
        state=before.state if state is None else state,
        ori=before.ori if ori is None else (ori or None),
        where=f"agency {before.code}",
    )
    changes = {
        **values,
        "federal": before.federal if federal is None else federal,
        "confirmed_at": dt.datetime.now(dt.UTC),
        "confirmed_by": actor.username,
    }
    try:
        with savepoint(connection):
            connection.execute(update(agencies).where(agencies.c.id == before.id).values(changes))
    except IntegrityError as exc:
        raise InvalidInput(
            f"agency {before.code}: ORI {values['ori']} is already registered"
        ) from exc
    after = agency_by_code(connection, before.code)
    changed = {
        key: {"from": old, "to": new}
        for key, old, new in (
            (k, v, getattr(after, k)) for k, v in _logged(before).items() if k != "code"
        )
        if old != new
    }
    append_change(connection, actor, "agency.edit", {"code": after.code, "changed": changed},
                  reason=REASON)  # fmt: skip
    return after


def check_code(code: str) -> str:
    cleaned = code.strip().upper()
    if not _CODE.match(cleaned):
        raise InvalidInput(
            f"agency code {code!r}: 1-32 letters, digits, '-' or '_', starting with a letter or"
            " digit"
        )
    return cleaned


def agency_by_code(connection: Connection, code: str) -> Agency:
    row = connection.execute(select(agencies).where(agencies.c.code == code.strip())).first()
    if row is None:
        row = connection.execute(
            select(agencies).where(agencies.c.code == code.strip().upper())
        ).first()
    if row is None:
        raise NotFound(
            f"agency {code.strip()!r}: not registered; an administrator registers it first"
            " (plateward agency add CODE --name NAME --kind law_enforcement --state CA)"
        )
    return _agency(row)


def agency_by_id(connection: Connection, agency_id: int) -> Agency:
    row = connection.execute(select(agencies).where(agencies.c.id == agency_id)).first()
    if row is None:
        raise NotFound(f"agency {agency_id}: no such agency")
    return _agency(row)


def agency_id_of(connection: Connection, code: str) -> int:
    """The id of a registered agency (``NotFound`` naming how to register it)."""
    return agency_by_code(connection, code).id


def list_agencies(connection: Connection) -> list[Agency]:
    return [_agency(row) for row in connection.execute(select(agencies).order_by(agencies.c.code))]


def _checked(
    *, name: str, kind: str | None, state: str | None, ori: str | None, where: str
) -> dict[str, Any]:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInput(f"{where}: the name must be 1-200 characters")
    if kind not in AGENCY_KINDS:
        raise InvalidInput(f"{where}: kind {kind!r} must be one of {', '.join(AGENCY_KINDS)}")
    state = (state or "").strip().upper()
    if not _STATE.match(state):
        raise InvalidInput(f"{where}: state {state!r} must be two letters, e.g. CA")
    ori = (ori or "").strip().upper() or None
    if ori is not None and not _ORI.match(ori):
        raise InvalidInput(
            f"{where}: ORI {ori!r} must be 9 characters, the state's two letters and seven"
            " letters or digits (e.g. CA0010000)"
        )
    return {"name": name, "kind": kind, "state": state, "ori": ori}


def _code_free(connection: Connection, code: str) -> bool:
    return connection.execute(select(agencies.c.id).where(agencies.c.code == code)).first() is None


def _logged(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code, "name": agency.name, "kind": agency.kind, "state": agency.state,
        "federal": agency.federal, "ori": agency.ori,
    }  # fmt: skip


def _agency(row: Any) -> Agency:
    m = row._mapping
    return Agency(
        id=m["id"], code=m["code"], name=m["name"], kind=m["kind"], state=m["state"],
        federal=bool(m["federal"]), ori=m["ori"], confirmed_at=m["confirmed_at"],
        confirmed_by=m["confirmed_by"],
    )  # fmt: skip
