"""/docs runs no script from elsewhere and shows the API to signed-in people only (by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from plateward.settings import Settings

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]


def test_docs_load_from_this_server_for_a_signed_in_person(
    server: str, people: dict[str, str], http_sign_in: SignIn, page: Any
) -> None:
    anonymous = httpx.get(f"{server}/docs")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    client, _ = http_sign_in(people["deputy"], people["password"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    assert "http" not in docs.text.replace("http-equiv", "")  # every asset from this server
    assert client.get("/openapi.json").json()["info"]["title"] == "Plateward"

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.context.add_cookies([{"name": c.name, "value": c.value, "url": server}
                              for c in client.cookies.jar])  # fmt: skip
    page.goto(f"{server}/docs")
    page.wait_for_selector('[data-path="/api/v1/reads"]')
    assert requests and all(url.startswith(server) for url in requests), requests


def test_docs_can_be_public_or_off(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from plateward.web.app import create_app

    for who, docs, spec in (("public", 200, 200), ("off", 404, 404)):
        configured = settings.model_copy(
            update={"server": settings.server.model_copy(update={"api_docs": who})}
        )
        app = create_app(configured)
        with TestClient(app) as client:
            assert client.get("/docs").status_code == docs
            assert client.get("/openapi.json").status_code == spec
        app.state.plateward.db.dispose()
