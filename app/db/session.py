"""The one place that commits: a unit of work commits when its block succeeds and rolls back otherwise."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Yield a session; commit on success, roll back on any exception. Services only flush."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
