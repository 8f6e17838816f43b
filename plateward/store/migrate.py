"""Bringing a database's schema up to date with Alembic, from inside the package.

The migration scripts ship inside ``plateward`` so an installed copy can migrate without a
checkout or an alembic.ini: ``plateward db upgrade`` and every server start call ``upgrade``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied; a no-op on an up-to-date database."""
    command.upgrade(alembic_config(engine), revision)
