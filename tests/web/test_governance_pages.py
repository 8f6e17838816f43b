"""The governance pages over real HTTP, on SQLite and PostgreSQL: what the home page flags,
the incident page's accesses and notice, and files refused or kept; and, in Chromium on SQLite,
every governance page with records on it checked by axe-core.

Who may open each page is test_page_guards.py's role x page matrix, which reads every page's
``page_for`` action, and test_browser_matrix.py's walk in Chromium.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, update

from plateward.access.roles import Role
from plateward.access.users import add_user, user_by_name
from plateward.audit.actor import Actor
from plateward.audit.log import Entry, append
from plateward.audit.schema import access_log
from plateward.governance.breaches.incidents import IncidentFields, attach_file, record_incident
from plateward.governance.equipment.schema import maintenance_events, maintenance_tickets
from plateward.governance.equipment.tickets import assess_ticket, report_problem
from plateward.governance.equipment.vehicles import place_camera, register_vehicle
from plateward.governance.files import AttachmentFiles
from plateward.governance.health.checks import run_check
from plateward.governance.records.requests import attach_file as attach_request_file
from plateward.governance.records.requests import submit_request
from plateward.settings import Settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import cameras
from tests.web.browsing import sign_in

PASSWORD = "lantern quartz meadow 58"
NOW = dt.datetime.now(dt.UTC)
PDF = b"%PDF-1.4 letter\n%%EOF\n"

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]


@pytest.fixture
def world(settings: Settings, server: str) -> Engine:
    """A person of every role, and one of each governance record, numbered 1."""
    engine = open_database(settings.database_url())
    upgrade(engine)
    files = AttachmentFiles(settings.data_dir / "attachments", 100_000)
    admin = Actor("seed", "CCSO")
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        for role in Role:
            add_user(
                connection,
                username=f"gov_{role.value}",
                full_name=f"{role.value} one",
                role=role.value,
                agency_id=agency,
                password=PASSWORD,
            )
        add_camera(
            connection,
            agency_id=agency,
            code="POLE-1",
            name="Main St",
            latitude=38.5,
            longitude=-121.5,
        )
        connection.execute(update(cameras).values(created_at=NOW - dt.timedelta(days=2)))
        submit_request(
            connection,
            received_on=NOW.date() - dt.timedelta(days=30),
            channel="mail",
            requester_name="Dana Reporter",
            requester_contact="dana@example.org",
            reply_by="email",
            description="All camera sites",
            actor=admin,
            today=NOW.date(),
        )
        attach_request_file(
            connection, files, 1, part="request", file_name="letter.pdf", data=PDF, actor=admin
        )
        record_incident(
            connection,
            IncidentFields(
                title="Lost stick",
                discovered_at=NOW - dt.timedelta(hours=3),
                discovered_by="TSU",
                what_happened="A USB stick with an export was lost.",
                systems_involved="export",
                data_kinds=("plate_reads",),
                data_from=NOW - dt.timedelta(days=20),
            ),
            agency_code="CCSO",
            actor=admin,
        )
        attach_file(connection, files, 1, file_name="report.pdf", data=PDF, actor=admin)
        register_vehicle(
            connection,
            unit_number="4471",
            description="Interceptor",
            agency_code="CCSO",
            actor=admin,
        )
        report_problem(connection, problem="Lens cracked", actor=admin, camera="POLE-1")
        run_check(connection, settings.camera_health)  # POLE-1 has been silent for two days
    return engine


def test_the_home_page_flags_what_each_role_answers_for(
    world: Engine, http_sign_in: SignIn
) -> None:
    def home(role: str) -> str:
        client, _ = http_sign_in(f"gov_{role}", PASSWORD)
        return client.get("/").text

    deputy = home("user")
    assert 'href="/records/new"' in deputy and 'href="/records"' not in deputy
    assert 'id="flags"' not in deputy
    ia = home("internal_affairs")
    assert "1 records request overdue" in ia and 'href="/records"' in ia
    assert "Camera POLE-1" not in ia
    admin = home("administrator")
    assert "1 records request overdue" in admin
    assert "Camera POLE-1 silent" in admin
    assert "1 equipment problem reported, to assess" in admin
    assert "waiting for your authorization" not in admin
    assert 'href="/camera-health"' in admin and 'href="/breaches"' in admin
    auditor = home("auditor")
    assert 'href="/equipment"' in auditor and 'id="flags"' not in auditor


def test_the_incident_page_lists_the_accesses_with_the_logs_verification(
    world: Engine, http_sign_in: SignIn, token_in: Callable[[str], str]
) -> None:
    with world.begin() as connection:
        append(
            connection,
            Entry(
                username="deputy9",
                agency="CCSO",
                action="search.plate",
                query={"plate": "7ABC123"},
                case_number="26-000777",
                reason="<b>stolen</b> vehicle",
                result_count=2,
            ),
        )
    client, _ = http_sign_in("gov_internal_affairs", PASSWORD)
    page = client.get("/breaches/1").text
    assert "Access log verified" in page and "1 inquiry could have touched this data" in page
    assert "deputy9" in page and "26-000777" in page
    assert "&lt;b&gt;stolen&lt;/b&gt;" in page and "<b>stolen" not in page
    csrf = token_in(page)
    wrong = client.post(
        "/breaches/1/edit",
        data={
            "csrf_token": csrf,
            "occurred_from": (NOW - dt.timedelta(hours=1)).isoformat(timespec="minutes"),
        },
    )
    assert wrong.status_code == 400 and "before occurred_from" in wrong.text
    saved = client.post(
        "/breaches/1/edit",
        data={
            "csrf_token": csrf,
            "people_affected": "640",
            "containment": "Export keys revoked.",
            "contact": "555-0100",
        },
    )
    assert saved.status_code == 303
    notice = client.get("/breaches/1/notice").text
    assert "640 California residents" in notice and "Attorney General" in notice
    assert notice.index("What Happened") < notice.index("For More Information")
    with world.connect() as connection:
        actions = [
            r.action
            for r in connection.execute(
                select(access_log.c.action).where(access_log.c.username == "gov_internal_affairs")
            )
        ]
    assert actions[:3] == ["login", "breach.view", "breach.accesses"]
    assert "breach.edit" in actions and actions[-1] == "breach.notice"


def test_a_file_too_big_is_refused_and_nothing_is_kept(
    world: Engine, http_sign_in: SignIn, token_in: Callable[[str], str], settings: Settings
) -> None:
    client, _ = http_sign_in("gov_internal_affairs", PASSWORD)
    csrf = token_in(client.get("/records/1").text)
    limit = settings.records.max_file_bytes
    refused = client.post(
        "/records/1/files",
        data={"csrf_token": csrf, "part": "response"},
        files={"file": ("big.bin", b"x" * (limit + 1))},
    )
    assert refused.status_code == 400 and f"over the {limit} byte limit" in refused.text
    kept = client.post(
        "/records/1/files",
        data={"csrf_token": csrf, "part": "response"},
        files={"file": ("reply.txt", b"Dear Dana, the sites are attached.")},
    )
    assert kept.status_code == 303
    page = client.get("/records/1").text
    assert "reply.txt" in page and "big.bin" not in page
    assert client.get("/records/1/files/2").content == b"Dear Dana, the sites are attached."


def test_the_ticket_page_refuses_work_before_the_repair_is_authorized(
    world: Engine, http_sign_in: SignIn, token_in: Callable[[str], str]
) -> None:
    """The page offers no start form until work may start (browser test); a form posted anyway
    is refused by the server, and neither the ticket nor its history changes."""
    client, _ = http_sign_in("gov_administrator", PASSWORD)
    page = client.get("/maintenance/1").text
    assert 'id="start-form"' not in page and "Waiting for the administrator to assess" in page
    csrf = token_in(page)

    def start() -> httpx.Response:
        return client.post(
            "/maintenance/1/start", data={"csrf_token": csrf, "performed_by": "TSU: J. Park"}
        )

    def state() -> tuple[object, ...]:
        with world.connect() as connection:
            ticket = connection.execute(select(maintenance_tickets)).one()
            events = connection.execute(select(func.count()).select_from(maintenance_events))
            return (ticket.status, ticket.performed_by, ticket.started_at, events.scalar())

    before = state()
    unassessed = start()
    assert unassessed.status_code == 400 and "assess it first" in unassessed.text
    assert state() == before
    client.post("/maintenance/1/assess", data={"csrf_token": csrf, "kind": "repair"})
    assessed = state()
    page = client.get("/maintenance/1").text
    assert 'id="start-form"' not in page and "authorizes it (policy E.1)" in page
    unauthorized = start()
    assert unauthorized.status_code == 400
    assert "authorization (policy E.1)" in unauthorized.text
    assert state() == assessed and assessed[0] == "open"
    client.post("/maintenance/1/authorize", data={"csrf_token": csrf, "note": "approved"})
    page = client.get("/maintenance/1").text
    assert 'id="start-form"' in page and 'id="waiting"' not in page
    assert start().status_code == 303
    assert state()[:2] == ("started", "TSU: J. Park")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_governance_pages_with_records_on_them_pass_axe(
    world: Engine,
    browser: Any,
    server: str,
    train: Callable[..., None],
    check_page: Callable[..., None],
) -> None:
    """test_browser_matrix.py checks each page as the matrix's empty agency shows it; here each
    one carries a row of every kind (an overdue request, an incident, a vehicle with its camera,
    a qualified operator, a repair waiting, a silence notice), the flags on the home page and the
    deputy's receipt, where tables, badges and inline forms could break contrast or labels."""
    admin = Actor("seed", "CCSO")
    with world.begin() as connection:
        agency = connection.execute(select(cameras.c.agency_id)).scalar_one()
        add_camera(
            connection,
            agency_id=agency,
            code="UNIT-4471",
            name="Car 4471 left",
            kind="vehicle",
            vehicle_id="4471",
        )
        place_camera(connection, "UNIT-4471", actor=admin, vehicle="4471")
        train(connection, user_by_name(connection, "gov_user").id)
        assess_ticket(connection, 1, kind="repair", actor=admin, note="new lens")

    def signed_in(username: str) -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, server, username, PASSWORD)
        return page

    ia = signed_in("gov_internal_affairs")
    assert "1 records request overdue" in ia.inner_text("#flags")
    check_page(ia)
    ia.context.close()

    administrator = signed_in("gov_administrator")
    flags = administrator.inner_text("#flags")
    assert "Camera POLE-1 silent" in flags and "waiting for your authorization" in flags
    assert "to assess" not in flags
    check_page(administrator)
    shown = {  # path: (what must be on it, the screenshot in docs/screenshots/)
        "/records": ("#queue tbody tr", "records-queue"),
        "/records/1": ("#contact", "records-request"),
        "/breaches": ("#incidents tbody tr", None),
        "/breaches/1": ("#chain", "breach"),
        "/breaches/1/notice": ("#notice h2", "breach-notice"),
        "/equipment": ("#operators tbody tr", "equipment"),
        "/maintenance": ("#tickets tbody tr", None),
        "/maintenance/1": ("#authorize-form", "maintenance-ticket"),
        "/camera-health": ("#notices li", "camera-health"),
    }
    for path, (selector, screenshot) in shown.items():
        response = administrator.goto(f"{server}{path}")
        assert response.status == 200, path
        assert administrator.locator(selector).count() >= 1, path
        check_page(administrator, screenshot)
    administrator.goto(f"{server}/equipment")
    assert "UNIT-4471" in administrator.inner_text("#vehicles")
    assert "gov_user" in administrator.inner_text("#operators")
    administrator.context.close()

    deputy = signed_in("gov_user")
    deputy.goto(f"{server}/records/new")
    deputy.fill("input[name=requester_name]", "Sam Neighbor")
    deputy.fill("textarea[name=requester_contact]", "12 Elm St")
    deputy.select_option("select[name=reply_by]", "mail")
    deputy.fill("textarea[name=description]", "Reads of my car in 2026")
    deputy.click("main button[type=submit]")
    assert "Request 2 received" in deputy.inner_text("h1")
    check_page(deputy)
    deputy.goto(f"{server}/maintenance/1")
    assert deputy.locator("#authorize-form").count() == 0
    check_page(deputy)
    deputy.context.close()
