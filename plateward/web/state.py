"""What every request handler shares: the settings, the database and the image store."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from plateward.alert.runtime import AlertRuntime
from plateward.settings import Settings
from plateward.store.images import ImageStore
from plateward.store.writer import Writer


@dataclass(frozen=True)
class AppState:
    settings: Settings
    db: Engine
    images: ImageStore
    writer: Writer
    """How ingest takes its turn to write a batch (store/writer.py)."""
    alerting: AlertRuntime
    """Hot list matching, live alert streams and alert delivery (plateward/alert/runtime.py)."""


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.plateward
    return state
