"""Alembic's entry point: runs migrations on the engine ``migrate.py`` hands it."""

from __future__ import annotations

from alembic import context

import plateward.access.schema
import plateward.access.session_schema
import plateward.access.training_schema
import plateward.alert.schema
import plateward.audit.imported_schema
import plateward.audit.review_schema
import plateward.audit.schema
import plateward.governance.breaches.schema
import plateward.governance.equipment.schema
import plateward.governance.health.schema
import plateward.governance.records.schema
import plateward.hotlist.schema
import plateward.retention.schema
import plateward.sharing.schema
import plateward.web.result_schema  # noqa: F401
from plateward.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
