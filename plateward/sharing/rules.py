"""Who may receive an agency's reads, and for what: pure rules, each refusal naming its rule.

California law lets an agency share ALPR information only with public agencies (Civil Code
1798.90.55(b)); the Attorney General reads that as California agencies only, never federal or
out-of-state ones (bulletin 2023-DLE-06); policy G.3 refuses any purpose of immigration
enforcement (and Government Code 7284.6 forbids it). Deployments outside California may allow
out-of-state, federal or private receivers in ``sharing.*``; immigration enforcement is refused
everywhere. The same rules run when a request is made, when it is approved, and again when a
registration or the settings change (``agreements.recheck``), so an agreement that would now
be refused ends instead of going on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from plateward.errors import InvalidInput

SEARCH_KINDS = (
    "exact", "partial", "tolerant", "timeline", "grid", "polygon", "stakeout", "cloned", "alerts",
)  # fmt: skip
"""What an agreement may let the receiver do with the owner's reads: each search kind, and
``alerts`` (the receiver's hot lists alerting on the owner's reads)."""

KIND_LABELS = {
    "exact": "exact plate", "partial": "partial plate", "tolerant": "look-alike plate",
    "timeline": "plate timeline", "grid": "grid (radius)", "polygon": "grid (polygon)",
    "stakeout": "stakeout", "cloned": "cloned plates", "alerts": "hot list alerts",
}  # fmt: skip

MIN_PURPOSE_CHARS = 10
MAX_PURPOSE_CHARS = 2000


@dataclass(frozen=True)
class AgencyFacts:
    """What the registry knows of an agency, as the rules need it."""

    code: str
    kind: str | None
    state: str | None
    federal: bool
    confirmed: bool


@dataclass(frozen=True)
class SharingPolicy:
    """The deployment's allowances (``sharing.*`` settings)."""

    home_state: str = "CA"
    share_out_of_state: bool = False
    share_with_federal: bool = False
    share_with_private: bool = False
    max_agreement_days: int = 365


@dataclass(frozen=True)
class Refusal:
    """Why sharing is refused: ``rule`` is a stable name, ``message`` says it to a person."""

    rule: str
    message: str


IMMIGRATION_TERMS = re.compile(
    r"\bimmigra|\bdeport|\bremoval proceeding|\bremovable\b|\bundocumented\b"
    r"|\billegal alien|\bunlawful(ly)? present|\bvisa overstay|\b287\s*\(?g\)?|\b8\s*U\.?S\.?C"
    r"|\bimmigration and customs|\bborder patrol\b|\bcitizenship status",
    re.IGNORECASE,
)
IMMIGRATION_AGENCIES = re.compile(r"\b(ICE|ERO|USCIS|CBP)\b")
"""Words that make a purpose one of immigration enforcement; the agencies' acronyms count only
in capitals, so "black ice" is not one."""


def is_immigration_purpose(purpose: str) -> bool:
    return bool(IMMIGRATION_TERMS.search(purpose) or IMMIGRATION_AGENCIES.search(purpose))


def check_purpose(purpose: str | None) -> str:
    """The purpose, cleaned; ``InvalidInput`` when it is missing or says nothing."""
    text = " ".join((purpose or "").split())
    if not text:
        raise InvalidInput(
            "sharing request: the purpose is missing; say what investigations the reads are"
            " for (policy G.4: the administrator evaluates each request)"
        )
    if len(text) < MIN_PURPOSE_CHARS or len(set(re.sub(r"[^a-z0-9]", "", text.lower()))) <= 2:
        raise InvalidInput(
            f"sharing request: purpose {text!r} says too little; describe the investigations"
        )
    if len(text) > MAX_PURPOSE_CHARS:
        raise InvalidInput(
            f"sharing request: the purpose is {len(text)} characters, over {MAX_PURPOSE_CHARS}"
        )
    return text


def refusal_to_share(
    owner: AgencyFacts, receiver: AgencyFacts, purpose: str, policy: SharingPolicy
) -> Refusal | None:
    """Why ``owner`` may not share its reads with ``receiver`` for ``purpose``; None: it may."""
    if owner.code == receiver.code:
        return Refusal("same_agency", f"agency {owner.code} already sees its own reads")
    for party in (owner, receiver):
        if not party.confirmed or party.kind is None or party.state is None:
            return Refusal(
                "registration_incomplete",
                f"agency {party.code}: its registration is not complete (kind, state, federal"
                " or not); an administrator completes it first (plateward agency edit)",
            )
    if is_immigration_purpose(purpose):
        return Refusal(
            "immigration_enforcement",
            "ALPR data is never shared for immigration enforcement (policy G.3, Government"
            " Code 7284.6)",
        )
    if receiver.kind == "private" and not policy.share_with_private:
        return Refusal(
            "private_entity",
            f"agency {receiver.code} is a private entity; ALPR information may be shared only"
            " with public agencies (Civil Code 1798.90.55(b))",
        )
    if receiver.federal and not policy.share_with_federal:
        return Refusal(
            "federal_agency",
            f"agency {receiver.code} is a federal agency; California agencies may not share ALPR"
            " information with federal agencies (Attorney General bulletin 2023-DLE-06)",
        )
    if receiver.state != policy.home_state and not policy.share_out_of_state:
        return Refusal(
            "out_of_state",
            f"agency {receiver.code} is in {receiver.state}, not {policy.home_state}; ALPR"
            " information may not be shared with out-of-state agencies (Attorney General"
            " bulletin 2023-DLE-06)",
        )
    return None


def check_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The search kinds, in the standard order; ``InvalidInput`` for none or an unknown one."""
    wanted = {k.strip().lower() for k in kinds if k.strip()}
    if not wanted:
        raise InvalidInput(
            f"sharing request: name at least one search kind ({', '.join(SEARCH_KINDS)})"
        )
    unknown = sorted(wanted - set(SEARCH_KINDS))
    if unknown:
        raise InvalidInput(
            f"sharing request: unknown search kind(s) {', '.join(unknown)}; use"
            f" {', '.join(SEARCH_KINDS)}"
        )
    return tuple(k for k in SEARCH_KINDS if k in wanted)


def check_window(
    reads_from: dt.datetime | None, reads_until: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The capture window of shared reads; both ends optional, start before end."""
    for name, moment in (("reads from", reads_from), ("reads until", reads_until)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidInput(f"sharing request: {name} {moment.isoformat()}: give a UTC offset")
    if reads_from is not None and reads_until is not None and reads_from >= reads_until:
        raise InvalidInput(
            f"sharing request: reads from {reads_from.isoformat()} is not before reads until"
            f" {reads_until.isoformat()}"
        )
    return (
        None if reads_from is None else reads_from.astimezone(dt.UTC),
        None if reads_until is None else reads_until.astimezone(dt.UTC),
    )


def check_end(ends_on: dt.date, today: dt.date, max_days: int) -> dt.date:
    """The last day the agreement runs: after today, within ``max_days``."""
    if ends_on <= today:
        raise InvalidInput(
            f"sharing request: it would end on {ends_on.isoformat()}, not after today"
            f" ({today.isoformat()})"
        )
    latest = today + dt.timedelta(days=max_days)
    if ends_on > latest:
        raise InvalidInput(
            f"sharing request: {ends_on.isoformat()} is more than {max_days} days away"
            f" (sharing.max_agreement_days); the latest end is {latest.isoformat()}"
        )
    return ends_on
