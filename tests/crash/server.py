"""A real fdi-risk server in a child process (`fdi-risk serve` on a free loopback port), so that a test can
SIGKILL it in the middle of a request and start it again on the same database."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0
_PORT_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def pause(self) -> None:
        """SIGSTOP: freeze every thread at once, so that what the database shows cannot change any more."""
        os.kill(self.pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no rollback, no flush; as if the machine's OOM killer struck."""
        if self.is_alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM, the graceful way; SIGKILL if it does not exit in time."""
        if self.is_alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL the server if the test process dies first, so no server outlives a run."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _launch(db_url: str, log_path: Path) -> Server:
    port = _free_port()
    env = {**os.environ, "FDI_DATABASE_URL": db_url}
    with log_path.open("wb") as log:
        # Output goes to a file, never a pipe: a pipe nobody reads fills up and blocks the server.
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path)


def _wait_until_ready(server: Server) -> bool:
    """True once /readyz answers 200; False if the process exits first. Fails after STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not server.is_alive():
            return False
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.kill()
    raise AssertionError(f"the server was not ready within {STARTUP_SECONDS:.0f} s; its output:\n{server.log()}")


def start_server(db_url: str, log_dir: Path) -> Server:
    """Start `fdi-risk serve` on `db_url` and wait until /readyz says the database is reachable and migrated.
    A port taken between choosing and binding it is retried; any other failure fails the test with the output."""
    for attempt in range(_PORT_ATTEMPTS):
        log_path = log_dir / f"server-{time.monotonic_ns()}.log"
        server = _launch(db_url, log_path)
        if _wait_until_ready(server):
            return server
        output = server.log()
        if "address already in use" not in output.lower() or attempt == _PORT_ATTEMPTS - 1:
            raise AssertionError(f"the server exited with code {server.process.returncode}; its output:\n{output}")
    raise AssertionError("unreachable")


@contextmanager
def running_server(db_url: str, log_dir: Path) -> Iterator[Server]:
    """A started server that is always gone when the block ends: stopped, or killed if it will not stop."""
    server = start_server(db_url, log_dir)
    try:
        yield server
    finally:
        server.stop()
