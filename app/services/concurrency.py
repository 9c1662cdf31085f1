"""Optimistic concurrency: a write names the version it read; a stale version is refused."""

from app.core.errors import PreconditionFailed


def check_version(kind: str, current: int, expected: int | None) -> None:
    """`expected` None means the caller sent `If-Match: *` or the route does not require it."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The {kind} changed since you read it (you have version {expected}, it is now {current}); "
            "GET it again and retry."
        )
