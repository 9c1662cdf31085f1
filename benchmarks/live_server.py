"""A uvicorn server in a subprocess on a free loopback port: started, waited for, and stopped."""

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """Run `argv` (which must serve on `port`) until `stop`; ready once `ready_path` answers 200 and every
    worker process is up. Its output goes to a temporary file, shown if it fails to start."""

    def __init__(
        self, argv: Sequence[str], port: int, env: Mapping[str, str], workers: int, ready_path: str = "/readyz"
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.workers = workers
        self._log = tempfile.NamedTemporaryFile(prefix="fdi-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
        self._process = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait(ready_path)
        except BaseException:
            self.stop()
            raise

    def pids(self) -> tuple[int, ...]:
        """The server process and its descendants (uvicorn's workers when there are several)."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self._process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return tuple(sorted(found))

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), SIGKILL to the whole group if it lingers."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def _wait(self, ready_path: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited with status {self._process.returncode}:\n{self._output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {START_SECONDS:.0f} s:\n{self._output()}")
            if self._ready(ready_path) and self._worker_count() >= self.workers:
                return
            time.sleep(0.1)

    def _ready(self, ready_path: str) -> bool:
        try:
            return httpx.get(self.url + ready_path, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _worker_count(self) -> int:
        """Processes other than the supervisor that hold the listening socket: 1 when uvicorn runs in-process."""
        if self.workers == 1:
            return 1
        return sum(1 for pid in self.pids() if pid != self._process.pid and _is_worker(pid))

    def _output(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-4000:]


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline
