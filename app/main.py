"""create_app(): the FastAPI application with its routers, error mapping and database engine."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from app.api import error_handlers, metrics
from app.api.body_limit import BodyLimitMiddleware
from app.api.metrics import HttpMetrics, MetricsMiddleware
from app.api.openapi_docs import install_openapi
from app.api.routers import (
    access,
    deal_import,
    deals,
    entities,
    health,
    lists,
    portfolio,
    reference,
    rulesets,
    scoring,
    screening,
)
from app.core.config import Settings, get_settings
from app.core.logging import RequestLogMiddleware, configure_logging
from app.db.engine import REQUEST_SLOTS, make_engine
from app.web import install as install_dashboard

log = logging.getLogger(__name__)

DESCRIPTION = """
fdi-risk scores foreign-investment deals for national-security risk.

Record a deal and its parties; the service screens every party against official US lists through its
ownership chain, weighs how sensitive the sector is and how the deal will land in Washington, and returns a
score from 0 to 100, a tier (low, moderate, elevated, high, critical) and a recommendation (approve,
approve with conditions, escalate, block). Every score keeps the rules that fired, their points, the facts
they saw and the citation behind each, so an analyst can defend it line by line.

**Keys.** Every `/v1` route needs an API key: press **Authorize** and paste one (`make run` prints an admin
key on first run; `fdi-risk keys create --role analyst --name you` makes more). Each operation states the role
it needs: viewer reads, analyst writes, admin activates rulesets, imports lists and manages keys.

Errors are `application/problem+json` naming every field at fault; nothing is half-written. Updates need
`If-Match` with the `ETag` you read; creates accept `Idempotency-Key` so a retry is safe.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info("fdi-risk started")
        yield
        # uvicorn runs this after in-flight requests finish (or --timeout-graceful-shutdown cuts them off).
        engine.dispose()
        log.info("fdi-risk stopped: database connections closed")

    app = FastAPI(title="fdi-risk", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.request_slots = anyio.Semaphore(REQUEST_SLOTS)
    app.state.http_metrics = HttpMetrics()
    error_handlers.install(app)
    # The last added runs first: the request log wraps the metrics, which wrap the body limit, so 413s the body
    # limit sends by itself are still counted and still carry X-Request-ID.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_list_file_bytes
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.http_metrics)
    app.add_middleware(RequestLogMiddleware)
    for module in (
        health,
        access,
        entities,
        deal_import,
        deals,
        scoring,
        rulesets,
        screening,
        lists,
        reference,
        portfolio,
        metrics,
    ):
        app.include_router(module.router)
    install_dashboard(app)  # the read-only pages at /, outside the OpenAPI document
    install_openapi(app, settings.max_page_size)
    return app
