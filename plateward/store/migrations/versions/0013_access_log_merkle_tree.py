"""The access log becomes an append-only Merkle tree (RFC 9162) with signed checkpoints.

The hash chain (``previous_hash``, ``entry_hash``) could be recomputed by anyone who can write
to the database, and its ids were "the last one plus one", so a cut-off tail was reused
unnoticed. Now:

* ``access_log.id`` comes from a sequence (PostgreSQL) or AUTOINCREMENT (SQLite) and is never
  given twice; ``leaf_index`` is the entry's place in the tree.
* ``access_log_nodes`` holds every complete subtree's hash; ``access_log_checkpoints`` the tree
  heads the server signs with a key kept outside the database.
* Triggers refuse UPDATE, DELETE and TRUNCATE on the three tables, whoever asks. The one
  exception is a DELETE of entries below a retention cut recorded in the log itself (an entry
  ``log.cut`` with ``before_leaf``); their leaf hashes stay in ``access_log_nodes``.
* On PostgreSQL, ``plateward_create_reads_partition(month)`` creates a month's partition with
  the owner's rights, so the application's role needs no DDL rights at all.

Existing entries keep their ids, become the first leaves in id order, and are followed by one
entry ``log.tree_started`` that records the old chain's length, last hash and whether it was
intact, so an auditor holding that last hash can connect the two.

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from plateward.audit.merkle import Frontier, leaf_hash
from plateward.store.schema import UtcDateTime

revision = "0013"
down_revision = "0017"
branch_labels = None
depends_on = None

# Written out, not imported: the leaf encoding of the entries migrated here must stay what it
# was when this migration ran.
LEAF_FIELDS = (
    "id", "at", "username", "agency", "action", "query", "case_number", "reason",
    "result_count", "client_address", "outcome",
)  # fmt: skip
OLD_GENESIS = "0" * 64

entries = sa.table(
    "access_log",
    *(sa.column(name) for name in LEAF_FIELDS if name not in ("at", "query")),
    sa.column("at", UtcDateTime()),
    sa.column("query", sa.JSON()),
    sa.column("leaf_index", sa.Integer()),
    sa.column("entry_hash", sa.String()),
    sa.column("previous_hash", sa.String()),
)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    old_columns = [c for c in entries.c if c.name != "leaf_index"]
    old = [dict(r._mapping) for r in bind.execute(sa.select(*old_columns).order_by(entries.c.id))]
    op.create_table(
        "access_log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_access_log_nodes")),
    )
    op.create_table(
        "access_log_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_checkpoints")),
        sqlite_autoincrement=True,
    )
    if postgres:
        _postgres_table()
    else:
        _sqlite_table()
    _build_tree(bind, old)
    if postgres:
        _postgres_guards()
    else:
        _sqlite_guards()


def downgrade() -> None:
    raise NotImplementedError(
        "0013 cannot be undone: the Merkle tree and its signed checkpoints cannot be turned back"
        " into the hash chain without giving up what they prove; restore a backup instead"
    )


def _postgres_table() -> None:
    op.execute("CREATE SEQUENCE access_log_id_seq OWNED BY access_log.id")
    op.execute(
        "SELECT setval('access_log_id_seq', COALESCE((SELECT max(id) FROM access_log), 0) + 1,"
        " false)"
    )
    op.execute("ALTER TABLE access_log ALTER COLUMN id SET DEFAULT nextval('access_log_id_seq')")
    op.drop_constraint("uq_access_log_entry_hash", "access_log", type_="unique")
    op.drop_column("access_log", "previous_hash")
    op.drop_column("access_log", "entry_hash")
    op.add_column("access_log", sa.Column("leaf_index", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE access_log SET leaf_index = r.n FROM"
        " (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM access_log) AS r"
        " WHERE access_log.id = r.id"
    )
    op.alter_column("access_log", "leaf_index", nullable=False)
    op.create_unique_constraint(op.f("uq_access_log_leaf_index"), "access_log", ["leaf_index"])


def _sqlite_table() -> None:
    # AUTOINCREMENT needs the table rebuilt. audit_items refers to it, so the drop's foreign
    # key check is deferred to the commit, by which time every referenced id is back.
    columns = ", ".join(f'"{c}"' for c in LEAF_FIELDS)
    bind = op.get_bind()
    if not bind.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # pysqlite opens transactions only for DML; the deferral lasts one transaction.
        bind.exec_driver_sql("BEGIN")
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f"CREATE TABLE access_log_copy AS SELECT {columns} FROM access_log")
    op.execute("DROP TABLE access_log")
    op.execute(
        """CREATE TABLE access_log (
        id INTEGER NOT NULL CONSTRAINT pk_access_log PRIMARY KEY AUTOINCREMENT,
        leaf_index INTEGER NOT NULL,
        at DATETIME NOT NULL,
        username VARCHAR(64) NOT NULL,
        agency VARCHAR(32) NOT NULL,
        action VARCHAR(64) NOT NULL,
        "query" JSON NOT NULL,
        case_number VARCHAR(64),
        reason TEXT,
        result_count INTEGER,
        client_address VARCHAR(64),
        outcome VARCHAR(32) NOT NULL,
        CONSTRAINT uq_access_log_leaf_index UNIQUE (leaf_index)
    )"""
    )
    op.execute(
        f"INSERT INTO access_log (leaf_index, {columns})"
        f" SELECT row_number() OVER (ORDER BY id) - 1, {columns} FROM access_log_copy"
    )
    op.execute("DROP TABLE access_log_copy")


def _build_tree(bind: sa.Connection, old: list[dict[str, Any]]) -> None:
    frontier = Frontier()
    nodes: list[dict[str, Any]] = []
    for row in old:
        for level, position, value in frontier.append(leaf_hash(_canonical(row))):
            nodes.append({"level": level, "position": position, "hash": value.hex()})
    if old:
        # The bridge from the old chain: what it held, and whether it was still whole.
        intact, previous = True, OLD_GENESIS
        for number, row in enumerate(old, 1):
            intact = intact and row["id"] == number and row["previous_hash"] == previous
            previous = hashlib.sha256((previous + _canonical(row).decode()).encode()).hexdigest()
            intact = intact and previous == row["entry_hash"]
            previous = row["entry_hash"]
        started = {
            "at": dt.datetime.now(dt.UTC),
            "username": "system:migration",
            "agency": "system",
            "action": "log.tree_started",
            "query": {
                "chained_entries": len(old),
                "chain_last_hash": old[-1]["entry_hash"],
                "chain_intact": intact,
            },
            "case_number": None,
            "reason": "access log moved from a hash chain to a signed Merkle tree",
            "result_count": len(old),
            "client_address": None,
            "outcome": "ok",
        }
        new_id = bind.execute(
            sa.insert(entries).values(**started, leaf_index=len(old)).returning(entries.c.id)
        ).scalar_one()
        for level, position, value in frontier.append(
            leaf_hash(_canonical({**started, "id": new_id}))
        ):
            nodes.append({"level": level, "position": position, "hash": value.hex()})
    if nodes:
        node_table = sa.table(
            "access_log_nodes", sa.column("level"), sa.column("position"), sa.column("hash")
        )
        bind.execute(sa.insert(node_table), nodes)


def _canonical(row: dict[str, Any]) -> bytes:
    fields = {name: row[name] for name in LEAF_FIELDS}
    fields["at"] = fields["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


CUT_SQLITE = (
    "(SELECT COALESCE(MAX(CAST(json_extract(\"query\", '$.before_leaf') AS INTEGER)), 0)"
    " FROM access_log WHERE action = 'log.cut')"
)


def _sqlite_guards() -> None:
    for table in ("access_log", "access_log_nodes", "access_log_checkpoints"):
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN"
            f" SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )
        when = f" WHEN OLD.leaf_index >= {CUT_SQLITE}" if table == "access_log" else ""
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}{when} BEGIN"
            f" SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END"
        )


def _postgres_guards() -> None:
    op.execute(
        """CREATE FUNCTION plateward_log_cut() RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT COALESCE(MAX((query ->> 'before_leaf')::integer), 0)
        FROM access_log WHERE action = 'log.cut' $$"""
    )
    op.execute(
        """CREATE FUNCTION plateward_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'access_log' THEN
                IF OLD.leaf_index < plateward_log_cut() THEN
                    RETURN OLD;
                END IF;
            END IF;
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$"""
    )
    for table in ("access_log", "access_log_nodes", "access_log_checkpoints"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION plateward_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION plateward_refuse_change()"
        )
    # Creating a partition needs the parent table's owner; the application's role gets this
    # function instead, which can create nothing but next month's partition of reads.
    op.execute(
        """CREATE FUNCTION plateward_create_reads_partition(month date) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
        DECLARE
            first date := date_trunc('month', month)::date;
            name text := 'reads_y' || to_char(first, 'YYYY') || 'm' || to_char(first, 'MM');
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext(name));
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I PARTITION OF reads FOR VALUES FROM (%L) TO (%L)',
                name, first::text || ' 00:00:00+00',
                (first + interval '1 month')::date::text || ' 00:00:00+00');
        END $$"""
    )
    op.execute("REVOKE ALL ON FUNCTION plateward_create_reads_partition(date) FROM PUBLIC")
