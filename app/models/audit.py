"""Audit events: who changed what, with the object before and after, written in the same transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc
from app.models._columns import created_at_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=100)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
