"""Property-based fuzz of every route: whatever arrives, no 500, no hang, no read lost.

The routes are found by walking the application, and each route's parameters (path, query,
query models, JSON bodies, forms and files) by walking its FastAPI dependencies, so a route
added later is fuzzed without anyone listing it here. Values come from hypothesis: for each
parameter's type, values of that type including its edges (huge integers, NaN, times whose UTC
instant falls outside the calendar, NUL and look-alike characters), and values of other types.
Each request goes over real HTTP to the real server as nobody, with a wrong token, as an
administrator, an investigator, an auditor, or as a camera, and pages get a signed-in
administrator's session and CSRF token. A live stream is judged by its status, then closed.

The run happens on SQLite and on PostgreSQL. ``PLATEWARD_FUZZ_EXAMPLES`` sets the examples per
route (default 6: about 300 requests per database, a minute or so in CI).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import params
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import func, select

from plateward.audit.verify import verify_log
from plateward.ingest.models import ReadBatch
from plateward.settings import Settings, load_settings
from plateward.store.cameras import add_camera, ensure_agency
from plateward.store.database import open_database
from plateward.store.schema import reads
from plateward.web.app import create_app

EXAMPLES = int(os.environ.get("PLATEWARD_FUZZ_EXAMPLES", "6"))
SLOW_S = 20.0
"""A request taking longer than this counts as a hang (the search time limit is 5 s here)."""
DESCRIBED_MODELS: dict[str, type[BaseModel]] = {"ReadBatch": ReadBatch}
"""Bodies that routes read by hand, named in their OpenAPI description."""
SKIPPED_PATHS = {"/healthz"}

EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-11-20T10:15:00-08:00",
    "2026-11-20T10:15:00",
    "1969-12-31T23:59:59Z",
    "not a time",
]
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["7ABC123", "7AB*", "?", "*", "26-004211", "t\u0435st", "\x00", "%00",
                     "a" * 300, "robbery suspect vehicle on Main St", "' OR 1=1 --"]),
)  # fmt: skip
integers = st.one_of(
    st.integers(-5, 50), st.integers(-(2**70), 2**70), st.sampled_from([2**31, 2**63, -(2**63)])
)
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-200, 200))
anything: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | integers | st.floats(-1e9, 1e9) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)


def strategy_for(annotation: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the annotated type, its edges, and now and then anything at all."""
    return st.one_of(_typed(annotation, depth), anything) if depth < 3 else anything


