"""Seeing, from outside the server, that its import is half-way: a write transaction is open and has already put
rows on disk. A test kills the server at that moment, so the crash leaves uncommitted data behind for the
database's recovery to discard, rather than killing it before the first write or after the commit.

SQLite: the WAL has grown past its size when the import was sent (SQLite spills uncommitted pages to the WAL once
its page cache is full; nothing checkpoints the WAL while a transaction is open), and the writer lock (a
`BEGIN IMMEDIATE` that fails at once) shows that the transaction has not committed yet.
PostgreSQL: the table the import fills has grown on disk, and a backend of the test database holds a
transaction id (it has written) and has not ended.
"""

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.db.engine import is_sqlite, make_engine

POLL_SECONDS = 0.005


class WriteWatch(Protocol):
    def prepare(self) -> None:
        """Before anything the test wants in the WAL is written (SQLite: empty the WAL; PostgreSQL: nothing)."""

    def start(self) -> None:
        """Take the baseline; call while the server is idle, right before sending the import."""

    def in_progress(self) -> bool:
        """True while a write transaction is open and has put at least the threshold of data on disk."""

    def describe(self) -> str:
        """What the last look saw, for the test's messages."""

    def close(self) -> None: ...


class SqliteWrites:
    def __init__(self, url: str, threshold_bytes: int) -> None:
        database = make_url(url).database
        assert database, url
        self.path = Path(database)
        self.wal = self.path.with_name(self.path.name + "-wal")
        self.threshold = threshold_bytes
        self.baseline = 0
        self.seen = 0

    def prepare(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        assert busy == 0, "the WAL could not be checkpointed: is the server still writing?"
        assert self.wal_size() == 0, f"the WAL still holds {self.wal_size()} bytes after TRUNCATE"

    def start(self) -> None:
        self.baseline = self.wal_size()

    def grown(self) -> int:
        return self.wal_size() - self.baseline

    def wal_size(self) -> int:
        return self.wal.stat().st_size if self.wal.exists() else 0

    def in_progress(self) -> bool:
        self.seen = self.grown()
        # Stat first: the lock probe takes the writer lock for an instant when it is free, so it runs only once
        # the WAL shows writes, not all through the server's parsing.
        return self.seen >= self.threshold and self._writer_lock_held()

    def _writer_lock_held(self) -> bool:
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        else:
            conn.execute("ROLLBACK")
            return False
        finally:
            conn.close()

    def describe(self) -> str:
        return f"the WAL grew by {self.seen} bytes (threshold {self.threshold})"

    def close(self) -> None:
        pass


class PostgresWrites:
    def __init__(self, url: str, table: str, threshold_bytes: int) -> None:
        self.engine: Engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        self.table = table
        self.threshold = threshold_bytes
        self.baseline = 0
        self.seen = 0

    def prepare(self) -> None:
        pass

    def _size(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(text("SELECT pg_relation_size(CAST(:t AS regclass))"), {"t": self.table}).scalar_one()
            )

    def start(self) -> None:
        self.baseline = self._size()

    def in_progress(self) -> bool:
        self.seen = self._size() - self.baseline
        return self.seen >= self.threshold and _writers(self.engine) > 0

    def describe(self) -> str:
        return f"{self.table} grew by {self.seen} bytes (threshold {self.threshold})"

    def close(self) -> None:
        self.engine.dispose()


def _writers(engine: Engine) -> int:
    """Backends of the test database, other than this one, inside a transaction that has written."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            ).scalar_one()
        )


def wait_until_rolled_back(url: str, timeout: float) -> None:
    """PostgreSQL: wait until no backend holds the killed server's transaction. The backend rolls it back when it
    finds its client gone, which takes until it next reads from or writes to the dead connection."""
    if is_sqlite(url):
        return
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        wait_for(lambda: _writers(engine) == 0, timeout=timeout, failure=lambda: None)
    finally:
        engine.dispose()


def write_watch(url: str, table: str, *, sqlite_bytes: int, postgres_bytes: int) -> WriteWatch:
    """The watch for `url`'s backend; `table` is the one the import fills (PostgreSQL only: SQLite has one WAL)."""
    if is_sqlite(url):
        return SqliteWrites(url, sqlite_bytes)
    return PostgresWrites(url, table, postgres_bytes)


def wait_for(condition: Callable[[], bool], *, timeout: float, failure: Callable[[], str | None]) -> None:
    """Poll `condition` until it holds. `failure` says why waiting is pointless (the server died, the request
    already finished); it fails the test with that message, as does the timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        reason = failure()
        if reason is not None:
            raise AssertionError(reason)
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
