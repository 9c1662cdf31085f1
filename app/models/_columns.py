"""Column helpers shared by the table classes."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Field

from app.db.metadata import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)  # type: ignore[no-any-return]


def versioned_mapper_args(cls: Any) -> dict[str, Any]:
    """Optimistic locking on the `version` column; the services set the next version themselves (bump)."""
    return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}
