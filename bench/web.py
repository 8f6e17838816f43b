"""Every page's time at millions of reads, and the search page's first result in Chromium.

    python bench/web.py [--size 10000000] [--db postgresql] [--queries 30] [--docs]
                        [--keep | --reuse URL]

Builds a database with bench/search.py's data builder (the same skewed synthetic county),
adds one trained person per role, serves the real application with uvicorn on a local port
(one process) and requests each page as a browser would (signed in, CSRF token, redirects
followed separately), ``--queries`` times with different plates and places. The time is the
request's round trip over loopback: the server's time plus about a millisecond of HTTP.
Searches that run an inquiry are measured as the POST (search, log entry, result kept) and
the results page that follows apart. Then Chromium (Playwright, /usr/bin/chromium) submits
the search form and waits for the first result row to be painted, ``--paints`` times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx
from sqlalchemy import Engine, func, insert, select, text

from bench.docs_section import machine_description, replace_section, server_settings
from bench.search import load, new_database
from plateward.access.training import today_utc
from plateward.access.training_courses import list_courses
from plateward.access.training_schema import certificates
from plateward.access.users import add_user, user_by_id
from plateward.store.cameras import ensure_agency
from plateward.store.database import open_database
from plateward.store.migrate import upgrade
from plateward.store.schema import reads

PASSWORD = "bench meadow lantern 58"
ROLES = {"user": "deputy", "investigator": "analyst", "administrator": "admin",
         "auditor": "auditor"}  # fmt: skip
WHY = {"case_number": "26-004211", "reason": "burglary series, bench run"}


def add_people(engine: Engine) -> None:
    with engine.begin() as connection:
        agency = ensure_agency(connection, "BENCH", "Bench county")
        for role, name in ROLES.items():
            user = add_user(connection, username=name, full_name=name, role=role,
                            agency_id=agency, password=PASSWORD)  # fmt: skip
            for course in list_courses(connection, active_only=True):
                if user_by_id(connection, user.id).role in course.required_for:
                    connection.execute(insert(certificates).values(
                        user_id=user.id, course_id=course.id, completed_on=today_utc(),
                        file_sha256=hashlib.sha256(course.code.encode()).hexdigest(),
                        file_name="c.pdf", media_type="application/pdf", size_bytes=1,
                        recorded_by="bench", recorded_at=dt.datetime.now(dt.UTC),
                    ))  # fmt: skip


def serve(url: str, data_dir: Path) -> tuple[str, Callable[[], None]]:
    """``plateward serve`` in its own process, as deployed (one worker)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PLATEWARD_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "plateward", "serve", "--db", url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("plateward serve did not start")
        time.sleep(0.2)

    def stop() -> None:
        process.terminate()
        process.wait(30)

    return base, stop


