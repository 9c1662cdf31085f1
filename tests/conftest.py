"""Database fixtures: every database test runs on SQLite and, when FDI_TEST_POSTGRES_URL is set, on PostgreSQL.

Each backend gets one template database per test run (migrated, with reference data and the 1260H list
seeded); each test gets its own copy: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.core.config import REPO_ROOT, Settings, get_settings
from app.db.engine import make_engine, normalise_url
from app.db.migrate import upgrade
from app.db.session import unit_of_work
from app.main import create_app
from app.services.keys import create_key
from app.services.seeding import seed
from app.vocabulary import Role

PG_URL = os.environ.get("FDI_TEST_POSTGRES_URL")
SEEDS = REPO_ROOT / "seeds"
RUN_ID = uuid.uuid4().hex[:8]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_URL:
        terminalreporter.write_line(
            "PostgreSQL half skipped: set FDI_TEST_POSTGRES_URL (bash .ci/run does) to run it.", yellow=True
        )


def _pg_admin() -> Engine:
    assert PG_URL is not None
    return make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")  # type: ignore[return-value]


def _pg_url(database: str) -> str:
    assert PG_URL is not None
    return make_url(normalise_url(PG_URL)).set(database=database).render_as_string(hide_password=False)


def _build(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        seed(session, SEEDS, ("reference", "lists", "rulesets"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _build(f"sqlite:///{path}")
    # Fold the WAL into the main file so a plain file copy carries everything.
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL half skipped: FDI_TEST_POSTGRES_URL is not set")
    name = f"fdi_tpl_{RUN_ID}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _build(_pg_url(name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database with reference data and the 1260H list; one per test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "test.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"fdi_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, seeds_dir=SEEDS, max_body_bytes=64 * 1024)


@pytest.fixture
def api_keys(engine: Engine) -> dict[Role, str]:
    """One key per role in the test database (named after the role), as plaintext."""
    made: dict[Role, str] = {}
    with unit_of_work(engine) as session:
        for role in Role:
            made[role] = create_key(session, name=role.value, role=role, actor="tests")[1]
    return made


@pytest.fixture
def client(settings: Settings, api_keys: dict[Role, str]) -> Iterator[TestClient]:
    """A client of the app that calls with the admin key (audit actor `admin`)."""
    headers = {"Authorization": f"Bearer {api_keys[Role.admin]}"}
    with TestClient(create_app(settings), headers=headers) as test_client:
        yield test_client


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    """A client of the same app that sends no key."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The database with the three seed deals, their entities and ownership loaded too."""
    with unit_of_work(engine) as session:
        seed(session, SEEDS, ("deals",))
    return engine


@pytest.fixture
def runner(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """Runs `fdi-risk` in-process; FDI_DATABASE_URL is the test database, for the commands that run locally."""
    monkeypatch.setenv("FDI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
