"""A bounded HTTP load generator: N keep-alive clients on loopback, each sending its next request as soon as the
last one is answered, for a warm-up and then a timed window. It runs in its own process (`Driver`), so it does
not share a GIL with the benchmark that steers it.

Closed loop: 32 clients means at most 32 requests in flight, so throughput and latency are tied by Little's law
(mean latency = clients / throughput). Throughput counts the expected answers completed inside the window;
latency is measured per request from just before it is sent to its last body byte. Every answer of the run,
warm-up included, is checked: any other status, or a transport error, is counted as a failure.
"""

import asyncio
import contextlib
import multiprocessing
import os
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Load:
    """One measurement: what to send, what answer to expect, how many clients and for how long."""

    method: str
    url: str
    expect: int
    seconds: float
    warmup: float
    clients: int = 32
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    server_pids: tuple[int, ...] = ()  # whose CPU time and connections to record during the window


@dataclass(frozen=True, slots=True)
class Measurement:
    ok: int
    seconds: float
    latencies_ms: list[float]  # every request completed inside the window, failed or not
    failures: dict[str, int]  # status code or exception name -> count, over the whole run
    driver_cpu: float  # CPU seconds the driver process used during the window
    server_cpu: float  # CPU seconds the server processes used during the window
    connections: dict[int, int]  # server pid -> established client connections, mid-window

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


class Driver:
    """The load generator's process; `measure` sends it one `Load` and waits for the `Measurement`."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="bench-load-driver", daemon=True)
        self._process.start()
        child.close()

    def measure(self, load: Load) -> Measurement:
        try:
            self._conn.send(load)
            result = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the load driver died (exit code {self._process.exitcode})") from exc
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[no-any-return]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()

    def __enter__(self) -> "Driver":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _serve(conn: Connection) -> None:
    while (load := conn.recv()) is not None:
        try:
            conn.send(asyncio.run(run_load(load)))
        except Exception as exc:  # sent back to the benchmark, which raises it
            conn.send(exc)


async def run_load(load: Load) -> Measurement:
    """Run the clients through the warm-up and the window, then let the requests in flight finish.

    Each client has its own `httpx.AsyncClient` holding one connection: one shared pool of 32 connections costs
    the driver several times more CPU per request (httpcore scans the pool on every request). The clients are
    made before the clock starts, without TLS verification (plain HTTP on loopback): building the default TLS
    context takes about 50 ms per client, which would stall the event loop inside the warm-up.
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT, headers=load.headers, verify=False)
        for _ in range(load.clients)
    ]
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    ok = 0
    window_start = time.perf_counter() + load.warmup
    window_end = window_start + load.seconds

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal ok
        async with client:
            while (sent := time.perf_counter()) < window_end:
                try:
                    response = await client.request(load.method, load.url, content=load.body)
                    failure = None if response.status_code == load.expect else str(response.status_code)
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                done = time.perf_counter()
                if failure is not None:
                    failures[failure] += 1
                if window_start <= done < window_end:
                    latencies.append((done - sent) * 1000)
                    ok += failure is None

    async def observe() -> tuple[float, float, dict[int, int]]:
        await asyncio.sleep(window_start - time.perf_counter())
        driver0, server0 = time.process_time(), cpu_seconds(load.server_pids)
        await asyncio.sleep(load.seconds / 2)
        port = httpx.URL(load.url).port or 80
        connections = await asyncio.to_thread(established, port, load.server_pids)
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        return time.process_time() - driver0, cpu_seconds(load.server_pids) - server0, connections

    observer = asyncio.create_task(observe())
    await asyncio.gather(*map(one_client, clients))
    driver_cpu, server_cpu, connections = await observer
    return Measurement(ok, load.seconds, latencies, dict(failures), driver_cpu, server_cpu, connections)


def cpu_seconds(pids: tuple[int, ...]) -> float:
    """User and system CPU time of the given processes (a process that has gone counts zero)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return total / CLOCK_TICKS


def established(port: int, pids: tuple[int, ...]) -> dict[int, int]:
    """How many client connections to `port` each of the processes holds, from `ss` (empty if unavailable).

    With several uvicorn workers the kernel hands each new connection to whichever worker accepts first, so
    32 keep-alive clients may not be spread evenly; this shows how they were.
    """
    if not pids:
        return {}
    try:
        out = subprocess.run(["ss", "-Htnp", "state", "established"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return {}
    counts: Counter[int] = Counter()
    for line in out.stdout.splitlines():
        columns = line.split()
        if len(columns) >= 3 and columns[2].endswith(f":{port}"):
            counts.update(int(pid) for pid in re.findall(r"pid=(\d+)", line))
    return {pid: counts.get(pid, 0) for pid in pids}
