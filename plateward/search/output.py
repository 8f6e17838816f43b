"""Search results as JSON lines or as a Rich table, for ``plateward search``.

JSON is one object per line so a long result can be piped into ``jq`` or a spreadsheet import as
it comes. Times are ISO 8601 in UTC, and an infinite speed (two reads at the same instant) is
written as null, since JSON has no infinity.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from plateward.search.results import ClonePair, CommonPlate, ReadHit


def hit_json(hit: ReadHit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(hit.id),
        "plate": hit.plate,
        "captured_at": hit.captured_at.isoformat(),
        "camera": hit.camera,
        "latitude": hit.latitude,
        "longitude": hit.longitude,
        "confidence": hit.confidence,
        "region": hit.region,
        "plate_image": hit.plate_image,
    }
    if hit.score is not None:
        out["score"] = hit.score
    if hit.distance_m is not None:
        out["distance_m"] = round(hit.distance_m, 1)
    return out


def common_json(common: CommonPlate) -> dict[str, Any]:
    return {
        "plate": common.plate,
        "areas": [i + 1 for i in common.areas],
        "reads": [hit_json(h) for h in common.reads],
    }


def pair_json(pair: ClonePair) -> dict[str, Any]:
    return {
        "plate": pair.plate,
        "distance_m": round(pair.distance_m, 1),
        "elapsed_s": pair.elapsed_s,
        "speed_kmh": None if math.isinf(pair.speed_kmh) else round(pair.speed_kmh, 1),
        "first": hit_json(pair.first),
        "second": hit_json(pair.second),
    }


def print_json_lines(objects: Sequence[dict[str, Any]]) -> None:
    for obj in objects:
        print(json.dumps(obj, allow_nan=False))


def print_hits(hits: Sequence[ReadHit], title: str) -> None:
    scored = any(h.score is not None for h in hits)
    located = any(h.distance_m is not None for h in hits)
    table = Table(title=title, caption=_count(len(hits), "read"))
    for name in ("captured at (UTC)", "plate", "camera", "latitude", "longitude", "confidence"):
        table.add_column(name)
    table.add_column("region")
    if scored:
        table.add_column("score")
    if located:
        table.add_column("distance m")
    for hit in hits:
        row = _hit_cells(hit)
        if scored:
            row.append("" if hit.score is None else f"{hit.score:.3f}")
        if located:
            row.append("" if hit.distance_m is None else f"{hit.distance_m:.0f}")
        table.add_row(*row)
    Console().print(table)


def print_common(found: Sequence[CommonPlate], title: str) -> None:
    table = Table(title=title, caption=_count(len(found), "plate"))
    for name in ("plate", "areas", "reads", "first seen (UTC)", "last seen (UTC)"):
        table.add_column(name)
    for common in found:
        table.add_row(
            common.plate,
            ", ".join(str(i + 1) for i in common.areas),
            str(len(common.reads)),
            _when(common.reads[0]),
            _when(common.reads[-1]),
        )
    Console().print(table)


def print_pairs(pairs: Sequence[ClonePair], title: str) -> None:
    table = Table(title=title, caption=_count(len(pairs), "pair"))
    for name in ("plate", "first (UTC)", "camera", "second (UTC)", "camera", "km", "km/h"):
        table.add_column(name)
    for pair in pairs:
        speed = "instant" if math.isinf(pair.speed_kmh) else f"{pair.speed_kmh:.0f}"
        table.add_row(
            pair.plate,
            _when(pair.first),
            pair.first.camera,
            _when(pair.second),
            pair.second.camera,
            f"{pair.distance_m / 1000:.1f}",
            speed,
        )
    Console().print(table)


def _hit_cells(hit: ReadHit) -> list[str]:
    return [
        _when(hit),
        hit.plate,
        hit.camera,
        f"{hit.latitude:.6f}",
        f"{hit.longitude:.6f}",
        f"{hit.confidence:.2f}",
        hit.region or "",
    ]


def _when(hit: ReadHit) -> str:
    return hit.captured_at.strftime("%Y-%m-%d %H:%M:%S")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
