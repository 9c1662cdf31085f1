"""API keys and idempotency records: who may call the API, and which creates were already answered."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc, UTCDateTime
from app.models._columns import created_at_field


class ApiKey(SQLModel, table=True):
    """A key is stored only as its SHA-256 digest; `prefix` (its first characters) identifies it in listings."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=16)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    created_by: str = Field(max_length=100)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a create sent with an Idempotency-Key, kept so a retry gets it again."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        UniqueConstraint("actor", "key", name="uq_idempotency_record_actor_key"),
        Index("ix_idempotency_record_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)
    key: str = Field(max_length=200)
    method: str = Field(max_length=8)
    path: str = Field(max_length=500)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: Any | None = Field(default=None, sa_type=JSONDoc, nullable=True)
    headers: dict[str, str] = Field(default_factory=dict, sa_type=JSONDoc)
    created_at: datetime = created_at_field()
