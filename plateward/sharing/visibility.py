"""Whose reads one person's inquiry may see: their agency's, and what agreements share with it.

``run_inquiry`` calls ``scope_for`` once per inquiry (``search/scope.py`` applies the answer to
every query of reads inside it). The search kind of the inquiry decides which agreements count:
an agreement for exact and partial searches does not open the owner's reads to a grid search.
Opening a read or an image, and exports (including evidence), count every kind, since they act
on reads a search already found.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from plateward.access.users import User
from plateward.search.scope import Grant, Scope
from plateward.sharing.grants import current_grants
from plateward.store.schema import agencies, cameras

ACTION_KINDS = {
    "search.plate": "exact",
    "search.partial": "partial",
    "search.tolerant": "tolerant",
    "search.timeline": "timeline",
    "search.grid": "grid",
    "search.polygon": "polygon",
    "search.stakeout": "stakeout",
    "search.cloned": "cloned",
}
ANY_KIND_PREFIXES = ("read.", "image.", "export.", "evidence.")
"""Inquiries that act on reads already found: every kind of agreement covers them."""


def scope_for(
    connection: Connection, user: User, action: str, today: dt.date | None = None
) -> Scope:
    """The reads ``user`` may see in an inquiry logged as ``action``.

    An inquiry of an unknown kind (a search added later and not yet named above) sees only
    the person's own agency's reads: sharing must be granted, never assumed.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    agency_id = connection.execute(
        select(agencies.c.id).where(agencies.c.code == user.agency)
    ).scalar()
    owned: set[int] = set()
    others = False
    for camera_id, owner_id in connection.execute(select(cameras.c.id, cameras.c.agency_id)):
        if owner_id == agency_id:
            owned.add(camera_id)
        else:
            others = True
    if not others and agency_id is not None:
        return Scope(everything=True, agency=user.agency)
    grants = [Grant(frozenset(owned), owner=user.agency)]
    if agency_id is not None:
        if action in ACTION_KINDS:
            shared = current_grants(
                connection, today, receiver_id=agency_id, kind=ACTION_KINDS[action]
            )
        elif action.startswith(ANY_KIND_PREFIXES):
            shared = current_grants(connection, today, receiver_id=agency_id)
        else:
            shared = {}
        grants += shared.get(agency_id, [])
    return Scope(grants=tuple(grants), agency=user.agency)
