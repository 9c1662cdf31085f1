"""API: throughput and p50/p99 latency of three routes at 32 concurrent clients, against a bare FastAPI endpoint.

The real server (`fdi-risk serve`, uvicorn, 1 and 2 workers) runs on a seeded database (SQLite file, and
PostgreSQL when a server answers at FDI_BENCH_POSTGRES_URL), with an analyst key. Measured:

- `GET /v1/deals/{id}` (the Jerusalem light-rail deal, with parties and latest score),
- `POST /v1/deals/{id}/score?as_of=2026-11-24` (screens, scores and stores a snapshot on every call),
- `POST /v1/score?as_of=2026-11-24` (the same deal's fields as an unsaved body, parties by entity id).

The baseline is `benchmarks/bare_app.py` under the same uvicorn with the same worker count, answering with a
real answer of the endpoint it is compared with (same method, same request body, same response bytes) and no
database. The load comes from `benchmarks/load.py` in its own process: 32 keep-alive httpx clients in a closed
loop. Endpoint and baseline alternate window by window (A B A B ...), each window with fresh connections after
a warm-up; throughput is the median over windows, the ratio the median of the window-by-window ratios, and the
latency percentiles are over every request of every window. With one worker, each endpoint is also loaded by
a single client, which shows its service time without queueing.

On a 2-core machine the driver takes CPU from the server, more so for the fast bare endpoint; the ratio is
meaningful only because both sides are loaded the same way in the same run. The server's CPU time per request
(all its processes, from /proc), the driver's CPU and the machine's load average are in the details: CPU per
request is the figure that depends least on the driver and the neighbours.

Targets (issue 7): each score endpoint at least 0.5x the bare endpoint's throughput; p99 under 50 ms.
"""

import json
import math
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.schemas.deal import DealCreate
from benchmarks.bare_app import BODIES_ENV
from benchmarks.harness import Rate, Result, Settings
from benchmarks.live_server import LiveServer, free_port
from benchmarks.load import Driver, Load, Measurement
from benchmarks.scratch_db import Databases, PostgresDatabases, SqliteDatabases, postgres_reachable

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 32
WORKERS = (1, 2)
DEAL_REF = "jerusalem-light-rail-cars"
AS_OF = "2026-11-24"
WINDOW_SECONDS = 5.4  # per endpoint and per baseline at scale 1, split over the rounds
FIRST_WARMUP = 2.0  # the first window of a route also fills the worker's caches (ruleset, screening index)
WARMUP = 0.5
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
# Warnings only, as in the baseline: at INFO the server writes one JSON log line per request.
SERVER_ENV = {"FDI_LOG_LEVEL": "WARNING"}


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str  # the bare app's route for its baseline
    label: str
    method: str
    path: str  # with {deal_id}
    expect: int
    ratio_target: bool  # the throughput target applies (the score endpoints)


