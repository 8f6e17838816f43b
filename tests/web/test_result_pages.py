"""Results kept for a session: who may page, open, see images and export them, and what each
step leaves in the access log, on both back-ends (real HTTP, httpx)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from plateward.access.users import issue_token, user_by_name
from plateward.settings import Settings
from plateward.store.database import open_database
from plateward.store.reads import NewRead, store_reads
from plateward.store.schema import cameras, reads

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]
WHY = {"case_number": "26-004211", "reason": "robbery suspect vehicle"}


def run_search(client: httpx.Client, token_in: Callable[[str], str], plate: str) -> str:
    token = token_in(client.get("/search").text)
    response = client.post("/search", data={"plate": plate, "csrf_token": token, **WHY})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def log(settings: Settings) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from plateward.audit.schema import access_log

    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(access_log))]
    engine.dispose()
    return rows


def kept_result_sets(settings: Settings) -> int:
    from sqlalchemy import func

    from plateward.web.result_schema import result_sets

    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(result_sets)).scalar_one())
    engine.dispose()
    return count


def test_results_belong_to_the_session_that_searched(
    server: str, agency: dict[str, str], http_sign_in: SignIn, token_in: Callable[[str], str],
    settings: Settings,
) -> None:  # fmt: skip
    mine, _ = http_sign_in(agency["investigator"], agency["password"])
    results = run_search(mine, token_in, "7ABC123")
    page = mine.get(results)
    assert page.status_code == 200 and "3 reads" in page.text
    read_link = re.search(r'href="(/results/[^"]+/reads/[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    crop = re.search(r'src="(/results/[^"]+/crops/[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert mine.get(crop).headers["content-type"] == "image/jpeg"
    other, _ = http_sign_in(agency["user"], agency["password"])
    for path in (results, read_link, crop, read_link + "/plate"):
        refused = other.get(path)
        assert refused.status_code == 404 and "run the search again" in refused.text, path
    # Signing out ends the results with the session: the database deletes them with it.
    run_search(mine, token_in, "7ABC12")
    assert kept_result_sets(settings) == 2
    mine.post("/logout", data={"csrf_token": token_in(mine.get("/search").text)})
    assert kept_result_sets(settings) == 0
    again, _ = http_sign_in(agency["investigator"], agency["password"])
    assert again.get(results).status_code == 404


def test_opening_a_read_logs_it_as_the_api_does(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    client, _ = http_sign_in(agency["user"], agency["password"])
    results = run_search(client, token_in, "5XYZ789")
    page = client.get(results).text
    read_link = re.search(r'href="(/results/[^"]+/reads/([^"]+))"', page)
    assert read_link is not None
    read_id = read_link.group(2)
    opened = client.get(read_link.group(1))
    assert opened.status_code == 200 and "5XYZ789" in opened.text
    image = client.get(read_link.group(1) + "/context")
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        token = issue_token(connection, user_by_name(connection, agency["user"]).id, "t")
    engine.dispose()
    api = httpx.get(f"{server}/api/v1/reads/{read_id}", params=WHY,
                    headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip
    assert api.status_code == 200
    entries = log(settings)
    by_page = [e for e in entries if e["action"] == "read.view"]
    fields = ("username", "action", "query", "case_number", "reason", "result_count")
    assert {f: by_page[0][f] for f in fields} == {f: by_page[1][f] for f in fields}
    (viewed,) = [e for e in entries if e["action"] == "image.view"]
    assert viewed["case_number"] == WHY["case_number"] and viewed["result_count"] == 1


def test_export_needs_the_export_permission_and_is_logged(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    deputy, _ = http_sign_in(agency["user"], agency["password"])
    results = run_search(deputy, token_in, "7ABC123")
    csrf = token_in(deputy.get("/search").text)
    refused = deputy.post(results + "/export", data={"format": "csv", "csrf_token": csrf})
    assert refused.status_code == 403 and "may not export" in refused.text
    analyst, _ = http_sign_in(agency["investigator"], agency["password"])
    # Typed as people type it: the export names the plate as the search normalised it.
    results = run_search(analyst, token_in, " 7abc 123")
    csrf = token_in(analyst.get("/search").text)
    assert analyst.post(results + "/export", data={"format": "csv"}).status_code == 403
    exported = analyst.post(results + "/export", data={"format": "csv", "csrf_token": csrf})
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3 and {r["camera"] for r in rows} == {"POLE-1", "POLE-2"}
    (entry,) = [e for e in log(settings) if e["action"] == "export.csv"]
    assert entry["username"] == agency["investigator"] and entry["result_count"] == 3
    assert entry["query"]["result_of"] == "search.plate"
    assert entry["case_number"] == WHY["case_number"]


def test_a_grid_search_from_the_page_logs_the_apis_query(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    client, _ = http_sign_in(agency["investigator"], agency["password"])
    csrf = token_in(client.get("/map/grid").text)
    form = {"shape": "circle", "latitude": "38.58", "longitude": "-121.49", "radius_m": "300",
            "start": "2026-11-01T00:00", "end": "2026-11-03T00:00", "csrf_token": csrf, **WHY}  # fmt: skip
    done = client.post("/map/grid", data=form)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert 'id="map-data"' in page.text
    (entry,) = [e for e in log(settings) if e["action"] == "search.grid"]
    assert entry["query"] == {
        "latitude": 38.58,
        "longitude": -121.49,
        "radius_m": 300.0,
        "start": "2026-11-01T07:00:00+00:00",
        "end": "2026-11-03T08:00:00+00:00",
        "limit": 1000,
    }  # fmt: skip (typed in Los Angeles time: PDT on the 1st, PST after the 2nd's fall-back)
    assert entry["result_count"] > 0
    missing = client.post("/map/grid", data={**form, "start": ""})
    assert missing.status_code == 400 and "time window" in missing.text


def test_the_search_page_narrows_by_vehicle_and_the_read_shows_it(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    """A vendor camera's description of the vehicle narrows the search and is on the read."""
    engine = open_database(settings.database_url())
    with engine.begin() as connection:
        seen = NewRead(uuid.uuid4(), dt.datetime(2026, 11, 2, 20, tzinfo=dt.UTC), "7ABC123", 0.9,
                       38.58, -121.49, vehicle_make="toyota", vehicle_model="camry",
                       vehicle_color="silver", vehicle_body_type="sedan",
                       vehicle_direction="approaching")  # fmt: skip
        store_reads(connection, 2, [seen])
    engine.dispose()
    client, _ = http_sign_in(agency["user"], agency["password"])
    csrf = token_in(client.get("/search").text)
    asked = {"plate": "7ABC123", "color": "Silver", "body_type": "sedan", "csrf_token": csrf}
    done = client.post("/search", data={**asked, **WHY})
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "1 read" in page and "3 reads" not in page
    opened = client.get(f"{done.headers['location']}/reads/{seen.id}")
    assert "silver toyota camry, sedan, approaching" in opened.text
    (entry,) = [e for e in log(settings) if e["action"] == "search.plate"]
    assert entry["query"] == {"plate": "7ABC123", "color": "silver", "body_type": "sedan",
                              "limit": entry["query"]["limit"]}  # fmt: skip
    wrong = client.post("/search", data={**asked, **WHY, "direction": "sideways"})
    assert wrong.status_code == 400 and "direction" in wrong.text


