"""The notice to the people whose data was exposed, drafted from the incident record.

Civil Code 1798.29(d) sets its form: plain language, titled "Notice of Data Breach", under the
headings "What Happened", "What Information Was Involved", "What We Are Doing", "What You Can
Do" and "For More Information", giving the agency's name and contact, the kinds of personal
information involved, the date or range of the breach when it can be told, the date of the
notice, whether a law enforcement investigation delayed it, and a general description. This
module writes that draft from the record as pure text, names what the record still lacks
(``missing``), and reminds the team of the duties around it (``reminders``), among them the
Attorney General's sample copy when more than 500 California residents are notified (1798.29(e)).
ALPR data is personal information under 1798.29(g), which is why the policy has this form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plateward.governance.breaches.incidents import Incident
from plateward.governance.breaches.rules import (
    ATTORNEY_GENERAL_THRESHOLD,
    PLAIN_WORDS,
    DataKind,
    needs_attorney_general_copy,
)

TITLE = "Notice of Data Breach"
HEADINGS = (
    "What Happened",
    "What Information Was Involved",
    "What We Are Doing",
    "What You Can Do",
    "For More Information",
)
ATTORNEY_GENERAL_URL = "https://oag.ca.gov/privacy/databreach/reporting"


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    title: str
    agency_name: str
    dated: dt.date
    sections: tuple[Section, ...]
    missing: tuple[str, ...]
    """What the record lacks before the notice can go out; each shows as [brackets] in the text."""
    reminders: tuple[str, ...]

    def text(self) -> str:
        lines = [self.title.upper(), self.agency_name, f"Date of this notice: {_day(self.dated)}"]
        for section in self.sections:
            lines += ["", section.heading, "-" * len(section.heading)]
            for paragraph in section.paragraphs:
                lines += [paragraph, ""]
            lines.pop()
        return "\n".join(lines) + "\n"


def draft_notice(incident: Incident, dated: dt.date) -> Notice:
    f = incident.fields
    missing: list[str] = []

    happened = [f.what_happened.rstrip(".") + "."]
    if f.occurred_from and f.occurred_to and f.occurred_from.date() == f.occurred_to.date():
        happened.append(f"The breach happened on {_day(f.occurred_from.date())}.")
    elif f.occurred_from and f.occurred_to:
        happened.append(
            f"The breach happened between {_day(f.occurred_from.date())} and"
            f" {_day(f.occurred_to.date())}."
        )
    elif f.occurred_from:
        happened.append(f"The breach began on or about {_day(f.occurred_from.date())}.")
    else:
        happened.append("We have not been able to tell yet when the breach happened.")
    happened.append(f"We discovered it on {_day(f.discovered_at.date())}.")
    if f.law_enforcement_delay:
        happened.append(
            "This notice was delayed because a law enforcement agency told us that notifying"
            f" sooner would impede a criminal investigation. {f.law_enforcement_delay}"
        )
    else:
        happened.append("This notice was not delayed by a law enforcement investigation.")

    kinds = [DataKind(k) for k in f.data_kinds]
    involved = ["The information involved was:"]
    involved += [f"- {PLAIN_WORDS[k]}" for k in kinds]
    if f.data_involved:
        involved.append(f.data_involved)
    until = _day(f.data_to.date()) if f.data_to else "the present"
    involved.append(f"It was collected between {_day(f.data_from.date())} and {until}.")
    if DataKind.PLATE_READS in kinds or DataKind.PLATE_IMAGES in kinds:
        involved.append(
            "License plate information does not include the name or address of a vehicle's"
            " owner or any registration details."
        )

    doing = [f.containment] if f.containment else [_blank("the steps taken to contain the breach")]
    if not f.containment:
        missing.append("containment: what was done to contain the breach and prevent another")
    doing.append(
        "We keep a record of every access to this information (Civil Code 1798.90.52) and are"
        " reviewing it to learn who viewed the information."
    )

    can_do = [f.what_you_can_do] if f.what_you_can_do else _default_advice(kinds)

    reach = (f.contact or "").rstrip(".") or _blank(
        "telephone number, postal address and e-mail or web address"
    )
    more = [f"If you have questions, please contact {incident.agency_name}: {reach}."]
    if not f.contact:
        missing.append("contact: how people reach the agency about this notice")

    sections = tuple(
        Section(heading, tuple(paragraphs))
        for heading, paragraphs in zip(
            HEADINGS, (happened, involved, doing, can_do, more), strict=True
        )
    )
    return Notice(
        title=TITLE,
        agency_name=incident.agency_name,
        dated=dated,
        sections=sections,
        missing=tuple(missing),
        reminders=tuple(_reminders(incident)),
    )


def _default_advice(kinds: list[DataKind]) -> list[str]:
    advice = []
    if DataKind.ACCOUNTS in kinds:
        advice.append(
            "If you have an account on our license plate recognition system, change your"
            " password now, and change it anywhere else you used the same password."
        )
    if set(kinds) - {DataKind.ACCOUNTS}:
        advice.append(
            "You do not need to do anything about the license plate information. If you think"
            " someone has used it to follow or contact you, tell us or your local police."
        )
    return advice


def _reminders(incident: Incident) -> list[str]:
    f = incident.fields
    out = [
        (
            "Send the notice in the most expedient time possible and without unreasonable delay"
            " (Civil Code 1798.29(a))."
        ),
        "Print the title and headings clearly, in type of at least 10 points (1798.29(d)(1)).",
    ]
    if needs_attorney_general_copy(f.people_affected):
        sent = (
            f" Sent on {_day(f.attorney_general_notified_on)}."
            if f.attorney_general_notified_on
            else " Not recorded as sent yet."
        )
        out.append(
            f"{f.people_affected} California residents are affected, more than"
            f" {ATTORNEY_GENERAL_THRESHOLD}: submit one sample copy of this notice, without any"
            f" personal information, to the Attorney General electronically (Civil Code"
            f" 1798.29(e); {ATTORNEY_GENERAL_URL}).{sent}"
        )
    elif f.people_affected is None:
        out.append(
            "The number of people affected is not known yet: if more than"
            f" {ATTORNEY_GENERAL_THRESHOLD} California residents are notified, a sample copy"
            " of the notice goes to the Attorney General (Civil Code 1798.29(e))."
        )
    if f.law_enforcement_delay and f.notice_sent_on is None:
        out.append(
            "Notice may wait only while the law enforcement agency finds it would impede a"
            " criminal investigation; send it as soon as that agency says it no longer would"
            " (Civil Code 1798.29(c))."
        )
    return out


def _blank(what: str) -> str:
    return f"[{what}]"


def _day(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