ENDPOINTS = (
    Endpoint("deal", "GET /v1/deals/{id}", "GET", "/v1/deals/{deal_id}", 200, False),
    Endpoint("score", "POST /v1/deals/{id}/score", "POST", f"/v1/deals/{{deal_id}}/score?as_of={AS_OF}", 201, True),
    Endpoint("unsaved", "POST /v1/score", "POST", f"/v1/score?as_of={AS_OF}", 200, True),
)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: the windows measured and the sizes sent and received."""

    windows: list[Measurement]
    request_bytes: int
    response_bytes: int

    @property
    def rate(self) -> Rate:
        runs = tuple(w.rate for w in self.windows)
        return Rate(statistics.median(runs), max(runs), runs)

    @property
    def latencies(self) -> list[float]:
        return sorted(ms for w in self.windows for ms in w.latencies_ms)

    @property
    def failures(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for w in self.windows:
            for key, n in w.failures.items():
                total[key] = total.get(key, 0) + n
        return total

    def summary(self) -> dict[str, Any]:
        latencies = self.latencies
        requests = sum(len(w.latencies_ms) for w in self.windows)
        seconds = sum(w.seconds for w in self.windows)
        return {
            "rate": self.rate.as_json(),
            "requests": requests,
            "p50_ms": round(percentile(latencies, 50), 2),
            "p90_ms": round(percentile(latencies, 90), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(latencies[-1], 2) if latencies else None,
            "failures": self.failures,
            "server_cpu_ms_per_request": round(1000 * sum(w.server_cpu for w in self.windows) / max(1, requests), 3),
            "server_cpu_cores": round(sum(w.server_cpu for w in self.windows) / seconds, 2),
            "driver_cpu_cores": round(sum(w.driver_cpu for w in self.windows) / seconds, 2),
            "connections_per_process": [sorted(w.connections.values(), reverse=True) for w in self.windows],
            "request_bytes": self.request_bytes,
            "response_bytes": self.response_bytes,
        }


def run(settings: Settings) -> list[Result]:
    rounds = max(1, min(settings.repeat, 3))
    window = max(1.0, WINDOW_SECONDS * settings.scale / rounds)
    results: list[Result] = []
    with Driver() as driver:
        for backend in ("SQLite", "PostgreSQL"):
            with databases(backend) as dbs:
                if dbs is None:
                    continue
                for workers in WORKERS:
                    print(f"  {backend}, {workers} worker(s): {rounds} x {window:.1f} s windows", flush=True)
                    results.extend(measure_setup(driver, dbs, workers, rounds, window))
    return results


@contextmanager
def databases(backend: str) -> Iterator[Databases | None]:
    """The seeded databases of a backend, or None (with a printed note) when PostgreSQL cannot be reached."""
    if backend == "PostgreSQL":
        why = postgres_reachable()
        if why is not None:
            print(f"  PostgreSQL rows skipped: {why}", flush=True)
            yield None
            return
    dbs: Databases = SqliteDatabases() if backend == "SQLite" else PostgresDatabases()
    try:
        yield dbs
    finally:
        dbs.close()


def measure_setup(driver: Driver, dbs: Databases, workers: int, rounds: int, window: float) -> list[Result]:
    """Both servers for one backend and worker count, every endpoint against its baseline, window by window."""
    deal_id = dbs.deal_id(DEAL_REF)
    auth = {"Authorization": f"Bearer {dbs.key}"}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="fdi-bench-bare-") as folder:
        port = free_port()
        app = LiveServer(serve_command(port, workers), port, {"FDI_DATABASE_URL": dbs.copy(), **SERVER_ENV}, workers)
        stack.callback(app.stop)
        requests = {e.name: request_body(e, app.url, auth, deal_id) for e in ENDPOINTS}
        answers = {e.name: sample_answer(e, app.url, auth, deal_id, requests[e.name]) for e in ENDPOINTS}
        bodies = Path(folder) / "bodies.json"
        bodies.write_text(json.dumps({name: body.decode() for name, body in answers.items()}))
        port = free_port()
        bare = LiveServer(
            bare_command(port, workers), port, {BODIES_ENV: str(bodies), "PYTHONPATH": str(ROOT)}, workers
        )
        stack.callback(bare.stop)
        windows: dict[tuple[str, str], list[Measurement]] = {(e.name, s): [] for e in ENDPOINTS for s in "ab"}
        for round_ in range(rounds):
            for e in ENDPOINTS:
                body = requests[e.name]
                headers = {**auth, "content-type": "application/json"} if body else auth
                path = e.path.format(deal_id=deal_id)
                for side, server, url, expect, warmup in (
                    ("a", app, app.url + path, e.expect, FIRST_WARMUP if round_ == 0 else WARMUP),
                    ("b", bare, f"{bare.url}/bare/{e.name}", 200, WARMUP),
                ):
                    load = Load(e.method, url, expect, window, warmup, CLIENTS, headers, body, server.pids())
                    windows[(e.name, side)].append(driver.measure(load))
        # One client alone shows the service time without queueing (the worker count does not matter for it).
        alone: dict[str, Measurement] = {}
        for e in ENDPOINTS if workers == 1 else ():
            body = requests[e.name]
            headers = {**auth, "content-type": "application/json"} if body else auth
            url = app.url + e.path.format(deal_id=deal_id)
            alone[e.name] = driver.measure(Load(e.method, url, e.expect, window, WARMUP, 1, headers, body, app.pids()))
        load_average = [round(x, 1) for x in os.getloadavg()]
    label = f"{dbs.backend}, {workers} worker{'s' if workers > 1 else ''}"
    results: list[Result] = []
    for e in ENDPOINTS:
        size = len(requests[e.name] or b"")
        app_side = Side(windows[(e.name, "a")], size, len(answers[e.name]))
        bare_side = Side(windows[(e.name, "b")], size, len(answers[e.name]))
        single = Side([alone[e.name]], size, len(answers[e.name])) if e.name in alone else None
        results.extend(rows(e, label, app_side, bare_side, single, load_average))
    return results


def serve_command(port: int, workers: int) -> list[str]:
    """`fdi-risk serve` from the virtualenv running the benchmark."""
    fdi_risk = str(Path(sys.executable).with_name("fdi-risk"))
    return [fdi_risk, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def bare_command(port: int, workers: int) -> list[str]:
    """benchmarks/bare_app.py served as `fdi-risk serve` serves the app (`app.cli.serving.run`: the same uvicorn,
    worker count, log level and socket options)."""
    return [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port), "--workers", str(workers)]


def request_body(endpoint: Endpoint, url: str, auth: dict[str, str], deal_id: int) -> bytes | None:
    """The unsaved deal for POST /v1/score: the stored deal's fields, parties by entity id; else no body."""
    if endpoint.name != "unsaved":
        return None
    deal = httpx.get(f"{url}/v1/deals/{deal_id}", headers=auth, timeout=30).raise_for_status().json()
    fields = {k: deal[k] for k in DealCreate.model_fields if k in deal and k not in ("ref", "parties")}
    fields["parties"] = [{"entity_id": p["entity_id"], "role": p["role"]} for p in deal["parties"]]
    return json.dumps(fields).encode()


