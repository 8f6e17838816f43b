"""Semi-annual audits (policy H): sampling, reviews, reports and the due/overdue schedule."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select
from typer.testing import CliRunner

from plateward.access.users import add_user, issue_token
from plateward.audit.actor import Actor
from plateward.audit.due import State, audit_status
from plateward.audit.log import Entry, append
from plateward.audit.periods import Period, parse_period, period_of
from plateward.audit.report import CSV_COLUMNS, render_csv, render_html
from plateward.audit.reviews import (
    Verdict,
    audit_detail,
    audit_summary,
    close_audit,
    parse_verdict,
    review_item,
)
from plateward.audit.sampling import draw, is_inquiry, population_ids, sample_audit
from plateward.audit.schema import access_log
from plateward.audit.verify import verify_log
from plateward.cli import app
from plateward.errors import InvalidInput, NotFound
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade

PASSWORD = "correct horse saddle 1987"
H1 = Period(2026, 1)
AFTER_2026H1 = dt.datetime(2026, 7, 10, 9, tzinfo=dt.UTC)
AUDITOR = Actor("auditor1", "CCSO")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for name, role in (
            ("auditor1", "auditor"),
            ("ia1", "internal_affairs"),
            ("deputy1", "user"),
        ):
            person = add_user(connection, username=name, full_name=name, role=role,
                              agency_id=agency, password=PASSWORD)  # fmt: skip
            TOKENS[name] = issue_token(connection, person.id, "console")
    yield engine
    engine.dispose()


def log(
    connection: Connection, at: dt.datetime, action: str = "search.plate", username: str = "deputy1",
    reason: str = "stolen vehicle report 26-1187", case_number: str | None = None,
) -> int:  # fmt: skip
    entry = Entry(username=username, agency="CCSO", action=action, query={"plate": "7ABC123"},
                  reason=reason, case_number=case_number, result_count=1)  # fmt: skip
    return append(connection, entry, at=at)


def inquiries(engine: Engine, count: int, start: dt.datetime) -> list[int]:
    with engine.begin() as connection:
        return [
            log(connection, start + dt.timedelta(hours=k), username=f"deputy{k % 3}")
            for k in range(count)
        ]


def sample(
    engine: Engine, period: Period = H1, size: int = 10, seed: int | None = None
) -> list[int]:
    with engine.begin() as connection:
        drawn = sample_audit(
            connection, period=period, size=size, seed=seed, actor=AUDITOR, now=AFTER_2026H1
        )
    return drawn.entry_ids


TOKENS: dict[str, str] = {}
"""Each account's API token, made by the engine fixture: ``--by NAME`` below stands for it."""


def cli(*args: str) -> tuple[int, str]:
    """The command, acting as the account ``--by`` names (console commands take its token)."""
    words = list(args)
    if "--by" in words:
        at = words.index("--by")
        words[at : at + 2] = ["--token", TOKENS[words[at + 1]]]
    done = CliRunner().invoke(app, words)
    if done.exception and not isinstance(done.exception, SystemExit):
        raise done.exception
    return done.exit_code, done.output


# --- sampling ---------------------------------------------------------------------------------


def test_same_seed_same_sample_and_another_seed_another(engine: Engine) -> None:
    ids = inquiries(engine, 40, dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    first, again, other = sample(engine, seed=7), sample(engine, seed=7), sample(engine, seed=8)
    assert len(first) == 10
    assert first == again
    assert first != other
    # Redrawable without Plateward: rank by SHA-256("seed:id"), keep the lowest ten.
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"7:{i}".encode()).digest())
    assert first == sorted(ranked[:10])
    # The default seed comes from the period's inquiries, so a past period redraws the same.
    with engine.begin() as connection:
        a = sample_audit(connection, period=H1, size=10, actor=AUDITOR, now=AFTER_2026H1)
        b = sample_audit(connection, period=H1, size=10, actor=AUDITOR, now=AFTER_2026H1)
    assert a.seed_was_default and a.seed == b.seed and a.entry_ids == b.entry_ids


