"""The web pages: sign-in, lockout, second factor, search with a purpose, sign-out and CSRF.

Browser tests drive Debian's Chromium through Playwright on SQLite only (the pages are the same
on both back-ends; the httpx tests below run on both). Every search is checked in the access
log, whose chain must stay intact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest
from typer.testing import CliRunner

from plateward.access.users import issue_token, user_by_name
from plateward.cli import app as cli_app
from plateward.settings import Settings
from plateward.store.database import open_database
from tests.web.browsing import follow, submit_sign_in

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
Rows = Callable[[], list[dict[str, Any]]]


@SQLITE_ONLY
def test_sign_in_search_with_a_purpose_and_see_results(
    page: Any, server: str, people: dict[str, str], log_rows: Rows
) -> None:
    submit_sign_in(page, server, people["deputy"], people["password"])
    assert page.url == f"{server}/"
    assert page.inner_text("#username") == "deputy1"
    assert page.inner_text("#role") == "user"
    assert page.inner_text("#agency") == "CCSO"
    page.click("text=Search")
    page.fill("input[name=plate]", "7abc-123")
    page.fill("input[name=case_number]", "26-004211")
    page.select_option("select[name=offense]", "Burglary")
    page.fill("textarea[name=reason]", "suspect vehicle seen leaving the scene")
    follow(page, "main button[type=submit]")
    assert page.inner_text("#result-count") == "2 reads"
    assert page.locator("table.results tbody tr").count() == 2
    assert page.locator("td.plate").all_inner_texts() == ["7ABC123", "7ABC123"]
    login, search = log_rows()
    assert (login["action"], login["username"], login["outcome"]) == ("login", "deputy1", "ok")
    assert search["action"] == "search.plate"
    assert search["query"] == {"plate": "7abc-123", "limit": 1000}
    assert search["case_number"] == "26-004211"
    assert search["reason"] == "Burglary: suspect vehicle seen leaving the scene"
    assert search["result_count"] == 2
    assert search["client_address"] == "127.0.0.1"


@SQLITE_ONLY
def test_a_search_without_a_real_purpose_is_refused(
    page: Any, server: str, people: dict[str, str], log_rows: Rows
) -> None:
    submit_sign_in(page, server, people["deputy"], people["password"])
    page.goto(f"{server}/search")
    page.fill("input[name=plate]", "7ABC123")
    page.click("main button[type=submit]")
    assert "give a case number or a reason" in page.inner_text(".error")
    page.fill("textarea[name=reason]", "test")
    page.click("main button[type=submit]")
    assert "placeholder" in page.inner_text(".error")
    assert page.locator("table.results").count() == 0
    assert [r["action"] for r in log_rows()] == ["login"]


@SQLITE_ONLY
def test_a_wrong_password_says_so_and_is_logged(
    page: Any, server: str, people: dict[str, str], log_rows: Rows
) -> None:
    submit_sign_in(page, server, people["deputy"], "not the password at all")
    assert page.url == f"{server}/login"
    assert page.inner_text(".error").startswith("Wrong username or password.")
    submit_sign_in(page, server, "nobody", people["password"])
    assert page.inner_text(".error").startswith("Wrong username or password.")
    failed = log_rows()
    assert [(r["action"], r["username"], r["agency"], r["outcome"]) for r in failed] == [
        ("login.failed", "deputy1", "CCSO", "denied"),
        ("login.failed", "nobody", "", "denied"),
    ]


@SQLITE_ONLY
def test_five_failures_lock_the_account(
    page: Any, server: str, people: dict[str, str], log_rows: Rows
) -> None:
    for _ in range(5):
        submit_sign_in(page, server, people["deputy"], "not the password at all")
        assert page.inner_text(".error").startswith("Wrong username or password.")
    submit_sign_in(page, server, people["deputy"], people["password"])
    assert page.inner_text(".error").startswith("Wrong username or password.")
    assert "locked for 15 minutes" in page.inner_text(".error")
    assert page.url == f"{server}/login"
    assert log_rows()[-1]["outcome"] == "locked"
    (locked,) = [r for r in log_rows() if r["action"] == "user.locked"]
    assert (locked["username"], locked["agency"], locked["client_address"]) == (
        "deputy1", "CCSO", "127.0.0.1",
    )  # fmt: skip
    assert locked["query"]["step"] == "password"


@SQLITE_ONLY
def test_sign_out_ends_the_session(page: Any, server: str, people: dict[str, str]) -> None:
    submit_sign_in(page, server, people["deputy"], people["password"])
    cookie = next(c for c in page.context.cookies() if c["name"] == "plateward_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("text=Sign out")
    assert page.url == f"{server}/login"
    page.goto(f"{server}/search")
    assert page.url == f"{server}/login"
    # The old token is dead on the server, not only forgotten by the browser.
    old = httpx.get(f"{server}/search", cookies={"plateward_session": cookie["value"]}, timeout=30)
    assert old.status_code == 303 and old.headers["location"] == "/login"


@SQLITE_ONLY
def test_second_factor(page: Any, server: str, people: dict[str, str], settings: Settings) -> None:
    result = CliRunner().invoke(
        cli_app, ["user", "totp", people["deputy"], "--db", settings.database_url()]
    )
    assert result.exit_code == 0, result.output
    uri = result.output.strip()
    assert uri.startswith("otpauth://totp/Plateward:deputy1?")
    totp = pyotp.parse_uri(uri)
    submit_sign_in(page, server, people["deputy"], people["password"])
    assert page.url == f"{server}/login/code"
    page.goto(f"{server}/search")  # not signed in until the code is given
    assert page.url == f"{server}/login/code"
    page.fill("input[name=code]", "000000" if totp.now() != "000000" else "111111")
    page.click("text=Continue")
    assert "not right" in page.inner_text(".error")
    code = totp.now()
    page.fill("input[name=code]", code)
    page.click("text=Continue")
    assert page.url == f"{server}/"
    assert page.inner_text("#username") == "deputy1"
    # The same code cannot be used twice, even in its 30 seconds.
    other = page.context.browser.new_context()
    second = other.new_page()
    submit_sign_in(second, server, people["deputy"], people["password"])
    second.fill("input[name=code]", code)
    second.click("text=Continue")
    assert second.url == f"{server}/login/code"
    other.close()


def test_posts_without_the_csrf_token_are_refused(
    server: str,
    people: dict[str, str],
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
    log_rows: Rows,
    token_in: Callable[[str], str],
) -> None:
    client, response = http_sign_in(people["deputy"], people["password"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    why = {"plate": "7ABC123", "case_number": "26-004211"}
    assert client.post("/search", data=why).status_code == 403
    assert client.post("/search", data={**why, "csrf_token": "forged"}).status_code == 403
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    assert [r["action"] for r in log_rows()] == ["login"]  # no search ran
    token = token_in(client.get("/search").text)
    header = client.post("/search", data=why, headers={"X-CSRF-Token": token})
    assert header.status_code == 303 and header.headers["location"].startswith("/results/")
    assert "2 reads" in client.get(header.headers["location"]).text
    anonymous = httpx.post(f"{server}/login", data={"username": "deputy1", "password": "x"})
    assert anonymous.status_code == 403  # the sign-in form has its own token
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert 'action="/login"' in client.get("/").text  # the sign-in page again


def test_a_second_visit_to_the_sign_in_page_leaves_the_first_form_good(
    server: str, people: dict[str, str], token_in: Callable[[str], str]
) -> None:
    # A second tab, or an image of a page left open redirected here once its session ended,
    # visits /login again before the first form is sent: the first form must still sign in.
    with httpx.Client(base_url=server, timeout=30) as browser:
        first = token_in(browser.get("/login").text)
        thumbnail = browser.get("/results/abc/crops/1", follow_redirects=True)
        assert thumbnail.url.path == "/login"
        assert token_in(browser.get("/login").text) == first
        signed_in = browser.post("/login", data={"username": people["deputy"],
                                                 "password": people["password"], "csrf_token": first})  # fmt: skip
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    with httpx.Client(base_url=server, timeout=30) as other:
        other.cookies.set("plateward_login", "not-a-token-we-issue", path="/login")
        assert token_in(other.get("/login").text) != "not-a-token-we-issue"


def test_cookies_are_strict_httponly_and_secure_off_localhost(
    server: str,
    people: dict[str, str],
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
) -> None:
    _, response = http_sign_in(people["deputy"], people["password"])
    cookie = response.headers["set-cookie"].lower()
    assert "plateward_session=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    public = httpx.get(f"{server}/login", headers={"Host": "alpr.sheriff.example"}, timeout=30)
    assert "; secure" in public.headers["set-cookie"].lower()
    headers = public.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


def test_pages_need_a_session_and_a_role_that_may_search(
    server: str,
    people: dict[str, str],
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
) -> None:
    response = httpx.get(f"{server}/search", timeout=30)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    visitor = httpx.get(f"{server}/", timeout=30)  # a visitor gets the sign-in page at /
    assert visitor.status_code == 200 and 'action="/login"' in visitor.text
    client, _ = http_sign_in(people["auditor"], people["password"])
    home = client.get("/")
    assert home.status_code == 200 and 'href="/search"' not in home.text
    refused = client.get("/search")
    assert refused.status_code == 403
    assert "may not search" in refused.text
    untrained, _ = http_sign_in(people["untrained"], people["password"])
    refused = untrained.get("/search")
    assert refused.status_code == 403
    assert "training required" in refused.text


def test_the_page_logs_a_search_as_the_api_does(
    server: str,
    settings: Settings,
    people: dict[str, str],
    http_sign_in: Callable[[str, str], tuple[httpx.Client, httpx.Response]],
    log_rows: Rows,
    token_in: Callable[[str], str],
) -> None:
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        api_token = issue_token(connection, user_by_name(connection, "deputy1").id, "test")
    engine.dispose()
    why = {"case_number": "26-004211", "reason": "robbery suspect vehicle"}
    api = httpx.get(f"{server}/api/v1/search/partial", params={"pattern": "7AB*", **why},
                    headers={"Authorization": f"Bearer {api_token}"}, timeout=30)  # fmt: skip
    assert api.status_code == 200, api.text
    client, _ = http_sign_in(people["deputy"], people["password"])
    token = token_in(client.get("/search").text)
    page = client.post("/search", data={"plate": "7AB*", "csrf_token": token, **why},
                       follow_redirects=True)  # fmt: skip
    assert page.status_code == 200 and "2 reads" in page.text
    from_api, _login, from_page = log_rows()
    fields = ("username", "agency", "action", "query", "case_number", "reason", "result_count")
    assert {f: from_page[f] for f in fields} == {f: from_api[f] for f in fields}
    assert from_page["action"] == "search.partial"
