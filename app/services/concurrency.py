"""Optimistic concurrency: a write names the version it read; a stale version is refused."""

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from app.core.errors import PreconditionFailed
from app.models._columns import utcnow


class Versioned(Protocol):
    version: int
    updated_at: datetime


def check_version(kind: str, current: int, expected: int | None) -> None:
    """`expected` None means the caller sent `If-Match: *` or the route does not require it."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The {kind} changed since you read it (you have version {expected}, it is now {current}); "
            "GET it again and retry."
        )


def bump(session: Session, row: Versioned) -> None:
    """Record a change to a versioned row: next version, new `updated_at`, flushed."""
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
