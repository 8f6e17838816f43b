"""Why a plate is on a hot list: the reason codes, and the one reason Plateward refuses.

Policy A.4 lists the uses (stolen and felony vehicles, wanted and missing persons, the AMBER,
Blue, Silver, Yellow and Feather alerts, BOLOs), and the FBI's NCIC extract for plate readers
adds the person files it carries (protection orders, gangs, supervised release, ...). Each
becomes a snake_case code. Immigration enforcement is refused outright: policy G.3 and
California Government Code 7284.6 forbid using the system for it, so an entry for that reason,
or a record from NCIC's Immigration Violator File, never reaches a list.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

from plateward.errors import InvalidInput


class Reason(StrEnum):
    STOLEN_VEHICLE = "stolen_vehicle"
    STOLEN_PLATE = "stolen_plate"
    FELONY_VEHICLE = "felony_vehicle"
    WANTED_PERSON = "wanted_person"
    MISSING_PERSON = "missing_person"
    AMBER_ALERT = "amber_alert"
    BLUE_ALERT = "blue_alert"
    SILVER_ALERT = "silver_alert"
    YELLOW_ALERT = "yellow_alert"
    FEATHER_ALERT = "feather_alert"
    BOLO = "bolo"
    PROTECTION_ORDER = "protection_order"
    GANG = "gang"
    SUPERVISED_RELEASE = "supervised_release"
    SEX_OFFENDER = "sex_offender"
    VIOLENT_PERSON = "violent_person"
    PROTECTIVE_INTEREST = "protective_interest"
    TERRORIST_SCREENING = "terrorist_screening"
    CUSTOM = "custom"


LABELS: dict[Reason, str] = {
    Reason.STOLEN_VEHICLE: "Stolen vehicle",
    Reason.STOLEN_PLATE: "Stolen plate",
    Reason.FELONY_VEHICLE: "Felony vehicle",
    Reason.WANTED_PERSON: "Wanted person",
    Reason.MISSING_PERSON: "Missing person",
    Reason.AMBER_ALERT: "AMBER Alert",
    Reason.BLUE_ALERT: "Blue Alert",
    Reason.SILVER_ALERT: "Silver Alert",
    Reason.YELLOW_ALERT: "Yellow Alert",
    Reason.FEATHER_ALERT: "Feather Alert",
    Reason.BOLO: "BOLO",
    Reason.PROTECTION_ORDER: "Protection order",
    Reason.GANG: "Gang member",
    Reason.SUPERVISED_RELEASE: "Supervised release",
    Reason.SEX_OFFENDER: "Registered sex offender",
    Reason.VIOLENT_PERSON: "Violent person",
    Reason.PROTECTIVE_INTEREST: "Protective interest",
    Reason.TERRORIST_SCREENING: "Threat screening",
    Reason.CUSTOM: "Custom",
}

DEFAULT_PRIORITY: dict[Reason, int] = {
    Reason.AMBER_ALERT: 1,
    Reason.BLUE_ALERT: 1,
    Reason.WANTED_PERSON: 1,
    Reason.FELONY_VEHICLE: 1,
    Reason.VIOLENT_PERSON: 1,
    Reason.TERRORIST_SCREENING: 1,
    Reason.MISSING_PERSON: 2,
    Reason.SILVER_ALERT: 2,
    Reason.YELLOW_ALERT: 2,
    Reason.FEATHER_ALERT: 2,
    Reason.STOLEN_VEHICLE: 2,
    Reason.PROTECTION_ORDER: 2,
    Reason.PROTECTIVE_INTEREST: 2,
    Reason.STOLEN_PLATE: 3,
    Reason.BOLO: 3,
    Reason.GANG: 3,
    Reason.SUPERVISED_RELEASE: 4,
    Reason.SEX_OFFENDER: 4,
    Reason.CUSTOM: 3,
}
"""1 is the most urgent; an entry may set its own."""


def reason_label(code: str) -> str:
    """The words for a reason code (a code no longer known is shown as it is)."""
    member = Reason._value2member_map_.get(code)
    return LABELS[Reason(code)] if member is not None else code


IMMIGRATION = "immigration"
IMMIGRATION_REFUSAL = (
    "immigration enforcement is not a permitted use of ALPR data"
    " (policy G.3, Government Code 7284.6)"
)


class ImmigrationRefused(InvalidInput):
    """An entry whose purpose is immigration enforcement: refused at entry and at import."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: {IMMIGRATION_REFUSAL}")


