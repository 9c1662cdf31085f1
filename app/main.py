"""create_app(): the FastAPI application with its routers, error mapping and database engine."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import error_handlers
from app.api.body_limit import BodyLimitMiddleware
from app.api.routers import deals, entities, health, lists, reference, rulesets, scoring, screening
from app.core.config import Settings, get_settings
from app.db.engine import make_engine

DESCRIPTION = """
fdi-risk scores foreign-investment deals for national-security risk.

Record a deal and its parties; the service screens every party against official US lists through its
ownership chain, weighs how sensitive the sector is and how the deal will land in Washington, and returns a
score from 0 to 100, a tier (low, moderate, elevated, high, critical) and a recommendation (approve,
approve with conditions, escalate, block). Every score keeps the rules that fired, their points, the facts
they saw and the citation behind each, so an analyst can defend it line by line.

Errors are `application/problem+json`; updates need `If-Match` with the `ETag` you read.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="fdi-risk", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    error_handlers.install(app)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_list_file_bytes
    )
    for module in (health, entities, deals, scoring, rulesets, screening, lists, reference):
        app.include_router(module.router)
    return app
