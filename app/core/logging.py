"""Structured logs: one JSON object per line on stderr, each carrying the id of the request being served.

`configure_logging` is called by `create_app` with the settings' level, never at import time; stderr keeps stdout
free for the data CLI commands print. The request log middleware gives every request an id (the caller's
`X-Request-ID` when it is safe, a fresh one otherwise), echoes it in the response, and writes one line per
request with its route, status and duration.
"""

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "<unmatched>"
# Probes and scrapes arrive every few seconds from every load balancer and Prometheus; successful ones log at DEBUG.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
REQUEST_FIELDS = ("method", "route", "path", "status", "duration_ms")

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,100}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
request_logger = logging.getLogger("app.requests")


def accepted_request_id(value: str | None) -> str | None:
    """The caller's request id if it is at most 100 safe characters, else None (a new id is made instead).

    Letters, digits and `._:/+=@-` cover UUIDs and the trace ids proxies send, and keep control characters,
    spaces and quotes out of headers and log lines.
    """
    if value is None or not _SAFE_REQUEST_ID.fullmatch(value):
        return None
    return value


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request this code runs for (also inside sync routes run in the thread pool), or None."""
    return _request_id.get()


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    """Bind a request id to the current context, so every log line written meanwhile carries it."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, the request fields when set."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class JsonLogHandler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` installs on the root logger: JSON lines to stderr."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(JsonFormatter())


def configure_logging(level: str) -> None:
    """Send every log record, uvicorn's included, through one JSON handler on the root logger, and let the app's
    own loggers (`app.*`) through from `level` up; other libraries keep the root level (WARNING by default).

    Idempotent: calling it again (one app per test) replaces the handler it installed and leaves others (such as
    pytest's) alone. uvicorn's access log is switched off because the request log line says more. An unknown
    level name raises ValueError, so a typo in FDI_LOG_LEVEL stops the server at start.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, JsonLogHandler)]:
        root.removeHandler(handler)
    root.addHandler(JsonLogHandler())
    logging.getLogger("app").setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def _problem_500(request_id: str) -> tuple[Message, Message]:
    body = json.dumps(
        {
            "type": "https://fdi-risk.dev/problems/internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": f"The server failed to handle the request; quote request id {request_id} when reporting it.",
            "errors": [],
        }
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}


def route_template(scope: Scope) -> str:
    """The matched route's template (`/v1/deals/{deal_id}`), never the raw path; `<unmatched>` when none matched.

    FastAPI records its API routes in `scope["route"]`; plain routes (`/openapi.json`, `/docs`) it does not, so
    those are matched again here. Requests refused before routing (a 413 on the declared length) stay unmatched.
    """
    template = getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str) and template:
        return template
    for route in getattr(getattr(scope.get("app"), "router", None), "routes", ()):
        template = getattr(route, "path_format", None)
        if isinstance(template, str) and template and route.matches(scope)[0] is not Match.NONE:
            return template
    return UNMATCHED_ROUTE


class RequestLogMiddleware:
    """Outermost middleware: binds the request id, echoes it in `X-Request-ID` on every response (problem+json
    errors and body-limit 413s included), turns an unhandled exception into a problem+json 500 that carries the
    id, and writes one log line per request.

    It must wrap every other middleware, so responses those send by themselves get the header too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(REQUEST_ID_HEADER.lower().encode())
        request_id = accepted_request_id(incoming.decode("latin-1") if incoming else None) or new_request_id()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        begun = time.perf_counter()
        with request_id_bound(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                self._log(scope, 500, begun, failed=True)
                if not started:
                    for message in _problem_500(request_id):
                        await send_with_id(message)
                # Re-raised so the server (and TestClient) still see the failure as they would without us.
                raise
            self._log(scope, status, begun)

    @staticmethod
    def _log(scope: Scope, status: int, begun: float, failed: bool = False) -> None:
        route = route_template(scope)
        if status >= 500:
            level = logging.ERROR
        elif route in QUIET_ROUTES and status < 400:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not request_logger.isEnabledFor(level):
            return
        method = scope.get("method", "")
        request_logger.log(
            level,
            "%s %s %s",
            method,
            route,
            status,
            exc_info=failed,
            extra={
                "method": method,
                "route": route,
                "path": scope.get("path", ""),
                "status": status,
                "duration_ms": round((time.perf_counter() - begun) * 1000, 2),
            },
        )
