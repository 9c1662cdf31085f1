"""Prometheus metrics: request counts and latency by route template, and figures read from the database.

The exposition text (format 0.0.4) is written here rather than with prometheus-client: the few series we keep
need no dependency, live per app (so every test app starts from zero) and need no multiprocess directory.
Request series are per worker process; the database figures are global (see docs/deploy.md).
"""

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import route_template
from app.services import metrics as db_metrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Prometheus' default buckets: from 5 ms (a cached read) to 10 s (a large list import).
BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any other method a client invents is counted as OTHER, so it cannot add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

log = logging.getLogger(__name__)


class _Histogram:
    __slots__ = ("buckets", "count", "sum")

    def __init__(self) -> None:
        self.buckets = [0] * len(BUCKETS)
        self.count = 0
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.sum += seconds
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[i] += 1


class HttpMetrics:
    """Request counters and latency histograms of one app, keyed by method, route template and status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._durations: dict[tuple[str, str], _Histogram] = defaultdict(_Histogram)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            self._durations[(method, route)].observe(seconds)

    def render(self) -> list[str]:
        with self._lock:
            requests = sorted(self._requests.items())
            durations = sorted((key, (list(h.buckets), h.count, h.sum)) for key, h in self._durations.items())
        lines = [
            "# HELP http_requests_total HTTP requests served by this worker, by method, route template and status.",
            "# TYPE http_requests_total counter",
        ]
        for (method, route, status), value in requests:
            lines.append(_sample("http_requests_total", {"method": method, "route": route, "status": status}, value))
        lines += [
            "# HELP http_request_duration_seconds Time to serve a request in this worker, by method and route.",
            "# TYPE http_request_duration_seconds histogram",
        ]
        for (method, route), (buckets, count, total) in durations:
            labels = {"method": method, "route": route}
            for bound, value in zip(BUCKETS, buckets, strict=True):
                lines.append(_sample("http_request_duration_seconds_bucket", {**labels, "le": repr(bound)}, value))
            lines.append(_sample("http_request_duration_seconds_bucket", {**labels, "le": "+Inf"}, count))
            lines.append(_sample("http_request_duration_seconds_sum", labels, total))
            lines.append(_sample("http_request_duration_seconds_count", labels, count))
        return lines


class MetricsMiddleware:
    """Counts every HTTP request and times it, labelled by route template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        begun = time.perf_counter()
        try:
            await self.app(scope, receive, send_observed)
        except Exception:
            status = 500
            raise
        finally:
            self.metrics.observe(scope.get("method", ""), route_template(scope), status, time.perf_counter() - begun)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: Mapping[str, str], value: float) -> str:
    rendered = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
    shown = str(value) if isinstance(value, int) else repr(value)
    return f"{name}{{{rendered}}} {shown}" if rendered else f"{name} {shown}"


def _family(name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *(_sample(name, lab, val) for lab, val in samples)]


def database_lines(session: Session) -> list[str]:
    """Figures read from the database at scrape time: the same on every replica, and they survive restarts."""
    up = "1 when this scrape could read the database."
    try:
        figures = db_metrics.read(session)
    except SQLAlchemyError as exc:
        log.warning("metrics: database unreachable (%s)", type(exc).__name__)
        return _family("fdi_database_up", "gauge", up, [({}, 0)])
    return [
        *_family("fdi_database_up", "gauge", up, [({}, 1)]),
        *_family(
            "fdi_scores_total",
            "counter",
            "Score snapshots stored, by tier (from the database; deleting a deal removes its snapshots).",
            [({"tier": tier}, n) for tier, n in figures.scores_by_tier.items()],
        ),
        *_family(
            "fdi_list_imports_total",
            "counter",
            "Screening list versions imported, by list code (from the database).",
            [({"list": code}, n) for code, n in figures.list_imports.items()],
        ),
        *_family("fdi_deals", "gauge", "Deals stored (from the database).", [({}, figures.deals)]),
    ]


class PrometheusResponse(PlainTextResponse):
    media_type = CONTENT_TYPE


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PrometheusResponse,
    responses={200: {"description": "Prometheus text exposition format 0.0.4"}},
)
def metrics(request: Request) -> PrometheusResponse:
    """Request counts and latency by method, route template and status (per worker process), and from the
    database: score snapshots by tier, list imports by list and the number of deals (global)."""
    http: HttpMetrics = request.app.state.http_metrics
    with Session(request.app.state.engine) as session:
        lines = [*http.render(), *database_lines(session)]
    return PrometheusResponse("\n".join(lines) + "\n")
