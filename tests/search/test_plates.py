"""Exact plate, partial pattern and timeline searches against real databases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from plateward.errors import InvalidInput
from plateward.search.filters import Filters
from plateward.search.justification import Justification
from plateward.search.plates import (
    partial_keys,
    plate_keys,
    plate_timeline,
    search_partial,
    search_plate,
)

HOUR = dt.timedelta(hours=1)
AddRead = Callable[..., uuid.UUID]


def test_exact_plate_newest_first_with_every_field(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    sha = "ab" * 32
    older = add_read("7ABC123", at=t0, camera="POLE-2", where=(38.5, -121.5), confidence=0.81)
    add_read("7ABC124", at=t0)
    with engine.begin() as connection:
        from plateward.store.schema import images

        connection.execute(
            images.insert().values(sha256=sha, media_type="image/jpeg", size_bytes=1, created_at=t0)
        )
    newer = add_read("7ABC123", at=t0 + HOUR, plate_image=sha)

    hits = search_plate(engine, "7abc-123", justification=why)

    assert [h.id for h in hits] == [newer, older]
    first, second = hits
    assert first.plate_image == sha and first.camera == "POLE-1"
    assert second.captured_at == t0 and second.captured_at.tzinfo is not None
    assert (second.camera, second.latitude, second.longitude) == ("POLE-2", 38.5, -121.5)
    assert (second.confidence, second.region, second.score) == (0.81, "us-ca", None)


def test_partial_patterns(engine: Engine, add_read: AddRead, why: Justification) -> None:
    for plate in ("7B3KX19", "7B3", "17B3KX9", "ABKX99", "KX9", "XKXA9Z", "7B4KX19"):
        add_read(plate)

    def found(pattern: str) -> set[str]:
        return {h.plate for h in search_partial(engine, pattern, justification=why)}

    assert found("7B3*") == {"7B3KX19", "7B3"}  # * may match nothing
    assert found("*KX?9*") == {"7B3KX19", "7B4KX19", "ABKX99", "XKXA9Z"}
    assert found("?B3*") == {"7B3KX19", "7B3"}
    assert found("*B3") == {"7B3"}
    assert found("7B?KX19") == {"7B3KX19", "7B4KX19"}
    assert found("7b3kx19") == {"7B3KX19"}  # no wildcard: the exact plate
    assert found("KX?") == {"KX9"}
    with pytest.raises(InvalidInput, match="only letters, digits"):
        search_partial(engine, "7B3%", justification=why)
    with pytest.raises(InvalidInput, match="at least one known"):
        search_partial(engine, "**?", justification=why)


def test_keys_are_the_hits_reads_in_their_order(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    # What the web pages keep of a search: the same reads as the hits, in the same order,
    # with the filters and the limit applied alike; ties in time broken the same way.
    for k, plate in enumerate(["7ABC123", "7ABD123", "7ABC123", "8XYZ999", "7ABC123"]):
        add_read(plate, at=t0 + HOUR * (k // 2), camera="POLE-2" if k == 4 else "POLE-1")
    for filters in (Filters(), Filters(limit=2), Filters(cameras=("POLE-1",))):
        hits = search_plate(engine, "7ABC123", justification=why, filters=filters)
        keys = plate_keys(engine, "7ABC123", justification=why, filters=filters)
        assert keys == [(h.id, h.captured_at, None) for h in hits]
        assert hits
        hits = search_partial(engine, "7AB*", justification=why, filters=filters)
        keys = partial_keys(engine, "7AB*", justification=why, filters=filters)
        assert keys == [(h.id, h.captured_at, None) for h in hits]
        assert len(hits) == min(filters.limit, 4 if not filters.cameras else 3)


def test_timeline_is_in_the_order_seen(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    third = add_read("8XYZ001", at=t0 + 2 * HOUR, camera="POLE-3")
    first = add_read("8XYZ001", at=t0 - HOUR, camera="POLE-1")
    second = add_read("8XYZ001", at=t0, camera="UNIT-7", where=(38.6, -121.4))
    add_read("8XYZ002", at=t0)

    timeline = plate_timeline(engine, "8XYZ001", justification=why)

    assert [h.id for h in timeline] == [first, second, third]
    assert [h.camera for h in timeline] == ["POLE-1", "UNIT-7", "POLE-3"]
    assert (timeline[1].latitude, timeline[1].longitude) == (38.6, -121.4)
    limited = plate_timeline(engine, "8XYZ001", justification=why, filters=Filters(limit=2))
    assert [h.id for h in limited] == [first, second]


def test_filters_combine(
    engine: Engine, add_read: AddRead, why: Justification, t0: dt.datetime
) -> None:
    pacific = dt.timezone(dt.timedelta(hours=-7))
    early = add_read("5SAM123", at=t0 - 3 * HOUR)
    on_time = add_read("5SAM123", at=t0, camera="POLE-2")
    late = add_read("5SAM123", at=t0 + 3 * HOUR, camera="POLE-2")
    unsure = add_read("5SAM123", at=t0, camera="POLE-2", confidence=0.4)
    nevada = add_read("5SAM123", at=t0, camera="POLE-3", region="us-nv")

    def ids(**filters: object) -> set[uuid.UUID]:
        chosen = Filters(**filters)  # type: ignore[arg-type]
        return {h.id for h in search_plate(engine, "5SAM123", justification=why, filters=chosen)}

    assert ids() == {early, on_time, late, unsure, nevada}
    # Local times are converted: 05:00-07:00 is 12:00 UTC; start inclusive, end exclusive.
    window = {"start": t0.astimezone(pacific), "end": t0 + 3 * HOUR}
    assert ids(**window) == {on_time, unsure, nevada}
    assert ids(**window, cameras=("POLE-2",)) == {on_time, unsure}
    assert ids(**window, cameras=("POLE-2", "POLE-3"), min_confidence=0.5) == {on_time, nevada}
    assert ids(region="US-NV") == {nevada}
    assert ids(**window, region="us-ca", min_confidence=0.5) == {on_time}
    assert ids(cameras=("NO-SUCH",)) == set()
    assert len(search_plate(engine, "5SAM123", justification=why, filters=Filters(limit=2))) == 2


def test_filters_refuse_what_cannot_work(t0: dt.datetime) -> None:
    with pytest.raises(InvalidInput, match="give a UTC offset"):
        Filters(start=dt.datetime(2026, 5, 1))
    with pytest.raises(InvalidInput, match="is not before end"):
        Filters(start=t0, end=t0)
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        Filters(min_confidence=1.5)
    with pytest.raises(InvalidInput, match="limit 0"):
        Filters(limit=0)


def test_every_search_refuses_to_run_without_a_justification(engine: Engine) -> None:
    from plateward.search import (
        Area,
        search_cloned,
        search_polygon,
        search_radius,
        search_stakeout,
        search_tolerant,
    )

    bogus: Justification = None  # type: ignore[assignment]
    window = Filters(
        start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    )
    area = Area(38.5, -121.5, 100, window.start, window.end)  # type: ignore[arg-type]
    searches: list[Callable[[], object]] = [
        lambda: search_plate(engine, "7ABC123", justification=bogus),
        lambda: search_partial(engine, "7AB*", justification=bogus),
        lambda: search_tolerant(engine, "7ABC123", justification=bogus),
        lambda: plate_timeline(engine, "7ABC123", justification=bogus),
        lambda: search_radius(engine, 38.5, -121.5, 100, justification=bogus, filters=window),
        lambda: search_polygon(
            engine, [(38, -121), (38, -120), (39, -120)], justification=bogus, filters=window
        ),
        lambda: search_stakeout(engine, [area, area], justification=bogus),
        lambda: search_cloned(engine, "7ABC123", justification=bogus),
    ]
    for search in searches:
        with pytest.raises(InvalidInput, match="justification"):
            search()
