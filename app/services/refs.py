"""The `ref` column: a caller's own unique reference for a record."""

from typing import Any

from sqlmodel import Session, select

from app.core.errors import Conflict, FieldProblem


def ensure_ref_free(session: Session, model: type[Any], ref: str | None, own_id: int | None = None) -> None:
    """Refuse a `ref` that another record of the same kind already uses."""
    if ref is None:
        return
    existing = session.exec(select(model).where(model.ref == ref)).first()
    if existing is not None and existing.id != own_id:
        raise Conflict(f"ref {ref!r} is already used by record {existing.id}.", [FieldProblem("ref", "already used")])