def test_a_stored_audit_redraws_the_same_after_more_entries_are_logged(engine: Engine) -> None:
    inquiries(engine, 20, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    with engine.begin() as connection:
        drawn = sample_audit(connection, period=H1, size=5, seed=3, actor=AUDITOR, now=AFTER_2026H1)
    inquiries(engine, 20, dt.datetime(2026, 4, 1, tzinfo=dt.UTC))  # e.g. a late import
    with engine.connect() as connection:
        stored = audit_summary(connection, drawn.audit_id)
        population = population_ids(connection, H1, stored.through_entry_id)
    assert stored.population == len(population) == 20
    assert draw(population, stored.seed, stored.sample_size) == drawn.entry_ids


def test_period_boundaries_are_utc_half_years(engine: Engine) -> None:
    with engine.begin() as connection:
        last_h1 = log(connection, dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC))
        first_h2 = log(connection, dt.datetime(2026, 7, 1, 0, 0, 0, tzinfo=dt.UTC))
        # 2026-07-01 01:00 in Berlin is still June 30 in UTC: H1.
        berlin = dt.timezone(dt.timedelta(hours=2))
        late_june = log(connection, dt.datetime(2026, 7, 1, 1, 0, tzinfo=berlin))
    later = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
    with engine.begin() as connection:
        h1 = sample_audit(connection, period=H1, size=50, seed=1, actor=AUDITOR, now=later)
        h2 = sample_audit(
            connection, period=Period(2026, 2), size=50, seed=1, actor=AUDITOR, now=later
        )
    assert h1.entry_ids == [last_h1, late_june]
    assert h2.entry_ids == [first_h2]
    assert period_of(dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC)) == H1
    assert period_of(dt.datetime(2026, 7, 1, tzinfo=dt.UTC)) == Period(2026, 2)
    assert (Period(2026, 2).start, Period(2026, 2).end) == (
        dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize("text", ["2026", "2026H3", "H1 2026", "26H1", "2026-H1", ""])
def test_malformed_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="e.g. 2026H2"):
        parse_period(text)
    assert parse_period(" 2026h2 ") == Period(2026, 2)


def test_a_period_not_yet_started_cannot_be_sampled(engine: Engine) -> None:
    with engine.begin() as connection, pytest.raises(InvalidInput, match="has not started"):
        sample_audit(connection, period=Period(2027, 1), size=5, actor=AUDITOR, now=AFTER_2026H1)


@pytest.mark.parametrize(
    ("action", "inquiry"),
    [
        ("search.plate", True), ("search.grid", True), ("search.stakeout", True),
        ("read.view", True), ("image.view", True), ("export.csv", True),
        ("audit.sample", False), ("audit.read_log", False), ("user.login", False),
        ("hotlist.edit", False), ("searching", False), ("read.edit", False),
    ],
)  # fmt: skip
def test_what_counts_as_an_inquiry(action: str, inquiry: bool) -> None:
    assert is_inquiry(action) is inquiry


def test_only_inquiries_are_sampled(engine: Engine) -> None:
    when = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    actions = ["search.plate", "read.view", "image.view", "export.csv", "audit.sample",
               "audit.review", "user.login", "hotlist.edit", "search_plate"]  # fmt: skip
    with engine.begin() as connection:
        ids = {action: log(connection, when, action=action) for action in actions}
    sampled = sample(engine, size=100, seed=5)
    assert sampled == [ids[a] for a in ("search.plate", "read.view", "image.view", "export.csv")]


