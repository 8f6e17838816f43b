"""The FastAPI application: built from settings, so tests and ``plateward serve`` share it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import plateward
from plateward.access.training_api import router as training_router
from plateward.alert.api import router as alert_router
from plateward.alert.runtime import AlertRuntime
from plateward.audit.api import router as audit_router
from plateward.errors import InvalidInput, PlatewardError
from plateward.governance.breaches.api import router as breaches_router
from plateward.governance.equipment.api import router as equipment_router
from plateward.governance.health.api import router as health_router
from plateward.governance.health.watch import HealthWatch
from plateward.governance.records.api import router as records_router
from plateward.hotlist.api import router as hotlist_router
from plateward.ingest.api import router as ingest_router
from plateward.ingest.models import ReadBatch
from plateward.search.api import router as search_router
from plateward.search.view_api import router as view_router
from plateward.settings import Settings
from plateward.store.database import open_database
from plateward.store.images import ImageStore
from plateward.store.migrate import upgrade
from plateward.store.writer import writer_for
from plateward.web.pages import install_pages
from plateward.web.state import AppState


def create_app(settings: Settings) -> FastAPI:
    """The application, its database migrated to the current schema."""
    db = open_database(settings.database_url())
    upgrade(db)
    alerting = AlertRuntime.for_server(db, settings)
    watch = HealthWatch(db, settings.camera_health)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Threads for the hot lists' copy, live alerts, deliveries, scheduled refreshes and
        # the camera health check run while the server serves; an app built but never served (a test walking its
        # routes) starts none.
        await run_in_threadpool(alerting.start)
        watch.start()
        try:
            yield
        finally:
            await run_in_threadpool(watch.stop)
            await run_in_threadpool(alerting.stop)

    app = FastAPI(
        title="Plateward",
        version=plateward.__version__,
        summary="Automated license plate recognition with accountability built in.",
        lifespan=lifespan,
    )
    app.state.plateward = AppState(
        settings=settings,
        db=db,
        images=ImageStore(settings.data_dir / "images", settings.server.max_image_bytes),
        writer=writer_for(db),
        alerting=alerting,
    )
    app.include_router(ingest_router)
    app.include_router(audit_router)
    app.include_router(training_router)
    app.include_router(search_router)
    app.include_router(view_router)
    app.include_router(hotlist_router)
    app.include_router(alert_router)
    app.include_router(records_router)
    app.include_router(breaches_router)
    app.include_router(equipment_router)
    app.include_router(health_router)
    install_pages(app)
    _describe_models(app, [ReadBatch])

    @app.exception_handler(PlatewardError)
    async def plateward_error(_request: Request, exc: PlatewardError) -> JSONResponse:
        status = 422 if isinstance(exc, InvalidInput) else exc.status
        return JSONResponse({"detail": exc.message}, status_code=status)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


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
