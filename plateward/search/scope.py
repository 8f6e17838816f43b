"""Whose reads an inquiry may see: its scope, applied by every search as one more condition.

Reads belong to the agency whose camera read them; a person sees their own agency's reads and
those another agency shares with theirs under an approved, current agreement
(``plateward/sharing`` decides which, once per inquiry). The answer is a ``Scope``: a few
grants, each a set of camera ids and perhaps a window of capture times. ``run_inquiry`` sets the
scope for the inquiry it runs, and every query of reads made inside it adds ``visible()`` to its
conditions (``query.narrow``, the read and image views, exports, result pages), so no route
can forget it and no search kind is special.

Outside an inquiry there is no person asking: retention, migrations, benchmarks and the search
functions' own tests see every read. A deployment whose one agency owns every camera gets the
scope "everything", which adds no condition at all, so searches cost what they did.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, or_, select

from plateward.store.schema import images, reads


@dataclass(frozen=True)
class Grant:
    """Reads of these cameras, captured in [start, end) (either end open when None)."""

    camera_ids: frozenset[int]
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    agreement_id: int | None = None
    """The sharing agreement behind it; None for the person's own agency."""
    owner: str = ""
    """The code of the agency whose reads these are."""

    def covers(self, camera_id: int, captured_at: dt.datetime) -> bool:
        if camera_id not in self.camera_ids:
            return False
        if self.start is not None and captured_at < self.start:
            return False
        return self.end is None or captured_at < self.end


@dataclass(frozen=True)
class Scope:
    """The reads one inquiry may see: the union of its grants (``everything``: no limit)."""

    grants: tuple[Grant, ...] = ()
    everything: bool = False
    agency: str = ""
    """The receiving agency: whose person is asking."""

    @property
    def shared(self) -> tuple[Grant, ...]:
        """The grants that come from another agency's agreement."""
        return tuple(g for g in self.grants if g.agreement_id is not None)

    def covers(self, camera_id: int, captured_at: dt.datetime) -> bool:
        return self.everything or any(g.covers(camera_id, captured_at) for g in self.grants)

    def condition(
        self, camera: ColumnElement[Any] = reads.c.camera_id,
        captured: ColumnElement[Any] = reads.c.captured_at,
    ) -> ColumnElement[bool] | None:  # fmt: skip
        """The SQL condition for rows with these camera and capture time columns; None: all.

        Grants with the same window are merged into one ``IN``, so a person with only their
        own agency's cameras costs one ``camera_id IN (...)``.
        """
        if self.everything:
            return None
        windows: dict[tuple[dt.datetime | None, dt.datetime | None], set[int]] = defaultdict(set)
        for grant in self.grants:
            windows[(grant.start, grant.end)] |= grant.camera_ids
        parts: list[ColumnElement[bool]] = []
        for (start, end), ids in sorted(windows.items(), key=_window_order):
            if not ids:
                continue
            terms: list[ColumnElement[bool]] = [camera.in_(sorted(ids))]
            if start is not None:
                terms.append(captured >= start)
            if end is not None:
                terms.append(captured < end)
            parts.append(and_(*terms) if len(terms) > 1 else terms[0])
        if not parts:
            return false()
        return or_(*parts) if len(parts) > 1 else parts[0]


EVERYTHING = Scope(everything=True)

_current: ContextVar[Scope | None] = ContextVar("plateward_inquiry_scope", default=None)


@contextmanager
def scoped(scope: Scope) -> Iterator[Scope]:
    """Run the block as an inquiry limited to ``scope`` (nested blocks replace it)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> Scope | None:
    """The running inquiry's scope; None outside any inquiry."""
    return _current.get()


def visible(
    camera: ColumnElement[Any] = reads.c.camera_id,
    captured: ColumnElement[Any] = reads.c.captured_at,
) -> tuple[ColumnElement[bool], ...]:
    """The running inquiry's condition on reads (or on rows naming a read's camera and capture
    time), as a tuple to splat into ``where``; empty when nothing is hidden."""
    scope = _current.get()
    if scope is None:
        return ()
    found = scope.condition(camera, captured)
    return () if found is None else (found,)


def _window_order(
    item: tuple[tuple[dt.datetime | None, dt.datetime | None], set[int]],
) -> tuple[dt.datetime, dt.datetime]:
    (start, end), _ = item
    return (start or _EARLIEST, end or _LATEST)


_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def image_visible(connection: Connection, sha256: str) -> bool:
    """Whether the running inquiry may see this stored image: some read it may see names it.

    The image's capture range (``images.first_captured_at``/``last_captured_at``) bounds the
    reads to look at, so the capture time index finds them. Outside an inquiry, or with no
    limit, any stored image is visible.
    """
    row = connection.execute(
        select(images.c.first_captured_at, images.c.last_captured_at).where(
            images.c.sha256 == sha256
        )
    ).first()
    if row is None:
        return False
    conditions = visible()
    if not conditions:
        return True
    if row.first_captured_at is None or row.last_captured_at is None:
        return False
    named = connection.execute(
        select(reads.c.id)
        .where(
            reads.c.captured_at >= row.first_captured_at,
            reads.c.captured_at <= row.last_captured_at,
            or_(reads.c.plate_image == sha256, reads.c.context_image == sha256),
            *conditions,
        )
        .limit(1)
    ).first()
    return named is not None
