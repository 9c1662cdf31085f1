"""Entities (companies, state bodies, people, funds) and the ownership edges between them."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc
from app.models._columns import created_at_field, versioned_mapper_args
from app.vocabulary import EntityKind


class Entity(SQLModel, table=True):
    @declared_attr  # type: ignore[misc, arg-type]
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned_mapper_args(cls)

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, max_length=100, unique=True)
    name: str = Field(max_length=500, index=True)
    aliases: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    country: str | None = Field(default=None, max_length=2, foreign_key="country.code")
    kind: EntityKind = Field(default=EntityKind.company, sa_type=String(20), nullable=False)
    state_owned: bool = False
    identifiers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc, nullable=False)
    notes: str | None = Field(default=None, sa_type=Text)
    # The UPDATE and DELETE carry `WHERE version = <the version read>`: a writer that read a version another
    # writer has since replaced changes no row and gets a 412, even when both passed the If-Match check at once.
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Ownership(SQLModel, table=True):
    """`owner` holds `percent` of `owned`; `control` marks control beyond the share (board, golden share)."""

    __table_args__ = (
        UniqueConstraint("owner_id", "owned_id", name="uq_ownership_owner_owned"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        CheckConstraint("owner_id <> owned_id", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="entity.id", ondelete="CASCADE", index=True)
    owned_id: int = Field(foreign_key="entity.id", ondelete="CASCADE", index=True)
    percent: Decimal = Field(sa_type=Numeric(5, 2))
    control: bool = False
    source: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
