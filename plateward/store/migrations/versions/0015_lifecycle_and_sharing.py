"""Data lifecycle and sharing: the agency registry, sharing agreements, legal holds, retention
runs with their destruction records, and what retention needs to know of images.

Agencies that existed before the registry keep their code and name; their kind and state are
left empty and unconfirmed, for an administrator to complete (``plateward agency edit``):
nothing is inferred about them, and nothing is shared with them until then.

Each image learns the capture times of the reads naming it and whether more than one does
(``images.shared``), computed here in one pass over the reads. On PostgreSQL the reads' foreign
keys to images go: retention deletes image rows, and each delete would scan every read.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


KIND_CHECK = "kind IS NULL OR kind IN ('law_enforcement', 'other_public', 'private')"
CONFIRMED_CHECK = "confirmed_at IS NULL OR (kind IS NOT NULL AND state IS NOT NULL)"
SQLITE_AGENCY_COLUMNS = (
    f"kind VARCHAR(16) CONSTRAINT ck_agencies_kind CHECK ({KIND_CHECK})",
    "state VARCHAR(2)",
    "federal BOOLEAN DEFAULT 0 NOT NULL",
    "ori VARCHAR(9)",
    "confirmed_at DATETIME",
    f"confirmed_by VARCHAR(64) CONSTRAINT ck_agencies_confirmed CHECK ({CONFIRMED_CHECK})",
)


IMAGE_COLUMNS = ("plate_image", "context_image")


def upgrade() -> None:
    # Plain ALTER TABLE on both back-ends: batch mode would copy agencies on SQLite, and
    # dropping the old copy fails the foreign keys of cameras and users.
    if op.get_bind().dialect.name == "sqlite":
        for column in SQLITE_AGENCY_COLUMNS:
            op.execute(f"ALTER TABLE agencies ADD COLUMN {column}")
        op.create_index("uq_agencies_ori", "agencies", ["ori"], unique=True)
    else:
        op.add_column("agencies", sa.Column("kind", sa.String(length=16), nullable=True))
        op.add_column("agencies", sa.Column("state", sa.String(length=2), nullable=True))
        op.add_column(
            "agencies",
            sa.Column("federal", sa.Boolean(), server_default=sa.false(), nullable=False),
        )
        op.add_column("agencies", sa.Column("ori", sa.String(length=9), nullable=True))
        op.add_column("agencies", sa.Column("confirmed_at", sa.DateTime(timezone=True)))
        op.add_column("agencies", sa.Column("confirmed_by", sa.String(length=64)))
        op.create_unique_constraint(op.f("uq_agencies_ori"), "agencies", ["ori"])
        op.create_check_constraint(op.f("ck_agencies_kind"), "agencies", KIND_CHECK)
        op.create_check_constraint(op.f("ck_agencies_confirmed"), "agencies", CONFIRMED_CHECK)
    op.add_column(
        "images", sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("images", sa.Column("first_captured_at", sa.DateTime(timezone=True)))
    op.add_column("images", sa.Column("last_captured_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE images SET shared = uses.n > 1, first_captured_at = uses.first,"
        " last_captured_at = uses.last"
        " FROM (SELECT sha, count(*) AS n, min(captured_at) AS first, max(captured_at) AS last"
        " FROM (SELECT plate_image AS sha, captured_at FROM reads WHERE plate_image IS NOT NULL"
        " UNION ALL SELECT context_image, captured_at FROM reads"
        " WHERE context_image IS NOT NULL) AS named GROUP BY sha) AS uses"
        " WHERE images.sha256 = uses.sha"
    )
    op.create_index("ix_alerts_captured_at", "alerts", ["captured_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Deleting an image row made PostgreSQL look for reads naming it in every partition,
        # without an index (the reads' image columns have none): a scan of all reads per
        # image. Retention checks this itself, holding the images table (retention/images.py).
        # SQLite keeps its constraint (dropping one rebuilds the table); retention switches
        # it off for its own deletes.
        for column in IMAGE_COLUMNS:
            op.drop_constraint(f"fk_reads_{column}_images", "reads", type_="foreignkey")

    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("receiver_agency_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("camera_ids", sa.JSON(), nullable=True),
        sa.Column("search_kinds", sa.JSON(), nullable=False),
        sa.Column("reads_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reads_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'denied', 'revoked')",
            name=op.f("ck_sharing_agreements_status"),
        ),
        sa.CheckConstraint(
            "owner_agency_id <> receiver_agency_id",
            name=op.f("ck_sharing_agreements_two_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_sharing_agreements_owner_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["receiver_agency_id"],
            ["agencies.id"],
            name=op.f("fk_sharing_agreements_receiver_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreements")),
    )
    op.create_index(
        "ix_sharing_agreements_receiver_status",
        "sharing_agreements",
        ["receiver_agency_id", "status"],
    )

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "plate",
            sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("captured_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("captured_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('reads', 'plate')", name=op.f("ck_legal_holds_kind")),
        sa.CheckConstraint(
            "kind <> 'plate' OR (plate IS NOT NULL AND captured_from IS NOT NULL"
            " AND captured_until IS NOT NULL AND captured_from < captured_until)",
            name=op.f("ck_legal_holds_plate_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index("ix_legal_holds_plate", "legal_holds", ["plate"])
    op.create_index("ix_legal_holds_case_number", "legal_holds", ["case_number"])
    op.create_table(
        "legal_hold_reads",
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["legal_holds.id"], name=op.f("fk_legal_hold_reads_hold_id_legal_holds")
        ),
        sa.PrimaryKeyConstraint("hold_id", "read_id", name=op.f("pk_legal_hold_reads")),
    )
    op.create_index("ix_legal_hold_reads_read_id", "legal_hold_reads", ["read_id"])

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'finished', 'failed', 'interrupted')",
            name=op.f("ck_retention_runs_status"),
        ),
        sa.CheckConstraint(
            "trigger IN ('command', 'schedule', 'page', 'api')",
            name=op.f("ck_retention_runs_trigger"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_table(
        "destruction_records",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("data_class", sa.String(length=16), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("oldest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("newest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("files_removed", sa.Integer(), nullable=False),
        sa.Column("partitions_emptied", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["retention_runs.id"],
            name=op.f("fk_destruction_records_run_id_retention_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "data_class", name=op.f("pk_destruction_records")),
    )
    for queue in ("retention_image_candidates", "retention_image_files"):
        op.create_table(
            queue,
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("sha256", name=op.f(f"pk_{queue}")),
        )
    op.create_table(
        "retention_plate_candidates",
        sa.Column(
            "plate",
            sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("plate", name=op.f("pk_retention_plate_candidates")),
    )


def downgrade() -> None:
    for table in (
        "retention_plate_candidates", "retention_image_files", "retention_image_candidates",
        "destruction_records", "retention_runs", "legal_hold_reads", "legal_holds",
        "sharing_agreements",
    ):  # fmt: skip
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for column in IMAGE_COLUMNS:
            op.create_foreign_key(
                f"fk_reads_{column}_images", "reads", "images", [column], ["sha256"]
            )
    op.drop_index("ix_alerts_captured_at", table_name="alerts")
    for column in ("last_captured_at", "first_captured_at", "shared"):
        op.drop_column("images", column)
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("uq_agencies_ori", table_name="agencies")
        # The confirmed check sits on confirmed_by and names kind and state: it goes first.
        for column in ("confirmed_by", "confirmed_at", "ori", "federal", "state", "kind"):
            op.drop_column("agencies", column)
        return
    op.drop_constraint(op.f("ck_agencies_confirmed"), "agencies", type_="check")
    op.drop_constraint(op.f("ck_agencies_kind"), "agencies", type_="check")
    op.drop_constraint(op.f("uq_agencies_ori"), "agencies", type_="unique")
    for column in ("confirmed_by", "confirmed_at", "ori", "federal", "state", "kind"):
        op.drop_column("agencies", column)
