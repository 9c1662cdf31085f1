"""For the commands that talk to a server: the client tests' live uvicorn server on the per-test database (SQLite,
and PostgreSQL when FDI_TEST_POSTGRES_URL is set), API keys to call it with, and helpers to read the answers."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from app.cli.main import app
from app.client import FdiRiskClient
from app.db.session import unit_of_work
from tests.client.conftest import dead_url, seeded_server_url, server_url

__all__ = ["dead_url", "seeded_server_url", "server_url"]  # the live-server fixtures, shared with tests/client

AS_OF = "2026-11-24"


@pytest.fixture(autouse=True)
def no_server_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's FDI_URL or FDI_API_KEY must not reach the commands under test; each test passes its own."""
    monkeypatch.delenv("FDI_URL", raising=False)
    monkeypatch.delenv("FDI_API_KEY", raising=False)


def _make_key(engine: Engine, role: str) -> str:
    try:
        from app.services.keys import create_key
    except ImportError:  # a tree without API keys: the server checks none, so any value is sent and ignored
        return "test-key"
    with unit_of_work(engine) as session:
        return create_key(session, name=f"cli-tests-{role}", role=role)[1]


@pytest.fixture
def api_key(engine: Engine) -> str:
    """An admin key on the test database, passed with --key to every remote command under test."""
    return _make_key(engine, "admin")


@pytest.fixture
def viewer_key(engine: Engine) -> str:
    """A key that may read but not write (role viewer)."""
    return _make_key(engine, "viewer")


@pytest.fixture
def fdi(server_url: str, api_key: str) -> Iterator[FdiRiskClient]:
    """The Python client on the same server, to check what the commands did and to look up ids."""
    with FdiRiskClient(server_url, api_key=api_key, timeout=10.0) as client:
        yield client


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args))


def deal_ids(fdi: FdiRiskClient) -> dict[str, int]:
    """The seed deals' ids by ref."""
    return {deal.ref: deal.id for deal in fdi.iter_deals() if deal.ref}


def assert_one_line_error(result: Result, *needles: str) -> str:
    """Exit status 1, nothing on stdout, one `error: ...` line on stderr with every needle; returns that line."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == "", result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
