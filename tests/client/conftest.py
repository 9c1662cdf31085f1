"""A real fdi-risk server for the client tests: uvicorn in a background thread on a free loopback port, serving
the per-test database (SQLite, and PostgreSQL when FDI_TEST_POSTGRES_URL is set)."""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from app.client import FdiRiskClient
from app.core.config import Settings
from app.main import create_app
from app.vocabulary import Role

STARTUP_SECONDS = 10.0


@pytest.fixture
def server_url(settings: Settings, api_keys: dict[Role, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The base URL of a live server on the test database; shut down cleanly after the test. FDI_API_KEY holds
    the admin key, as an analyst's shell would, so clients and examples built without a key use it."""
    monkeypatch.setenv("FDI_API_KEY", api_keys[Role.admin])
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fdi-risk-test-server", daemon=True)
    thread.start()
    try:
        url = _wait_until_serving(server, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)


def _wait_until_serving(server: uvicorn.Server, thread: threading.Thread) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    while httpx.get(f"{url}/healthz").status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server does not answer /healthz")
        time.sleep(0.005)
    return url


@pytest.fixture
def fdi(server_url: str) -> Iterator[FdiRiskClient]:
    """A sync client on the live server."""
    with FdiRiskClient(server_url, timeout=10.0) as client:
        yield client


@pytest.fixture
def seeded_fdi(seeded: Engine, fdi: FdiRiskClient) -> FdiRiskClient:
    """A sync client on a live server whose database holds the three seed deals."""
    return fdi


@pytest.fixture
def seeded_server_url(seeded: Engine, server_url: str) -> str:
    """A live server whose database holds the three seed deals."""
    return server_url


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: a port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
