"""Record audit events inside the caller's transaction."""

from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import Session, SQLModel, col, select

from app.models import AuditEvent
from app.services.paging import PageRequest, PageResult, count


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


def list_events(
    session: Session,
    page: PageRequest,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PageResult[AuditEvent]:
    """Audit events, newest first, filtered; `since` is inclusive, `until` exclusive."""
    query = select(AuditEvent)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if object_type is not None:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.at) < until)
    total = count(session, query)  # type: ignore[arg-type]
    rows = session.exec(
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(page.limit).offset(page.offset)
    )
    return PageResult(items=list(rows), total=total, limit=page.limit, offset=page.offset)