def test_fewer_inquiries_than_asked_takes_all_and_says_so(
    engine: Engine, database_url: str
) -> None:
    inquiries(engine, 3, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    code, out = cli("audit", "sample", "--period", "2026H1", "--size", "10", "--by", "auditor1",
                    "--db", database_url)  # fmt: skip
    assert code == 0, out
    assert "only 3 inquiries in 2026H1, fewer than the 10 asked for" in out
    assert "derived from the period" in out
    assert out.count("\tsearch.plate\t") == 3
    code, out = cli("audit", "sample", "--period", "2026H1", "--size", "2", "--seed", "11",
                    "--by", "ia1", "--db", database_url)  # fmt: skip
    assert code == 0, out
    assert "seed 11 (given)" in out and "sampled 2 of 3 inquiries" in out
    code, out = cli("audit", "sample", "--period", "2026H1", "--size", "2", "--by", "deputy1",
                    "--db", database_url)  # fmt: skip
    assert code == 1 and "role user may not review_audit" in out


# --- reviews ----------------------------------------------------------------------------------


def test_review_verdicts_are_validated(engine: Engine, database_url: str) -> None:
    with engine.begin() as connection:
        mine = log(connection, dt.datetime(2026, 5, 1, tzinfo=dt.UTC), username="auditor1")
    entry, *_ = inquiries(engine, 3, dt.datetime(2026, 5, 2, tzinfo=dt.UTC))
    sample(engine, size=10, seed=1)
    with pytest.raises(InvalidInput, match="must be one of compliant, not_compliant, follow_up"):
        parse_verdict("fine")
    assert parse_verdict(" Not_Compliant ") is Verdict.NOT_COMPLIANT
    with engine.begin() as connection:
        for verdict in (Verdict.NOT_COMPLIANT, Verdict.FOLLOW_UP):
            with pytest.raises(InvalidInput, match="write notes"):
                review_item(connection, audit_id=1, entry_id=entry, verdict=verdict, notes="  ",
                            actor=AUDITOR)  # fmt: skip
        with pytest.raises(InvalidInput, match="own inquiry"):
            review_item(connection, audit_id=1, entry_id=mine, verdict=Verdict.COMPLIANT,
                        notes=None, actor=AUDITOR)  # fmt: skip
        with pytest.raises(NotFound, match="not in audit 1"):
            review_item(connection, audit_id=1, entry_id=999, verdict=Verdict.COMPLIANT,
                        notes=None, actor=AUDITOR)  # fmt: skip
        with pytest.raises(NotFound, match="audit 9: no such audit"):
            review_item(connection, audit_id=9, entry_id=entry, verdict=Verdict.COMPLIANT,
                        notes=None, actor=AUDITOR)  # fmt: skip
    code, out = cli("audit", "review", "1", str(entry), "--verdict", "okay", "--by", "auditor1",
                    "--db", database_url)  # fmt: skip
    assert code == 1 and "verdict 'okay'" in out
    code, out = cli("audit", "review", "1", str(entry), "--verdict", "compliant", "--by", "deputy1",
                    "--db", database_url)  # fmt: skip
    assert code == 1 and "may not review_audit" in out
    code, out = cli("audit", "review", "1", str(entry), "--verdict", "follow_up", "--notes",
                    "ask about the case number", "--by", "ia1", "--db", database_url)  # fmt: skip
    assert code == 0, out
    assert f"entry {entry} (deputy0) follow_up" in out


def test_an_audit_closes_only_when_every_entry_is_judged_and_then_freezes(engine: Engine) -> None:
    ids = inquiries(engine, 2, dt.datetime(2026, 5, 2, tzinfo=dt.UTC))
    sample(engine, size=10, seed=1)
    with engine.begin() as connection:
        review_item(connection, audit_id=1, entry_id=ids[0], verdict=Verdict.COMPLIANT,
                    notes=None, actor=AUDITOR)  # fmt: skip
        with pytest.raises(InvalidInput, match="1 of 2 entries have no verdict"):
            close_audit(connection, audit_id=1, actor=AUDITOR)
        review_item(connection, audit_id=1, entry_id=ids[1], verdict=Verdict.COMPLIANT,
                    notes=None, actor=AUDITOR)  # fmt: skip
        closed = close_audit(connection, audit_id=1, actor=AUDITOR)
        assert closed.closed_by == "auditor1" and closed.reviewed == 2
        with pytest.raises(InvalidInput, match="closed on"):
            review_item(connection, audit_id=1, entry_id=ids[0], verdict=Verdict.FOLLOW_UP,
                        notes="second thoughts", actor=AUDITOR)  # fmt: skip


# --- reports ----------------------------------------------------------------------------------


def reviewed_audit(engine: Engine) -> dict[str, int]:
    """deputy0: one not compliant, one unreviewed; deputy1: compliant; deputy2: follow-up."""
    with engine.begin() as connection:
        day = dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
        ids = {
            "d0a": log(connection, day, username="deputy0", reason='=HYPERLINK("http://x")'),
            "d0b": log(connection, day, username="deputy0"),
            "d1": log(connection, day, username="deputy1", case_number="26-000123"),
            "d2": log(connection, day, username="deputy2", reason="<b>curious</b>"),
        }
    sample(engine, size=10, seed=2)
    with engine.begin() as connection:
        for key, verdict, notes in (
            ("d0a", Verdict.NOT_COMPLIANT, "<script>alert('x')</script> ex-partner's car"),
            ("d1", Verdict.COMPLIANT, None),
            ("d2", Verdict.FOLLOW_UP, "-ask sergeant"),
        ):
            review_item(connection, audit_id=1, entry_id=ids[key], verdict=verdict, notes=notes,
                        actor=AUDITOR)  # fmt: skip
    return ids


def test_html_report_has_findings_per_user_and_escapes_user_text(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    reviewed_audit(engine)
    with engine.connect() as connection:
        html = render_html(audit_detail(connection, 1))
    assert "<script>" not in html and "<b>curious</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;curious&lt;/b&gt;" in html
    findings = html.split('<table id="findings">')[1].split("</table>")[0]
    cells = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in findings.split("<tr>")[2:]
    ]
    # user: sampled, compliant, not compliant, follow-up, unreviewed; findings against first.
    counts = {row[0]: row[2:] for row in cells}
    assert counts == {
        "deputy0": ["2", "0", "1", "0", "1"],
        "deputy2": ["1", "0", "0", "1", "0"],
        "deputy1": ["1", "1", "0", "0", "0"],
    }
    assert list(counts) == ["deputy0", "deputy2", "deputy1"]
    out = tmp_path / "report.html"
    code, said = cli("audit", "report", "1", "--format", "html", "--output", str(out),
                     "--by", "ia1", "--db", database_url)  # fmt: skip
    assert code == 0, said
    assert out.read_text(encoding="utf-8") == html


def test_csv_report_columns_and_formula_cells(engine: Engine, database_url: str) -> None:
    ids = reviewed_audit(engine)
    with engine.connect() as connection:
        text = render_csv(audit_detail(connection, 1))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_entry = {int(r["entry_id"]): r for r in rows}
    assert by_entry[ids["d0a"]]["verdict"] == "not_compliant"
    assert by_entry[ids["d0a"]]["reason"] == '\'=HYPERLINK("http://x")'
    assert by_entry[ids["d2"]]["notes"] == "'-ask sergeant"
    assert by_entry[ids["d0b"]]["verdict"] == ""
    assert by_entry[ids["d1"]]["case_number"] == "26-000123"
    assert [r["username"] for r in rows] == ["deputy0", "deputy0", "deputy2", "deputy1"]
    code, out = cli("audit", "report", "1", "--format", "csv", "--by", "ia1", "--db", database_url)
    assert code == 0, out
    assert out.replace("\r\n", "\n") == text.replace("\r\n", "\n")


# --- due and overdue --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "previous", "previous_state"),
    [
        (dt.date(2026, 7, 1), "2026H1", State.DUE),
        (dt.date(2026, 7, 30), "2026H1", State.DUE),
        (dt.date(2026, 7, 31), "2026H1", State.OVERDUE),
        (dt.date(2026, 12, 31), "2026H1", State.OVERDUE),
        (dt.date(2027, 1, 30), "2026H2", State.DUE),
        (dt.date(2027, 1, 31), "2026H2", State.OVERDUE),
    ],
)
def test_the_previous_half_is_due_for_30_days_then_overdue(
    engine: Engine, today: dt.date, previous: str, previous_state: State
) -> None:
    with engine.connect() as connection:
        status = audit_status(connection, today)
    assert (status.previous.period, status.previous.state) == (previous, previous_state)
    assert status.current.state is State.NOT_DUE
    assert status.previous.audit_ids == []