def sample_answer(endpoint: Endpoint, url: str, auth: dict[str, str], deal_id: int, body: bytes | None) -> bytes:
    """One real answer of the endpoint: checks it works before loading it, and sizes the baseline's body."""
    headers = {**auth, "content-type": "application/json"} if body else auth
    path = endpoint.path.format(deal_id=deal_id)
    response = httpx.request(endpoint.method, url + path, headers=headers, content=body, timeout=30)
    if response.status_code != endpoint.expect:
        raise RuntimeError(f"{endpoint.label} answered {response.status_code}: {response.text[:500]}")
    return response.content


def rows(
    endpoint: Endpoint, label: str, app: Side, bare: Side, single: Side | None, load_average: list[float]
) -> list[Result]:
    """A throughput row (ratio to the bare endpoint) and a p99 row; failed requests make both invalid."""
    a, b = app.summary(), bare.summary()
    alone = single.summary() if single is not None else None
    failures = [("endpoint", app.failures), ("bare", bare.failures), ("one client", single.failures if single else {})]
    failed = {f"{side} {k}": n for side, found in failures for k, n in found.items()}
    problem = None if not failed else f"failed requests: {failed}"
    details = {"endpoint": a, "bare": b, "one_client": alone, "clients": CLIENTS, "load_average": load_average}
    notes = [
        f"p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms (bare: p50 {b['p50_ms']:.1f}, p99 {b['p99_ms']:.1f}); "
        f"server CPU {a['server_cpu_ms_per_request']:.2f} ms/request (bare {b['server_cpu_ms_per_request']:.2f}); "
        f"driver {a['driver_cpu_cores']:.2f} core (bare {b['driver_cpu_cores']:.2f}); "
        f"{app.response_bytes:,} B answers"
    ]
    if alone is not None:
        notes.append(
            f"one client alone: {alone['rate']['median']:.0f} req/s, p50 {alone['p50_ms']:.1f} ms, "
            f"p99 {alone['p99_ms']:.1f} ms, server CPU {alone['server_cpu_ms_per_request']:.2f} ms/request"
        )
    if problem:
        notes.append(f"INVALID: {problem}")
    rate, bare_rate = app.rate, bare.rate
    p99, bare_p99 = a["p99_ms"], b["p99_ms"]
    return [
        Result(
            benchmark=f"{endpoint.label} throughput ({label})",
            figure=rate.median,
            unit="req/s",
            baseline=bare_rate.median,
            baseline_label="bare FastAPI",
            ratio=rate.ratio_to(bare_rate) if all(bare_rate.runs) else None,
            target=TARGET_RATIO if endpoint.ratio_target else None,
            goal="ratio >=",
            problem=problem,
            details={**details, "notes": notes},
        ),
        Result(
            benchmark=f"{endpoint.label} p99 ({label})",
            figure=p99,
            unit="ms",
            baseline=bare_p99,
            baseline_label="bare FastAPI",
            ratio=p99 / bare_p99 if bare_p99 else None,
            target=TARGET_P99_MS,
            goal="<",
            problem=problem,
            details={"p50_ms": a["p50_ms"], "bare_p50_ms": b["p50_ms"]},
        ),
    ]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