def test_images_opened_at_once_are_each_logged_in_one_chain(
    server: str, agency: dict[str, str], http_sign_in: SignIn, token_in: Callable[[str], str],
    log_rows: Callable[[], list[dict[str, Any]]],
) -> None:  # fmt: skip
    """A browser fetches a read's images in parallel: every view is logged, none is lost."""
    from concurrent.futures import ThreadPoolExecutor

    client, _ = http_sign_in(agency["investigator"], agency["password"])
    page = client.get(run_search(client, token_in, "6DEF456")).text
    links = re.findall(r'href="(/results/[^"]+/reads/[^"]+)"', page)[:16]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda link: client.get(link + "/context").status_code, links))
    assert codes == [200] * 16
    assert sum(1 for r in log_rows() if r["action"] == "image.view") == 16  # chain verified


def test_a_stakeout_finds_the_plate_seen_in_both_areas(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    client, _ = http_sign_in(agency["investigator"], agency["password"])
    csrf = token_in(client.get("/map/stakeout").text)
    window = {"start": "2026-11-02T00:00", "end": "2026-11-03T00:00"}
    form = {
        "latitude1": "38.58", "longitude1": "-121.49", "radius_m1": "300", "label1": "Main St",
        "latitude2": "38.60", "longitude2": "-121.46", "radius_m2": "300", "label2": "River Rd",
        **{k + "1": v for k, v in window.items()}, **{k + "2": v for k, v in window.items()},
        "min_areas": "2", "csrf_token": csrf, **WHY,
    }  # fmt: skip
    done = client.post("/map/stakeout", data=form)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "Plates in several areas" in page and "7ABC123</span>: areas 1, 2" in page
    (entry,) = [e for e in log(settings) if e["action"] == "search.stakeout"]
    assert [a["label"] for a in entry["query"]["areas"]] == ["Main St", "River Rd"]
    assert entry["result_count"] == 1  # one plate, as the API counts it


def test_errors_are_pages_for_people_and_json_for_programs(server: str) -> None:
    page = httpx.get(f"{server}/no-such-page", timeout=30)
    assert page.status_code == 404 and "There is no page at /no-such-page" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = httpx.get(f"{server}/api/v1/no-such-thing", timeout=30)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_a_timelines_map_draws_exactly_its_reads_on_every_page(
    server: str, settings: Settings, agency: dict[str, str], http_sign_in: SignIn,
    token_in: Callable[[str], str],
) -> None:  # fmt: skip
    """The map's points come in their own request (``map_reads``), named by the page: every
    read of the result, whichever page of the table is shown, in the table's order, with its
    place and camera."""
    client, _ = http_sign_in(agency["investigator"], agency["password"])
    csrf = token_in(client.get("/timeline").text)
    done = client.post("/timeline", data={"plate": "6DEF456", "csrf_token": csrf, **WHY})
    assert done.status_code == 303, done.text

    def shown(number: int) -> tuple[list[dict[str, Any]], list[str]]:
        page = client.get(done.headers["location"], params={"page": number}).text
        found = re.search(r'id="map-data">(.*?)</script>', page, re.DOTALL)
        assert found is not None
        data = json.loads(html.unescape(found.group(1)))
        assert data["points"] == done.headers["location"] + "/map-points" and data["count"] == 60
        assert "reads" not in data  # the page itself no longer fetches them
        points = client.get(data["points"])
        assert points.status_code == 200 and points.headers["cache-control"] == "private, no-store"
        assert points.json()["next"] is None  # 60 reads: one answer
        listed = list(dict.fromkeys(re.findall(r"/reads/([0-9a-f-]{36})", page)))
        return points.json()["reads"], listed

    drawn, first = shown(1)
    drawn_again, second = shown(2)
    assert drawn == drawn_again and len(drawn) == 60
    in_slices, sizes = [], []
    following: str | None = done.headers["location"] + "/map-points?count=25"
    while following:
        answer = client.get(following).json()
        in_slices += answer["reads"]
        sizes.append(len(answer["reads"]))
        following = answer["next"]
    assert in_slices == drawn and sizes == [25, 25, 10]
    too_many = client.get(done.headers["location"] + "/map-points?count=100000")
    assert too_many.status_code == 422
    assert [p["id"] for p in drawn] == first + second and len(second) == 10
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        stored = {
            str(r.id): (r.latitude, r.longitude, r.code)
            for r in connection.execute(
                select(reads.c.id, reads.c.latitude, reads.c.longitude, cameras.c.code)
                .join(cameras)
                .where(reads.c.plate == "6DEF456")
            )
        }
    engine.dispose()
    assert {p["id"]: (p["lat"], p["lon"], p["camera"]) for p in drawn} == stored


def test_a_maps_points_are_only_for_the_session_and_the_role_that_may_see_them(
    server: str, agency: dict[str, str], http_sign_in: SignIn, token_in: Callable[[str], str],
) -> None:  # fmt: skip
    investigator, _ = http_sign_in(agency["investigator"], agency["password"])
    csrf = token_in(investigator.get("/timeline").text)
    done = investigator.post("/timeline", data={"plate": "6DEF456", "csrf_token": csrf, **WHY})
    timeline = done.headers["location"]
    assert len(investigator.get(timeline + "/map-points").json()["reads"]) == 60
    other, _ = http_sign_in(agency["investigator"], agency["password"])
    gone = other.get(timeline + "/map-points")
    assert gone.status_code == 404 and "run the search again" in gone.text
    assert httpx.get(f"{server}{timeline}/map-points", timeout=30).status_code in (303, 401)
    plate_search = run_search(investigator, token_in, "6DEF456")
    not_map = investigator.get(plate_search + "/map-points")
    assert not_map.status_code == 404 and "not a map search" in not_map.text
