"""The edge agent's copy of its camera's hot lists: on disk, in memory, and kept in step.

A patrol car leaves coverage; its camera keeps reading. The agent therefore holds the lists
its camera matches against in a SQLite file beside its outbox and matches every read on the
spot (``matcher.py``, the server's own code), so the deputy is alerted with no network. The
copy is brought up to date by downloading the entries changed since the revision it holds
(``GET /api/v1/edge/hotlists``); a download that fails leaves the last copy in use.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from plateward.hotlist.matcher import ListRule, Match, Matcher, ReadToMatch, Watch
from plateward.hotlist.reasons import reason_label

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lists (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, tolerant INTEGER NOT NULL,
    state_must_agree INTEGER NOT NULL, stale_after REAL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, list_id INTEGER NOT NULL, plate TEXT NOT NULL, state TEXT,
    reason TEXT NOT NULL, priority INTEGER NOT NULL, case_number TEXT, vehicle TEXT NOT NULL,
    notes TEXT, starts_at REAL, expires_at REAL
);
"""
PAGE = 10_000
EDGE_AGENCY = 0
"""The copy holds only lists its camera matches, so every list is the camera's own."""


@dataclass(frozen=True)
class EdgeHit:
    """A local alert: the match, and what the deputy is told about the entry."""

    match: Match
    list_name: str
    reason: str
    priority: int
    case_number: str | None
    vehicle: str
    notes: str | None
    state: str | None
    plate: str

    def line(self, read_plate: str) -> str:
        vehicle = f", {self.vehicle}" if self.vehicle else ""
        return (
            f"HOT LIST ALERT: read {read_plate} matches {self.plate} {self.state or ''}"
            f" ({reason_label(self.reason)}, priority {self.priority}, list {self.list_name},"
            f" case {self.case_number or '-'}{vehicle}). Not grounds for a stop until you"
            " confirm the plate on the vehicle and the hit through CLETS (policy A.7)."
        )


def _epoch(text: str | None) -> float | None:
    return None if text is None else dt.datetime.fromisoformat(text).timestamp()


class EdgeLists:
    """The local copy; ``match`` is safe beside ``sync`` running in another thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.matcher = Matcher()
        self._details: dict[int, tuple[Any, ...]] = {}
        self._names: dict[int, str] = {}
        self._load()

    @property
    def revision(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def __len__(self) -> int:
        return len(self.matcher)

    def close(self) -> None:
        self._db.close()

    def _load(self) -> None:
        matcher = Matcher()
        names: dict[int, str] = {}
        for list_id, name, tolerant, state_must_agree, stale_after in self._db.execute(
            "SELECT id, name, tolerant, state_must_agree, stale_after FROM lists"
        ):
            names[list_id] = name
            matcher.set_list(ListRule(list_id, EDGE_AGENCY, tolerant=bool(tolerant),
                                      state_must_agree=bool(state_must_agree),
                                      stale_after=stale_after))  # fmt: skip
        details: dict[int, tuple[Any, ...]] = {}
        for row in self._db.execute(
            "SELECT id, list_id, plate, state, starts_at, expires_at, reason, priority,"
            " case_number, vehicle, notes FROM entries"
        ):
            matcher.put(Watch(row[0], row[1], row[2], row[3], row[4], row[5]))
            details[row[0]] = row
        matcher.revision = self.revision
        with self._lock:
            self.matcher, self._details, self._names = matcher, details, names

    def match(self, plate: str, alternatives: list[str], region: str | None,
              region_confidence: float | None, at: float) -> list[EdgeHit]:  # fmt: skip
        with self._lock:
            matcher, details, names = self.matcher, self._details, self._names
        hits = []
        for match in matcher.match(ReadToMatch(plate, alternatives, region, region_confidence),
                                   at):  # fmt: skip
            row = details.get(match.entry_id)
            if row is None:
                continue
            hits.append(EdgeHit(match, names.get(match.list_id, "?"), row[6], row[7], row[8],
                                row[9], row[10], row[3], row[2]))  # fmt: skip
        return hits

    def sync(self, server_url: str, key: str, client: httpx.Client, timeout_s: float) -> int:
        """Download what changed since the copy's revision; returns the entries received.

        Raises ``httpx.HTTPError`` when the server cannot be reached; the copy stays as it was.
        """
        since = self.revision
        url = server_url.rstrip("/") + "/api/v1/edge/hotlists"
        headers = {"Authorization": f"Bearer {key}"}
        params: dict[str, int] = {"since": since, "limit": PAGE}
        pages: list[dict[str, Any]] = []
        while True:
            response = client.get(url, params=params, headers=headers, timeout=timeout_s)
            response.raise_for_status()
            page = response.json()
            pages.append(page)
            if page["complete"]:
                break
            params = {"since": since, "limit": PAGE, "after_id": page["next_after_id"],
                      "until": page["revision"]}  # fmt: skip
        received = sum(len(p["entries"]) for p in pages)
        if pages[-1]["revision"] == since and received == 0 and self._same_lists(pages[-1]):
            return 0
        self._apply(pages, full=since == 0)
        self._load()
        return received

    def _same_lists(self, page: dict[str, Any]) -> bool:
        held = {row[0] for row in self._db.execute("SELECT id FROM lists")}
        return held == {h["id"] for h in page["lists"]}

    def _apply(self, pages: list[dict[str, Any]], *, full: bool) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if full:
                db.execute("DELETE FROM entries")
            lists = pages[-1]["lists"]
            db.execute("DELETE FROM lists")
            db.executemany(
                "INSERT INTO lists VALUES (?, ?, ?, ?, ?)",
                [(h["id"], h["name"], int(h["tolerant"]), int(h["state_must_agree"]),
                  _epoch(h["stale_after"])) for h in lists],
            )  # fmt: skip
            keep = ",".join(str(h["id"]) for h in lists) or "NULL"
            db.execute(f"DELETE FROM entries WHERE list_id NOT IN ({keep})")
            for page in pages:
                gone = [(e["id"],) for e in page["entries"] if e["removed"]]
                db.executemany("DELETE FROM entries WHERE id = ?", gone)
                db.executemany(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(e["id"], e["list_id"], e["plate"], e["state"], e["reason"], e["priority"],
                      e["case_number"], e["vehicle"], e["notes"], _epoch(e["starts_at"]),
                      _epoch(e["expires_at"]))
                     for e in page["entries"] if not e["removed"]],
                )  # fmt: skip
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('revision', ?)", (str(pages[-1]["revision"]),)
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
