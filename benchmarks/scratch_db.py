"""Scratch databases for benchmarks that serve the real app: migrated, seeded as `fdi-risk seed` seeds, with an
API key, then copied per measurement so each starts from the same rows (a file copy on SQLite, CREATE DATABASE
... TEMPLATE on PostgreSQL). Everything is removed on close.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.db.engine import make_engine, normalise_url
from app.db.migrate import upgrade
from app.db.session import unit_of_work
from app.models import Deal
from app.services.keys import create_key
from app.services.seeding import PARTS, seed

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("FDI_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEY_NAME = "bench-analyst"


class Databases(Protocol):
    backend: str
    key: str  # an analyst key, valid in every copy

    def deal_id(self, ref: str) -> int: ...

    def copy(self) -> str: ...

    def close(self) -> None: ...


def build(url: str) -> tuple[str, dict[str, int]]:
    """Migrate, seed every part and create an analyst key; returns the key and the deal ids by ref."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            seed(session, ROOT / "seeds", PARTS)
            _, key = create_key(session, name=KEY_NAME, role="analyst", actor="bench")
        with unit_of_work(engine) as session:
            deals = {d.ref: d.id for d in session.exec(select(Deal)) if d.ref is not None and d.id is not None}
    finally:
        engine.dispose()
    return key, deals


class SqliteDatabases:
    """A seeded template file in a temporary folder; each copy is a new file beside it."""

    backend = "SQLite"

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="fdi-bench-")
        self._template = Path(self._folder.name) / "template.db"
        self.key, self._deals = build(f"sqlite:///{self._template}")
        engine = make_engine(f"sqlite:///{self._template}")
        with engine.connect() as conn:  # fold the WAL into the file so a plain copy carries everything
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def deal_id(self, ref: str) -> int:
        return self._deals[ref]

    def copy(self) -> str:
        target = Path(self._folder.name) / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self._template, target)
        return f"sqlite:///{target}"

    def close(self) -> None:
        self._folder.cleanup()


class PostgresDatabases:
    """A seeded template database on the server at PG_ADMIN_URL; each copy is CREATE DATABASE ... TEMPLATE."""

    backend = "PostgreSQL"

    def __init__(self, admin_url: str = PG_ADMIN_URL) -> None:
        self._admin_url = normalise_url(admin_url)
        self._admin: Engine = make_engine(self._admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self._prefix = f"fdi_bench_{uuid.uuid4().hex[:8]}"
        self._template = f"{self._prefix}_tpl"
        self._names: list[str] = []
        self._create(self._template)
        self.key, self._deals = build(self._url(self._template))

    def deal_id(self, ref: str) -> int:
        return self._deals[ref]

    def copy(self) -> str:
        name = f"{self._prefix}_{len(self._names)}"
        self._create(name, template=self._template)
        return self._url(name)

    def close(self) -> None:
        with self._admin.connect() as conn:
            for name in reversed(self._names):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()

    def _create(self, name: str, template: str | None = None) -> None:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self._names.append(name)

    def _url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)


def postgres_reachable(admin_url: str = PG_ADMIN_URL, start_local: bool = True) -> str | None:
    """None when the PostgreSQL server answers; otherwise why not. A local cluster that is down is started
    first, as .ci/run does."""
    url = make_url(normalise_url(admin_url))
    host, port = url.host or "127.0.0.1", url.port or 5432
    if not _listening(host, port) and start_local and host in ("127.0.0.1", "localhost"):
        _start_local_cluster()
        deadline = time.monotonic() + 30
        while not _listening(host, port) and time.monotonic() < deadline:
            time.sleep(0.5)
    if not _listening(host, port):
        return f"nothing listens on {host}:{port}"
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: skip PostgreSQL, say why
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()
    return None


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def _start_local_cluster() -> None:
    versions = sorted(Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        return
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0].name, "main", "start"]
    print(f"  PostgreSQL is down; starting it: {' '.join(command)}", flush=True)
    subprocess.run(command, capture_output=True, timeout=60, check=False)
