"""Record audit events inside the caller's transaction."""

from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, SQLModel

from app.models import AuditEvent


def snapshot(row: SQLModel) -> dict[str, Any]:
    """JSON-safe column values of a row, as stored in `before` and `after`."""
    values = {c.key: getattr(row, c.key) for c in row.__table__.columns}  # type: ignore[attr-defined]
    return to_jsonable_python(values)  # type: ignore[no-any-return]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=to_jsonable_python(before) if before is not None else None,
            after=to_jsonable_python(after) if after is not None else None,
        )
    )
