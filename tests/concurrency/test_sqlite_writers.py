"""On SQLite, writers in one process queue on a lock taken at a transaction's first write and released when its
connection returns to the pool, instead of polling in SQLite's busy handler. SQLite only: PostgreSQL has row locks.

Each test turns SQLite's own busy timeout off, so a writer that reached the database while another held it would
fail at once with "database is locked": the tests pass only if the second writer waited on the queue."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.db.session import unit_of_work


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade(url)
    engine = make_engine(url)

    def no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    event.listen(engine, "connect", no_busy_wait)
    yield engine
    engine.dispose()


def add_group(engine: Engine, code: str, before_commit: threading.Event | None = None) -> None:
    with unit_of_work(engine) as session:
        session.execute(text("INSERT INTO country_group (code, name, citation) VALUES (:c, :c, 'test')"), {"c": code})
        if before_commit is not None:
            before_commit.wait(10)


def groups(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        query = text("SELECT code FROM country_group WHERE citation = 'test' ORDER BY code")
        return list(conn.execute(query).scalars())


def test_a_second_writer_waits_for_the_first_to_commit(sqlite_engine: Engine) -> None:
    release = threading.Event()
    first = threading.Thread(target=add_group, args=(sqlite_engine, "first", release))
    first.start()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            add_group(sqlite_engine, "second")
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive(), "the second writer went ahead while the first held the database"
    assert groups(sqlite_engine) == [], "readers are not blocked, and see nothing uncommitted"
    release.set()
    first.join(10)
    waiting.join(10)
    assert errors == []
    assert groups(sqlite_engine) == ["first", "second"]


def test_a_rolled_back_writer_lets_the_next_one_in(sqlite_engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(sqlite_engine) as session:
        session.execute(text("INSERT INTO country_group (code, name, citation) VALUES ('gone', 'g', 'test')"))
        raise RuntimeError("the request failed")
    add_group(sqlite_engine, "after")
    assert groups(sqlite_engine) == ["after"]


def test_an_invalidated_connection_gives_its_turn_back(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        conn.execute(text("INSERT INTO country_group (code, name, citation) VALUES ('lost', 'l', 'test')"))
        conn.invalidate()
    add_group(sqlite_engine, "after")
    assert groups(sqlite_engine) == ["after"]


def test_reads_alone_never_take_the_writers_turn(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM country_group")).scalar()
        # The reader still holds its connection: a writer must not wait for it.
        add_group(sqlite_engine, "meanwhile")
    assert groups(sqlite_engine) == ["meanwhile"]