def test_only_a_closed_audit_drawn_after_the_period_makes_it_done(
    engine: Engine, database_url: str
) -> None:
    (entry,) = inquiries(engine, 1, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    with engine.begin() as connection:
        early = sample_audit(connection, period=H1, size=5, seed=1, actor=AUDITOR,
                             now=dt.datetime(2026, 6, 15, tzinfo=dt.UTC))  # fmt: skip
        review_item(connection, audit_id=early.audit_id, entry_id=entry,
                    verdict=Verdict.COMPLIANT, notes=None, actor=AUDITOR)  # fmt: skip
        close_audit(connection, audit_id=early.audit_id, actor=AUDITOR)
        late = sample_audit(connection, period=H1, size=5, seed=1, actor=AUDITOR, now=AFTER_2026H1)
    august = dt.date(2026, 8, 15)
    with engine.connect() as connection:
        status = audit_status(connection, august)
    assert status.previous.state is State.OVERDUE  # the spot check could not cover late June
    assert status.previous.audit_ids == [early.audit_id, late.audit_id]
    code, out = cli("audit", "status", "--today", "2026-08-15", "--db", database_url)
    assert code == 0, out
    assert "previous 2026H1 (2026-01-01 to 2026-06-30): overdue; due by 2026-07-30" in out
    assert "current  2026H2 (2026-07-01 to 2026-12-31): not due" in out
    with engine.begin() as connection:
        review_item(connection, audit_id=late.audit_id, entry_id=entry,
                    verdict=Verdict.COMPLIANT, notes=None, actor=AUDITOR)  # fmt: skip
        close_audit(connection, audit_id=late.audit_id, actor=AUDITOR)
        status = audit_status(connection, august)
    assert status.previous.state is State.DONE
    assert status.previous.closed_audit_id == late.audit_id


# --- the auditors are audited -----------------------------------------------------------------


def test_audit_actions_are_logged_and_the_chain_still_verifies(
    engine: Engine, database_url: str
) -> None:
    (entry,) = inquiries(engine, 1, dt.datetime(2026, 2, 2, tzinfo=dt.UTC))
    for args in (
        ("sample", "--period", "2026H1", "--size", "5", "--by", "auditor1"),
        ("review", "1", str(entry), "--verdict", "compliant", "--by", "auditor1"),
        ("close", "1", "--by", "ia1"),
        ("report", "1", "--format", "csv", "--by", "ia1"),
        ("verify",),
    ):
        code, out = cli("audit", *args, "--db", database_url)
        assert code == 0, out
    with engine.connect() as connection:
        rows = connection.execute(
            select(access_log.c.username, access_log.c.action, access_log.c.query)
            .where(access_log.c.id > entry)
            .order_by(access_log.c.id)
        ).all()
        assert verify_log(connection).intact
    assert [(r.username, r.action) for r in rows] == [
        ("auditor1", "audit.sample"),
        ("auditor1", "audit.review"),
        ("ia1", "audit.close"),
        ("ia1", "audit.report"),
    ]
    assert rows[1].query == {"audit": 1, "entry": entry, "verdict": "compliant"}
