"""The reads each agency may see of another's today: current agreements as grants.

A grant is what the search layer applies (``search/scope.py``): camera ids and a capture
window. An agreement over "all cameras" covers the owner's cameras as they are now, those added
after the approval included, since it was the owner's reads that were shared.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from plateward.search.scope import Grant
from plateward.sharing.schema import sharing_agreements
from plateward.store.schema import agencies, cameras


def current_grants(
    connection: Connection, today: dt.date, *, receiver_id: int | None = None,
    kind: str | None = None,
) -> dict[int, list[Grant]]:  # fmt: skip
    """Grants of the approved agreements running today, by receiving agency id.

    ``kind`` keeps the agreements allowing that search kind; None keeps them all (viewing a
    read or an image, and exports, are allowed under any kind that could have found it).
    """
    query = (
        select(sharing_agreements, agencies.c.code.label("owner"))
        .join(agencies, agencies.c.id == sharing_agreements.c.owner_agency_id)
        .where(sharing_agreements.c.status == "approved", sharing_agreements.c.ends_on >= today)
    )
    if receiver_id is not None:
        query = query.where(sharing_agreements.c.receiver_agency_id == receiver_id)
    rows = [
        row
        for row in connection.execute(query)
        if kind is None or kind in (row._mapping["search_kinds"] or ())
    ]
    if not rows:
        return {}
    owners = {row.owner_agency_id for row in rows}
    by_owner: dict[int, set[int]] = defaultdict(set)
    for camera_id, agency_id in connection.execute(
        select(cameras.c.id, cameras.c.agency_id).where(cameras.c.agency_id.in_(owners))
    ):
        by_owner[agency_id].add(camera_id)
    out: dict[int, list[Grant]] = defaultdict(list)
    for row in rows:
        m = row._mapping
        owned = by_owner[m["owner_agency_id"]]
        chosen = owned if m["camera_ids"] is None else owned & {int(i) for i in m["camera_ids"]}
        out[m["receiver_agency_id"]].append(
            Grant(
                camera_ids=frozenset(chosen), start=m["reads_from"], end=m["reads_until"],
                agreement_id=m["id"], owner=m["owner"],
            )
        )  # fmt: skip
    return dict(out)