# What an NCIC record's message key (MKE) says, as the hit text spells it out, mapped to a
# reason. Checked in order: "STOLEN LICENSE PLATE" must win over "STOLEN VEHICLE"'s "STOLEN".
_NCIC_FILES: tuple[tuple[re.Pattern[str], Reason | None], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (r"IMMIGRATION|DEPORTED|ABSCONDER|NSEERS|ALIEN", None),
        (r"(STOLEN|FELONY).*(PLATE|LICENSE)|LICENSE PLATE", Reason.STOLEN_PLATE),
        (r"FELONY", Reason.FELONY_VEHICLE),
        (r"STOLEN|VEHICLE FILE", Reason.STOLEN_VEHICLE),
        (r"AMBER", Reason.AMBER_ALERT),
        (r"MISSING|ENDANGERED|JUVENILE|DISABILITY|INVOLUNTARY|CATASTROPHE", Reason.MISSING_PERSON),
        (r"PROTECTION ORDER|EXTREME RISK|ERPO", Reason.PROTECTION_ORDER),
        (r"PROTECTIVE INTEREST", Reason.PROTECTIVE_INTEREST),
        (r"WANTED|WARRANT|FUGITIVE", Reason.WANTED_PERSON),
        (r"GANG", Reason.GANG),
        (r"SUPERVISED RELEASE|PROBATION|PAROLE", Reason.SUPERVISED_RELEASE),
        (r"SEX OFFENDER|NSOR", Reason.SEX_OFFENDER),
        (r"VIOLENT PERSON", Reason.VIOLENT_PERSON),
        (r"TERRORIS|THREAT SCREENING|KST", Reason.TERRORIST_SCREENING),
    )
)

_CODE_ALIASES: dict[str, Reason] = {
    "stolen": Reason.STOLEN_VEHICLE,
    "amber": Reason.AMBER_ALERT,
    "blue": Reason.BLUE_ALERT,
    "silver": Reason.SILVER_ALERT,
    "yellow": Reason.YELLOW_ALERT,
    "feather": Reason.FEATHER_ALERT,
    "be_on_the_lookout": Reason.BOLO,
    "wanted": Reason.WANTED_PERSON,
    "missing": Reason.MISSING_PERSON,
}


def parse_reason(text: str, where: str) -> Reason:
    """A reason code from an entry form, a CSV column or an NCIC message key.

    Accepts the codes themselves (``stolen_vehicle``), their labels ("AMBER Alert"), and NCIC
    message key texts ("STOLEN VEHICLE", "MISSING PERSON - JUVENILE"). Raises
    ``ImmigrationRefused`` for immigration enforcement and ``InvalidInput`` naming the known codes
    for anything else it cannot place.
    """
    cleaned = text.strip()
    found = _reason_of(cleaned)
    if isinstance(found, Reason):
        return found
    if found == IMMIGRATION:
        raise ImmigrationRefused(where)
    if not cleaned:
        raise InvalidInput(f"{where}: reason missing; use one of {', '.join(Reason)}")
    raise InvalidInput(f"{where}: unknown reason {cleaned!r}; use one of {', '.join(Reason)}")


@functools.lru_cache(maxsize=4096)
def _reason_of(cleaned: str) -> Reason | str:
    """The reason a text names, or why none: ``immigration`` or ``unknown``.

    Cached: an extract of a million lines spells its reasons a handful of ways.
    """
    if not cleaned:
        return "unknown"
    code = re.sub(r"[^a-z0-9]+", "_", cleaned.lower()).strip("_")
    if IMMIGRATION in code:
        return IMMIGRATION
    for suffix in ("", "_alert"):
        member = Reason._value2member_map_.get(code + suffix)
        if member is not None:
            return Reason(code + suffix)
    if code in _CODE_ALIASES:
        return _CODE_ALIASES[code]
    for reason, label in LABELS.items():
        if cleaned.casefold() == label.casefold():
            return reason
    upper = cleaned.upper()
    for pattern, mapped in _NCIC_FILES:
        if pattern.search(upper):
            return IMMIGRATION if mapped is None else mapped
    return "unknown"
