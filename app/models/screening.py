"""Screening lists, their immutable versions, and the entries of each version."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc, UTCDateTime
from app.models._columns import created_at_field
from app.vocabulary import ListCategory, OwnershipRule


class ScreeningList(SQLModel, table=True):
    __tablename__ = "screening_list"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=300)
    authority: str = Field(max_length=300)
    category: ListCategory = Field(sa_type=String(32), nullable=False)
    ownership_rule: OwnershipRule = Field(sa_type=String(32), nullable=False)
    source_url: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    # Number of the version whose entries count; None until the first import.
    current_version: int | None = None
    imported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_digest: str | None = Field(default=None, max_length=64)


class ListVersion(SQLModel, table=True):
    """One import of a list. Versions are never edited; a new import writes a new version."""

    __tablename__ = "list_version"
    __table_args__ = (UniqueConstraint("list_id", "version", name="uq_list_version_list_version"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="screening_list.id", ondelete="CASCADE", index=True)
    version: int
    content_digest: str = Field(max_length=64)
    format: str = Field(max_length=32)
    source_name: str | None = Field(default=None, max_length=500)
    entry_count: int
    rejected_count: int = 0
    imported_at: datetime = created_at_field()


class ScreeningEntry(SQLModel, table=True):
    __tablename__ = "screening_entry"

    id: int | None = Field(default=None, primary_key=True)
    list_version_id: int = Field(foreign_key="list_version.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=1000)
    aliases: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    country: str | None = Field(default=None, max_length=2)
    programs: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    start_date: date | None = None
    end_date: date | None = None
    parent_name: str | None = Field(default=None, max_length=1000)
    remarks: str | None = Field(default=None, sa_type=Text)
    source_url: str | None = Field(default=None, sa_type=Text)
    source_line: int | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc, nullable=False)
    kind: str | None = Field(default=None, max_length=16)


class ScreeningDecision(SQLModel, table=True):
    """An analyst's verdict on a hit: `rejected` keeps it from firing again for this entity while the entry's
    names stay the same (`entry_key`); `confirmed` marks it reviewed."""

    __tablename__ = "screening_decision"
    __table_args__ = (UniqueConstraint("entity_id", "entry_key", name="uq_screening_decision_entity_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_id: int = Field(foreign_key="entity.id", ondelete="CASCADE", index=True)
    list_code: str = Field(max_length=40)
    entry_key: str = Field(max_length=64)
    entry_id: int | None = Field(default=None, foreign_key="screening_entry.id", ondelete="SET NULL")
    entry_name: str = Field(max_length=1000)
    status: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_type=Text)
    decided_by: str = Field(max_length=200)
    decided_at: datetime = created_at_field()