def _typed(annotation: Any, depth: int) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Annotated:
        return _typed(args[0], depth)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(st.none(), *(_typed(a, depth) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (list, tuple, set, frozenset):
        item = args[0] if args else Any
        if origin is tuple and len(args) > 1 and args[1] is not Ellipsis:
            return st.tuples(*(_typed(a, depth + 1) for a in args)).map(list)
        return st.lists(strategy_for(item, depth + 1), max_size=5)
    if origin is dict:
        return st.dictionaries(texts, anything, max_size=3)
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            fields = {
                name: strategy_for(field.annotation, depth + 1)
                for name, field in annotation.model_fields.items()
            }
            return st.fixed_dictionaries({}, optional=fields)
        if issubclass(annotation, enum.Enum):
            return st.sampled_from([m.value for m in annotation])
        if issubclass(annotation, bool):
            return st.booleans()
        if issubclass(annotation, int):
            return integers
        if issubclass(annotation, float):
            return floats
        if issubclass(annotation, dt.datetime):
            return st.one_of(st.sampled_from(EDGE_TIMES), st.datetimes(
                timezones=st.timezones()).map(dt.datetime.isoformat))  # fmt: skip
        if issubclass(annotation, dt.date):
            return st.one_of(st.dates().map(dt.date.isoformat), texts)
        if issubclass(annotation, uuid.UUID):
            return st.one_of(st.uuids().map(str), texts)
    return texts


def flat_params(route: APIRoute) -> tuple[list[Any], list[Any], list[Any]]:
    """The route's path, query and body parameters, through all its dependencies."""
    path: list[Any] = []
    query: list[Any] = []
    body: list[Any] = []

    def walk(dependant: Any) -> None:
        path.extend(dependant.path_params)
        query.extend(dependant.query_params)
        body.extend(dependant.body_params)
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return path, query, body


def as_query(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [pair for v in value for pair in as_query(name, v)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in as_query(str(k), v)]
    if value is None:
        return []
    return [(name, json.dumps(value) if isinstance(value, bool) else str(value))]


def request_strategy(route: APIRoute, method: str) -> st.SearchStrategy[dict[str, Any]]:
    path_fields, query_fields, body_fields = flat_params(route)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        path = route.path
        for field in path_fields:
            value = draw(strategy_for(field.field_info.annotation))
            text = str(value if not isinstance(value, list | dict) else json.dumps(value))
            path = path.replace("{" + field.alias + "}", quote(text, safe="") or "_")
        pairs: list[tuple[str, str]] = []
        for field in query_fields:
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = draw(_typed(annotation, 0))
                pairs += [p for k, v in model.items() for p in as_query(k, v)]
            elif draw(st.booleans()):
                pairs += as_query(field.alias, draw(strategy_for(annotation)))
        request: dict[str, Any] = {"method": method, "url": path, "params": pairs}
        forms = [f for f in body_fields if isinstance(f.field_info, params.Form | params.File)]
        if forms:
            data, files = {}, {}
            for field in forms:
                if isinstance(field.field_info, params.File):
                    files[field.alias] = ("upload.bin", draw(st.binary(max_size=200)))
                elif draw(st.booleans()):
                    data[field.alias] = str(draw(strategy_for(field.field_info.annotation)))
            request.update(data=data, files=files or None)
        elif body_fields:
            if len(body_fields) == 1:
                request["json"] = draw(strategy_for(body_fields[0].field_info.annotation))
            else:
                request["json"] = {f.alias: draw(strategy_for(f.field_info.annotation))
                                   for f in body_fields}  # fmt: skip
        elif method in ("POST", "PUT", "PATCH"):
            described = _described_model(route)
            request["json"] = draw(strategy_for(described) if described else anything)
        return request

    return build()


def _described_model(route: APIRoute) -> type[BaseModel] | None:
    text = json.dumps(route.openapi_extra or {})
    for name, model in DESCRIBED_MODELS.items():
        if f"/{name}" in text:
            return model
    return None


def app_routes(app: Any) -> Iterator[tuple[APIRoute, str]]:
    def flatten(routes: Any) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from flatten(route.original_router.routes)

    for route in flatten(app.routes):
        if route.path not in SKIPPED_PATHS:
            for method in sorted(route.methods):
                yield route, method


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:  # what the server fixture serves
    return load_settings(
        db=database_url, data_dir=tmp_path / "data", web={"secure_cookies": False},
        server={"search_time_limit_s": 5.0},
    )  # fmt: skip


@pytest.fixture
def fuzzed(
    settings: Settings, server: str, make_token: Callable[..., str]
) -> Iterator[tuple[httpx.Client, dict[str, dict[str, str]], list[str]]]:
    """The real server over HTTP, a camera, three roles' tokens and a signed-in page session."""
    url = settings.database_url()
    tokens = {role: make_token(url, role) for role in ("administrator", "investigator", "auditor")}
    engine = open_database(url)
    with engine.begin() as connection:
        agency = ensure_agency(connection, "CCSO", "County Sheriff")
        key = add_camera(connection, agency_id=agency, code="POLE-1", name="Main St")
    engine.dispose()
    with httpx.Client(base_url=server, timeout=SLOW_S) as client:
        seeded = [str(uuid.uuid4()) for _ in range(5)]
        batch = {"reads": [{"id": i, "captured_at": "2026-11-20T10:15:00-08:00", "plate": "7ABC123",
                            "confidence": 0.9, "latitude": 38.5, "longitude": -121.5}
                           for i in seeded]}  # fmt: skip
        stored = client.post(
            "/api/v1/reads", json=batch, headers={"Authorization": f"Bearer {key}"}
        )
        assert stored.status_code == 200, stored.text
        form = client.get("/login")
        login_token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/login", data={"username": "console_administrator",
                             "password": "cobalt ridge falcon 62", "csrf_token": login_token})  # fmt: skip
        assert signed.status_code in (200, 303), signed.text
        home = client.get("/")
        csrf = home.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        headers = {
            "nobody": {},
            "wrong": {"Authorization": "Bearer pwu_wrong"},
            "camera": {"Authorization": f"Bearer {key}"},
            "page": {"X-CSRF-Token": csrf},
            **{role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()},
        }
        yield client, headers, seeded


def test_no_route_answers_500_hangs_or_loses_a_read(
    fuzzed: tuple[httpx.Client, dict[str, dict[str, str]], list[str]], settings: Settings
) -> None:
    client, headers, seeded = fuzzed
    app = create_app(settings)  # only to walk its routes: the server has its own
    routes = list(app_routes(app))
    app.state.plateward.db.dispose()
    assert len(routes) > 30, "the walk found too few routes"
    failures = [f for route, method in routes if (f := fuzz(client, headers, route, method))]
    assert not failures, "\n\n".join(failures)
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        kept = connection.execute(
            select(func.count())
            .select_from(reads)
            .where(reads.c.id.in_([uuid.UUID(i) for i in seeded]))
        ).scalar_one()
        assert verify_log(connection).intact
    engine.dispose()
    assert kept == len(seeded)


def fuzz(
    client: httpx.Client, headers: dict[str, dict[str, str]], route: APIRoute, method: str
) -> str | None:
    """Run one route's examples; the first failure hypothesis found, shrunk, or None."""
    label = f"{method} {route.path}"

    @settings_for_fuzz
    @given(request=request_strategy(route, method), who=st.sampled_from(sorted(headers)))
    def one(request: dict[str, Any], who: str) -> None:
        started = time.monotonic()
        # Streamed: a live stream (server-sent events) is judged by its status and headers,
        # then closed, as a browser that goes away would.
        sent, sent_headers = dict(request), dict(headers[who])
        if "json" in sent:  # NaN and Infinity too, which httpx would refuse to encode
            sent["content"] = json.dumps(sent.pop("json")).encode()
            sent_headers["Content-Type"] = "application/json"
        with client.stream(headers=sent_headers, **sent) as response:
            status = response.status_code
            said = response.read()[:300].decode(errors="replace") if status >= 500 else ""
        took = time.monotonic() - started
        assert status < 500, f"{label} as {who}: {status} {said}\nrequest: {request}"
        assert took < SLOW_S, f"{label} took {took:.1f} s\nrequest: {request}"

    try:
        one()
    except AssertionError as exc:
        return str(exc)
    return None


settings_for_fuzz = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
