"""Engine construction: SQLite (file, WAL, foreign keys on) or PostgreSQL through psycopg 3."""

import json
import re
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# Each process keeps up to POOL_SIZE + POOL_OVERFLOW connections. The API lets REQUEST_SLOTS requests use the
# database at once (app/api/deps.py, request_slot), fewer than the connections, so a request never waits for one;
# the rest serve work outside a request's session (readiness checks, streamed rescoring).
POOL_SIZE = 10
POOL_OVERFLOW = 10
REQUEST_SLOTS = POOL_SIZE + POOL_OVERFLOW - 5
BUSY_SECONDS = 30.0  # how long a writer waits for the database before "database is locked", as busy_timeout
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_WRITING = "fdi_writer_lock"


def normalise_url(url: str) -> str:
    """Let operators write `postgresql://` and still get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=_dumps,
            connect_args={"check_same_thread": False, "timeout": BUSY_SECONDS},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    return create_engine(
        url, echo=echo, json_serializer=_dumps, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
    )


def _dumps(value: Any) -> str:
    # Keep non-ASCII names (Chinese, Hebrew) readable and searchable with LIKE in stored JSON.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while one writer commits; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    cursor.close()


def _queue_writers(engine: Engine) -> None:
    """One writer at a time per process, in the order they ask, on a lock taken at a transaction's first write
    and released when its connection goes back to the pool (after the commit or rollback).

    SQLite allows one writer; the others wait in its busy handler, which polls with sleeps that grow to 100 ms,
    so under concurrent writes a few requests waited over a second (docs/BENCHMARKS.md, API). Waiting on a lock
    instead wakes the next writer as soon as the last one is done. Writers in other processes still meet in
    SQLite's busy handler."""
    lock = threading.Lock()

    def before_write(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(_WRITING) or not _WRITE.match(statement):
            return
        if not lock.acquire(timeout=BUSY_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        conn.info[_WRITING] = True

    def release(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        # Checkin follows every commit or rollback of a unit of work; an invalidated connection (its transaction
        # gone with it) is reported before its record's info is cleared.
        if record is not None and record.info.pop(_WRITING, False):
            lock.release()

    event.listen(engine, "before_cursor_execute", before_write)
    event.listen(engine.pool, "checkin", release)
    event.listen(engine.pool, "invalidate", release)
