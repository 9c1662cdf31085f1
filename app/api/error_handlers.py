"""The one place that maps errors to application/problem+json."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.idempotency import IdempotentReplay
from app.core.errors import DomainError

PROBLEM_BASE = "https://fdi-risk.dev/problems/"

log = logging.getLogger(__name__)


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body["errors"] = errors or []
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"} and len(parts) > 1 and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    # RFC 9110: a 401 names the scheme the client should use.
    headers = {"WWW-Authenticate": 'Bearer realm="fdi-risk"'} if exc.status == 401 else None
    return problem(exc.status, exc.title, exc.detail, exc.type_slug, [e.as_dict() for e in exc.errors], headers)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        where = first.get("ctx", {}).get("error", "")
        return problem(
            400,
            "Malformed JSON",
            f"The request body is not valid JSON: {where}".strip(),
            "malformed-json",
            [{"field": "body", "message": "not valid JSON"}],
        )
    fields = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    names = ", ".join(f["field"] for f in fields[:5])
    return problem(
        422, "Invalid input", f"{len(fields)} problem(s) with the request: {names}.", "invalid-input", fields
    )


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        # FastAPI's JSON reading gave up: arrays or objects nested about a thousand levels deep.
        return problem(
            400,
            "Malformed JSON",
            "The request body nests arrays or objects too deeply to be read.",
            "malformed-json",
            [{"field": "body", "message": "nested too deeply"}],
        )
    titles = {404: "Not found", 405: "Method not allowed", 413: "Body too large", 415: "Unsupported media type"}
    slug = titles.get(exc.status_code, "http-error").lower().replace(" ", "-")
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "HTTP error"),
        str(exc.detail),
        slug,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _stale(_: Request, exc: Exception) -> JSONResponse:
    # Two writers passed the If-Match check at the same moment; the database let only the first one through.
    return problem(
        412,
        "Precondition failed",
        "The record changed while your update was being written; GET it again and retry.",
        "precondition-failed",
    )


async def _data(_: Request, exc: Exception) -> JSONResponse:
    """A value the database refuses (on PostgreSQL: a NUL character, a string longer than its column). Validation
    should have refused it first, so it is logged; the unit of work has rolled back, so nothing was stored."""
    assert isinstance(exc, DataError)
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
    log.warning("the database refused a value that validation let through: %s", reason)
    return problem(
        422,
        "Invalid input",
        f"A value in the request cannot be stored or compared: {reason}.",
        "invalid-input",
        [{"field": "body", "message": reason}],
    )


async def _replay(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdempotentReplay)
    headers = {**exc.headers, "Idempotent-Replayed": "true"}
    return JSONResponse(exc.body, status_code=exc.status_code, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(IdempotentReplay, _replay)
