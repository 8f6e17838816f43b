"""Training (policy D.1, D.2, F): the course catalog, who needs each course, and certificates.

Seeds the five courses General Order 5.42 F names: Vigilant's three (F.2) and Flock's two
(F.4). Each is required of deputies, investigators and administrators, the roles that may
search; auditors and internal affairs review the log, not the data, and need none. None
expires, as the policy sets no renewal. The administrator changes any of this later with
``plateward training course-edit`` or the API; the seed is only where an agency starts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:26:19.101592
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEARCHING_ROLES = ("user", "investigator", "administrator")
VIGILANT = "Vigilant: ALPR-equipped vehicles and the ALPR database (policy F.2)"
FLOCK = "Flock Safety: searching and alerts (policy F.4)"
SEED = [
    ("VIGILANT-CAR-DETECTOR", "Vigilant Car Detector", VIGILANT),
    ("VIGILANT-TAS", "Target Alert Service (TAS)", VIGILANT),
    ("VIGILANT-VM-101", "Vigilant Vehicle Manager 101", VIGILANT),
    ("FLOCK-SEARCH", "Flock Search Tool Certification Program", FLOCK),
    ("FLOCK-ALERTS", "Flock Alerts Certification Program", FLOCK),
]


def upgrade() -> None:
    courses = op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("systems", sa.Text(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "valid_days IS NULL OR valid_days > 0", name=op.f("ck_courses_valid_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("code", name=op.f("uq_courses_code")),
    )
    course_roles = op.create_table(
        "course_roles",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "role IN ('user', 'investigator', 'administrator', 'auditor', 'internal_affairs')",
            name=op.f("ck_course_roles_role"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_roles_course_id_courses")
        ),
        sa.PrimaryKeyConstraint("course_id", "role", name=op.f("pk_course_roles")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_certificates_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    op.create_index(
        "ix_certificates_user_course", "certificates", ["user_id", "course_id"], unique=False
    )
    _seed(courses, course_roles)


def _seed(courses: sa.Table, course_roles: sa.Table) -> None:
    """The policy's courses, without explicit ids so PostgreSQL's sequence stays in step."""
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        courses,
        [
            {"code": code, "title": title, "systems": systems, "valid_days": None,
             "active": True, "created_at": now, "updated_at": now}
            for code, title, systems in SEED
        ],
    )  # fmt: skip
    for role in SEARCHING_ROLES:
        op.execute(
            sa.insert(course_roles).from_select(
                ["course_id", "role"],
                sa.select(courses.c.id, sa.literal(role, sa.String(32))).where(
                    courses.c.code.in_([code for code, _, _ in SEED])
                ),
            )
        )


def downgrade() -> None:
    op.drop_index("ix_certificates_user_course", table_name="certificates")
    op.drop_table("certificates")
    op.drop_table("course_roles")
    op.drop_table("courses")