def signed_in(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    return client, csrf


def timed(samples: dict[str, list[float]], name: str, call: Callable[[], httpx.Response],
          expect: int = 200) -> httpx.Response:  # fmt: skip
    began = time.perf_counter()
    response = call()
    samples.setdefault(name, []).append((time.perf_counter() - began) * 1000)
    if response.status_code != expect:
        raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
    return response


def measure(engine: Engine, base: str, queries: int) -> dict[str, list[float]]:
    with engine.connect() as connection:
        plates = connection.execute(
            text("SELECT plate FROM reads ORDER BY random() LIMIT :n"), {"n": queries}
        ).scalars().all()  # fmt: skip
        places = connection.execute(
            select(reads.c.latitude, reads.c.longitude, reads.c.captured_at)
            .order_by(func.random()).limit(queries)
        ).all()  # fmt: skip
    deputy, d_csrf = signed_in(base, "deputy")
    analyst, a_csrf = signed_in(base, "analyst")
    admin, _ = signed_in(base, "admin")
    auditor, _ = signed_in(base, "auditor")
    samples: dict[str, list[float]] = {}

    def search(client: httpx.Client, csrf: str, name: str, path: str, form: dict[str, str],
               on_map: bool = False) -> str:  # fmt: skip
        done = timed(samples, f"POST {name}", lambda: client.post(
            path, data={**form, **WHY, "csrf_token": csrf}), expect=303)  # fmt: skip
        location = str(done.headers["location"])
        timed(samples, f"GET results of {name}", lambda: client.get(location))
        following: str | None = location + "/map-points"
        while on_map and following:  # what the results page's map fetches once it is shown
            answer = timed(samples, f"GET map points of {name} (each request)",
                           functools.partial(client.get, following))  # fmt: skip
            following = answer.json()["next"]
        return location

    def local(moment: dt.datetime) -> str:
        from plateward.web.clock import local as in_zone

        return in_zone(moment, "America/Los_Angeles").strftime("%Y-%m-%dT%H:%M")

    for k in range(queries):
        plate = plates[k]
        lat, lon, at = places[k]
        timed(samples, "GET / (home)", lambda: deputy.get("/"))
        timed(samples, "GET /search (form)", lambda: deputy.get("/search"))
        results = search(deputy, d_csrf, "exact plate", "/search", {"plate": plate})
        page = deputy.get(results).text
        link = re.search(r'href="(/results/[^"]+/reads/[^"]+)"', page)
        if link:
            read = link.group(1)
            timed(samples, "GET a read (logged)", lambda read=read: deputy.get(read))
        search(deputy, d_csrf, "partial 7B3*", "/search", {"plate": plate[:3] + "*"})
        search(deputy, d_csrf, "tolerant", "/search", {"plate": plate, "tolerant": "1"})
        search(deputy, d_csrf, "timeline", "/timeline", {"plate": plate}, on_map=True)
        search(analyst, a_csrf, "grid 1 km, 2 h", "/map/grid", {
            "shape": "circle", "latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}",
            "radius_m": "1000", "start": local(at - dt.timedelta(hours=1)),
            "end": local(at + dt.timedelta(hours=1)),
        }, on_map=True)  # fmt: skip
        search(analyst, a_csrf, "cloned (one plate)", "/cloned", {"plate": plate,
                                                                  "max_speed_kmh": "200"})  # fmt: skip
        loc = search(analyst, a_csrf, "exact plate (analyst)", "/search", {"plate": plate})
        timed(samples, "POST export CSV", lambda loc=loc: analyst.post(
            loc + "/export", data={"format": "csv", "csrf_token": a_csrf}))  # fmt: skip
        timed(samples, "GET /admin/users", lambda: admin.get("/admin/users"))
        timed(samples, "GET /admin/cameras (400)", lambda: admin.get("/admin/cameras"))
        timed(samples, "GET /admin/training", lambda: admin.get("/admin/training"))
        timed(samples, "GET /map/grid (form)", lambda: analyst.get("/map/grid"))
        timed(samples, "GET /audits", lambda: auditor.get("/audits"))
        timed(samples, "GET /access-log", lambda: auditor.get("/access-log"))
        timed(samples, "GET /access-log?user=deputy",
              lambda: auditor.get("/access-log", params={"user": "deputy"}))  # fmt: skip
    for client in (deputy, analyst, admin, auditor):
        client.close()
    return samples


def first_paint(base: str, plates: list[str]) -> list[float]:
    """Milliseconds from pressing Search to the first result row painted, in Chromium."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])  # fmt: skip
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.goto(f"{base}/")
        page.fill("input[name=username]", "deputy")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        for plate in plates:
            page.goto(f"{base}/search")
            page.fill("input[name=plate]", plate)
            page.fill("input[name=case_number]", WHY["case_number"])
            began = time.perf_counter()
            page.click("main button[type=submit]")
            page.wait_for_selector("#reads tbody tr", state="visible")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            out.append((time.perf_counter() - began) * 1000)
        browser.close()
    return out


def _shown_arguments(args: argparse.Namespace) -> str:
    """The command line for the docs, without the password of a reused database's URL."""
    shown = " ".join(sys.argv[1:])
    if args.reuse:
        from sqlalchemy.engine import make_url

        hidden = make_url(args.reuse).render_as_string(hide_password=True)
        shown = shown.replace(args.reuse, f"{hidden} (built by a --keep run)")
    return shown


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--paints", type=int, default=15)
    parser.add_argument("--docs", action="store_true")
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database built and print its URL, for --reuse")  # fmt: skip
    parser.add_argument("--reuse", metavar="URL",
                        help="measure a database a --keep run built instead of building one")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("PLATEWARD_BENCH_TMP")) as tmp:
        if args.reuse:
            url, drop = args.reuse, lambda: None
        else:
            url, drop = new_database(args.db, Path(tmp))
        try:
            engine = open_database(url)
            upgrade(engine)
            if not args.reuse:
                seconds = load(engine, args.size)
                add_people(engine)
                print(f"{args.db} {args.size:,} reads loaded in {seconds:.0f} s", flush=True)
            base, stop = serve(url, Path(tmp) / "data")
            try:
                samples = measure(engine, base, args.queries)
                with engine.connect() as connection:
                    plates = connection.execute(text(
                        "SELECT plate FROM reads ORDER BY random() LIMIT :n"),
                        {"n": args.paints}).scalars().all()  # fmt: skip
                paints = first_paint(base, list(plates))
            finally:
                stop()
            engine.dispose()
        finally:
            if args.keep:
                print(f"kept: --reuse {url}", flush=True)
            else:
                drop()
    table = []
    for name, values in samples.items():
        line = f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95(values):.1f} |"
        print(line, flush=True)
        table.append(line)
    paint = (f"{statistics.median(paints):.0f} ms median, {p95(paints):.0f} ms p95 over"
             f" {len(paints)} searches")  # fmt: skip
    print("first result painted:", paint)
    if args.docs:
        replace_section("bench/web.py", [
            "## Web pages at scale (bench/web.py)",
            "",
            f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            f"- Command: `python bench/web.py {_shown_arguments(args)}`",
            (f"- Machine: {machine_description()};"
             f" load average at the end {os.getloadavg()[0]:.1f}"),
            *([f"- PostgreSQL: {server_settings(url)}"] if args.db == "postgresql" else []),
            (f"- {args.db}, {args.size:,} synthetic reads (bench/search.py's builder), one"
             " uvicorn process; each page requested over loopback as a signed-in browser would,"
             " different plates and places each time; ms, round trip (server time + ~1 ms"
             " HTTP)"),
            f"- Search page, first result row painted in Chromium after pressing Search: {paint}",
            "",
            "| page | requests | p50 ms | p95 ms |",
            "|---|---|---|---|",
            *table,
        ])  # fmt: skip
    print(json.dumps({"pages": len(table), "paint_ms": statistics.median(paints)}))


if __name__ == "__main__":
    main()
