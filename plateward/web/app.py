"""The FastAPI application: built from settings, so tests and ``plateward serve`` share it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import plateward
from plateward.access.training_api import router as training_router
from plateward.alert.api import router as alert_router
from plateward.alert.runtime import AlertRuntime
from plateward.audit.api import router as audit_router
from plateward.audit.checkpointer import Checkpointer
from plateward.audit.history_api import router as audit_history_router
from plateward.errors import InvalidInput, PlatewardError
from plateward.governance.breaches.api import router as breaches_router
from plateward.governance.equipment.api import router as equipment_router
from plateward.governance.health.api import router as health_router
from plateward.governance.health.watch import HealthWatch
from plateward.governance.records.api import router as records_router
from plateward.hotlist.api import router as hotlist_router
from plateward.ingest.api import router as ingest_router
from plateward.ingest.models import ReadBatch
from plateward.ingest.vendor_api import redact_keys_in_access_log
from plateward.ingest.vendor_api import router as vendor_router
from plateward.retention.schedule import RetentionSchedule
from plateward.search.api import router as search_router
from plateward.search.view_api import router as view_router
from plateward.settings import Settings
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.writer import writer_for
from plateward.web.api_docs import install_api_docs
from plateward.web.input_guard import RefuseNul
from plateward.web.pages import install_pages
from plateward.web.state import AppState

logger = logging.getLogger(__name__)

OUT_OF_RANGE_SQLSTATES = frozenset({"22003", "22008"})
"""PostgreSQL's numeric value out of range, datetime field overflow: a value the caller chose."""


def create_app(settings: Settings) -> FastAPI:
    """The application, its database migrated to the current schema."""
    db = open_database(settings.database_url())
    upgrade(db)
    alerting = AlertRuntime.for_server(db, settings)
    images = ImageStore(
        settings.data_dir / "images", settings.server.max_image_bytes,
        settings.server.max_image_pixels,
    )  # fmt: skip
    retention = RetentionSchedule(db, images, settings.retention)
    watch = HealthWatch(db, settings.camera_health)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Threads for the hot lists' copy, live alerts, deliveries, scheduled refreshes,
        # retention and the camera health check run while the server serves; an app built but
        # never served (a test walking its routes) starts none.
        # And the access log's checkpoint clock, with a last checkpoint when serving ends.
        await run_in_threadpool(alerting.start)
        watch.start()
        retention.start()  # the destruction of data past its period (plateward/retention)
        checkpoints = _checkpointer(db, settings)
        try:
            yield
        finally:
            if checkpoints is not None:
                await run_in_threadpool(checkpoints.stop)
            await run_in_threadpool(retention.stop)
            await run_in_threadpool(watch.stop)
            await run_in_threadpool(alerting.stop)

    app = FastAPI(
        title="Plateward",
        version=plateward.__version__,
        summary="Automated license plate recognition with accountability built in.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.plateward = AppState(
        settings=settings,
        db=db,
        images=images,
        writer=writer_for(db),
        alerting=alerting,
    )
    app.include_router(ingest_router)
    app.include_router(vendor_router)
    redact_keys_in_access_log()
    app.include_router(audit_router)
    app.include_router(audit_history_router)
    app.include_router(training_router)
    app.include_router(search_router)
    app.include_router(view_router)
    app.include_router(hotlist_router)
    app.include_router(alert_router)
    app.include_router(records_router)
    app.include_router(breaches_router)
    app.include_router(equipment_router)
    app.include_router(health_router)
    install_api_docs(app)  # before the pages: its /static/api-docs inside their /static
    for router in lifecycle_routers():
        app.include_router(router)
    install_pages(app)
    app.add_middleware(RefuseNul)
    if settings.server.trusted_proxies:
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=list(settings.server.trusted_proxies)
        )
    _describe_models(app, [ReadBatch])

    @app.exception_handler(PlatewardError)
    async def plateward_error(_request: Request, exc: PlatewardError) -> JSONResponse:
        status = 422 if isinstance(exc, InvalidInput) else exc.status
        return JSONResponse({"detail": exc.message}, status_code=status)

    @app.exception_handler(OverflowError)
    @app.exception_handler(StatementError)
    async def out_of_range(_request: Request, exc: Exception) -> JSONResponse:
        # An id past what the database holds, or a time whose UTC instant leaves the calendar
        # (0001-01-01T00:00:00+14:00), wherever a route did not bound it itself; other
        # database errors stay what they are, a fault of ours (500).
        cause = exc.orig if isinstance(exc, StatementError) else exc
        out_of_range = getattr(cause, "sqlstate", None) in OUT_OF_RANGE_SQLSTATES
        if not (isinstance(cause, OverflowError) or out_of_range):
            raise exc
        return JSONResponse(
            {"detail": f"a number or a time in the request is out of range ({cause})"},
            status_code=422,
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _checkpointer(db: Engine, settings: Settings) -> Checkpointer | None:
    if settings.audit.signing_key is None:
        logger.warning(
            "audit.signing_key is not set: the access log gets no signed checkpoints, so a"
            " rewritten log cannot be told from a true one (see docs/access.md)"
        )
        return None
    checkpointer = Checkpointer(db, settings.audit)
    checkpointer.start()
    return checkpointer


def lifecycle_routers() -> list[APIRouter]:
    """Agencies, sharing agreements, retention and holds, evidence (issue 14's parts)."""
    from plateward.agency.api import router as agencies
    from plateward.evidence.api import router as evidence
    from plateward.retention.api import router as retention
    from plateward.sharing.api import router as sharing

    return [agencies, sharing, retention, evidence]


def _describe_models(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Put models that routes read by hand (to bound the body size) into the OpenAPI schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
