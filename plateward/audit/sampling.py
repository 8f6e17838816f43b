"""Drawing an audit's random sample of one half-year's inquiries (policy H).

What counts as an inquiry is ``is_inquiry``: a look at ALPR data by a person (a search, a read
or image view, an export). Audit work itself (``audit.*``) and anything else in the log are
not inquiries, so auditors never sample each other's reviews.

The draw is reproducible without Plateward: each entry in the population is ranked by
SHA-256 of ``"<seed>:<entry id>"`` and the ``size`` lowest are the sample. Anyone holding the
stored seed and the log can recompute it with any tool, and a different seed ranks the
entries differently. The population is pinned by the period and the highest log entry that
existed when the sample was drawn, so inquiries logged later cannot change a redraw.

The default seed comes from the period and the hash of the period's last inquiry, so it is
printed and stored like any seed yet cannot be known before the period's inquiries are: nobody
can learn in advance which of their inquiries a default draw will pick.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select

from plateward.audit.actor import Actor, record
from plateward.audit.periods import Period
from plateward.audit.review_schema import audit_items, audits
from plateward.audit.schema import access_log, access_log_nodes
from plateward.errors import InvalidInput

INQUIRY_PREFIXES = ("search.", "export.")
"""Actions starting with these are inquiries: every search kind, every export kind."""
INQUIRY_ACTIONS = frozenset({"read.view", "image.view"})
"""Single actions that are inquiries too: looking at one read or one image."""
MAX_SAMPLE_SIZE = 10_000
MAX_SEED = 2**63 - 1
NO_INQUIRY_HASH = "0" * 64
"""What the default seed is derived from when the period has no inquiry at all."""


def is_inquiry(action: str) -> bool:
    """Whether a log entry with this action was a person looking at ALPR data."""
    return action.startswith(INQUIRY_PREFIXES) or action in INQUIRY_ACTIONS


def inquiry_clause() -> ColumnElement[bool]:
    """``is_inquiry`` as SQL, so the database filters the population."""
    action = access_log.c.action
    return or_(
        *(action.startswith(prefix, autoescape=True) for prefix in INQUIRY_PREFIXES),
        action.in_(sorted(INQUIRY_ACTIONS)),
    )


def rank(seed: int, entry_id: int) -> bytes:
    """An entry's place in the draw for ``seed``: lowest first."""
    return hashlib.sha256(f"{seed}:{entry_id}".encode()).digest()


def draw(entry_ids: Iterable[int], seed: int, size: int) -> list[int]:
    """The ``size`` entries of lowest rank (all of them when there are fewer), in log order."""
    return sorted(sorted(entry_ids, key=lambda entry_id: rank(seed, entry_id))[:size])


def default_seed(period: Period, last_inquiry_hash: str) -> int:
    """A 48-bit seed from the period and its last inquiry's hash (see the module docstring)."""
    digest = hashlib.sha256(f"plateward-audit:{period}:{last_inquiry_hash}".encode()).hexdigest()
    return int(digest[:12], 16)


@dataclass(frozen=True)
class Sample:
    audit_id: int
    period: Period
    seed: int
    seed_was_default: bool
    requested: int
    population: int
    entry_ids: list[int]

    @property
    def short(self) -> bool:
        """Fewer inquiries than asked for: the audit covers all of them."""
        return len(self.entry_ids) < self.requested


def sample_audit(
    connection: Connection,
    *,
    period: Period,
    size: int,
    actor: Actor,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> Sample:
    """Draw the sample, store it as a new audit and log ``audit.sample``, in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    if not 1 <= size <= MAX_SAMPLE_SIZE:
        raise InvalidInput(f"sample size {size}: must be 1 to {MAX_SAMPLE_SIZE}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"seed {seed}: must be 0 to {MAX_SEED}")
    if period.start > now:
        raise InvalidInput(f"period {period}: has not started yet (starts {period.start:%Y-%m-%d})")
    through = connection.execute(select(func.max(access_log.c.id))).scalar() or 0
    population = population_ids(connection, period, through)
    seed_was_default = seed is None
    if seed is None:
        last_hash = NO_INQUIRY_HASH
        if population:
            last_hash = connection.execute(
                select(access_log_nodes.c.hash)
                .join(access_log, access_log.c.leaf_index == access_log_nodes.c.position)
                .where(access_log_nodes.c.level == 0, access_log.c.id == population[-1])
            ).scalar_one()
        seed = default_seed(period, last_hash)
    chosen = draw(population, seed, size)
    audit_id = connection.execute(
        insert(audits)
        .values(
            period=str(period),
            sample_size=size,
            seed=seed,
            population=len(population),
            through_entry_id=through,
            created_by=actor.username,
            created_at=now,
        )
        .returning(audits.c.id)
    ).scalar_one()
    if chosen:
        connection.execute(
            insert(audit_items), [{"audit_id": audit_id, "access_log_id": i} for i in chosen]
        )
    record(
        connection,
        actor,
        "audit.sample",
        {"audit": audit_id, "period": str(period), "size": size, "seed": seed},
        len(chosen),
    )
    return Sample(audit_id, period, seed, seed_was_default, size, len(population), chosen)


def population_ids(connection: Connection, period: Period, through_entry_id: int) -> list[int]:
    """Every inquiry logged in ``period`` up to entry ``through_entry_id``, in log order."""
    return list(
        connection.execute(
            select(access_log.c.id)
            .where(
                access_log.c.at >= period.start,
                access_log.c.at < period.end,
                access_log.c.id <= through_entry_id,
                inquiry_clause(),
            )
            .order_by(access_log.c.id)
        ).scalars()
    )
