"""`fdi-risk serve` binds its listener so that every worker's connections have Nagle's algorithm off.

uvicorn's own multi-worker listener leaves the protocol unnamed, and asyncio then leaves TCP_NODELAY off on
accepted connections (each kept-alive answer waits ~40 ms for the client's delayed ACK). These tests accept real
loopback connections through asyncio, as uvicorn's workers do, and read the option on the server's side.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.cli.serving import TcpConfig
from app.db.migrate import upgrade


async def nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection accepted by an asyncio server on `listener`, read on the server's side."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listener.listen()
    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        value = await asyncio.wait_for(accepted, 5)
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


def test_the_listener_names_tcp_so_accepted_connections_get_nodelay() -> None:
    sock = TcpConfig("app.main:create_app", factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()
    assert sock.proto == socket.IPPROTO_TCP
    assert sock.get_inheritable()
    assert asyncio.run(nodelay_of_accepted(sock)) == 1


def test_uvicorns_own_listener_still_leaves_nagle_on() -> None:
    """The reason for TcpConfig. When this fails, uvicorn has fixed its listener and TcpConfig can go."""
    sock = uvicorn.Config("app.main:create_app", factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()
    assert sock.proto == 0
    assert asyncio.run(nodelay_of_accepted(sock)) == 0


def test_serve_with_two_workers_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fdi_risk = str(Path(sys.executable).with_name("fdi-risk"))
    env = {**os.environ, "FDI_DATABASE_URL": url, "FDI_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [fdi_risk, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        answer = None
        for _ in range(300):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    pytest.fail(f"fdi-risk serve exited with {process.returncode}")
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200, answer
        assert answer.json()["status"] == "ok"
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def test_serve_passes_its_options_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from app.cli import serving
    from app.cli.main import app

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(serving, "run", lambda target, **options: seen.append({"app": target, **options}))
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--port", "8123", "--workers", "3"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--timeout-graceful-shutdown", "5"]).exit_code == 0
    assert [(s["app"], s["port"], s["workers"], s["timeout_graceful_shutdown"]) for s in seen] == [
        ("app.main:create_app", 8123, 3, 20),
        ("app.main:create_app", 8000, 1, 5),
    ]
