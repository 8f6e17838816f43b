"""PostgreSQL: what the application's own role may do, granted by the owner role.

An installation runs with two roles. The owner (who ran ``plateward db upgrade``) owns every
table, the triggers and the functions; the server connects as the application's role, which
``plateward db grant ROLE`` gives exactly what serving needs:

* SELECT, INSERT, UPDATE, DELETE on the ordinary tables;
* SELECT and INSERT only on the access log, its tree and its checkpoints: no UPDATE, DELETE or
  TRUNCATE, so the server, or anyone who takes it over, cannot rewrite history;
* SELECT only on ``alembic_version`` (the server checks, and never changes, the schema);
* the sequences, and EXECUTE on ``plateward_create_reads_partition`` for new months' reads.

A role that does not own a table cannot disable its triggers or alter it either. Run it again
after every upgrade that adds tables.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from plateward.audit.schema import APPEND_ONLY_TABLES
from plateward.errors import ConfigurationError

SCHEMA_VERSION_TABLE = "alembic_version"
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
REFUSED_RIGHTS = "UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"


def grant_application_role(connection: Connection, role: str) -> list[str]:
    """Grant ``role`` what the server needs (run as the owner); returns the statements run."""
    if connection.dialect.name != "postgresql":
        raise ConfigurationError("db grant: only PostgreSQL has roles; SQLite relies on triggers")
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if exists.first() is None:
        raise ConfigurationError(f"role {role!r}: no such PostgreSQL role; CREATE ROLE it first")
    quoted = connection.dialect.identifier_preparer.quote(role)
    tables = connection.execute(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tableowner = current_user ORDER BY tablename"
        )
    ).scalars()
    statements = [f"GRANT USAGE ON SCHEMA {_schema(connection)} TO {quoted}"]
    for table in tables:
        name = connection.dialect.identifier_preparer.quote(table)
        if table in APPEND_ONLY_TABLES:
            statements += [f"REVOKE {REFUSED_RIGHTS} ON {name} FROM {quoted}",
                           f"GRANT SELECT, INSERT ON {name} TO {quoted}"]  # fmt: skip
        elif table == SCHEMA_VERSION_TABLE:
            statements += [f"REVOKE ALL ON {name} FROM {quoted}",
                           f"GRANT SELECT ON {name} TO {quoted}"]  # fmt: skip
        else:
            statements.append(f"GRANT {TABLE_RIGHTS} ON {name} TO {quoted}")
    statements += [
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema(connection)} TO {quoted}",
        f"GRANT EXECUTE ON FUNCTION plateward_create_reads_partition(date) TO {quoted}",
    ]
    for statement in statements:
        connection.execute(text(statement))
    return statements


def _schema(connection: Connection) -> str:
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    return str(connection.dialect.identifier_preparer.quote(schema))
