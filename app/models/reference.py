"""Reference data loaded from seeds/: sectors and the regimes they fall under, countries and their groups,
and the US domestic restrictions used by the US-relations factor; and the stamp that says when any changed."""

from datetime import date
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc


class Regime(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    citation: str = Field(sa_type=Text)


class Sector(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    sensitivity: int
    regimes: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    description: str = Field(default="", sa_type=Text)
    source: str = Field(default="", sa_type=Text)


class CountryGroup(SQLModel, table=True):
    __tablename__ = "country_group"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    citation: str = Field(sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)


class Country(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=200)
    groups: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)


class UsRestriction(SQLModel, table=True):
    __tablename__ = "us_restriction"

    code: str = Field(primary_key=True, max_length=100)
    title: str = Field(max_length=300)
    authority: str = Field(max_length=300)
    sectors: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    countries: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    lists: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    effective_on: date
    citation: str = Field(sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)


def as_row(model: SQLModel) -> dict[str, Any]:
    """Column values of a row, for comparisons and audit snapshots."""
    return {c.key: getattr(model, c.key) for c in model.__table__.columns}  # type: ignore[attr-defined]


class ReferenceStamp(SQLModel, table=True):
    """One row whose stamp changes, by database trigger, with every write to what scoring keeps in memory:
    sectors, countries, US restrictions and screening lists (whose current version and digest name the entries
    in force; a version's entries are never edited). Workers compare it to decide whether their cached reference
    data and screening index still hold, so any writer, including SQL typed by hand, invalidates them."""

    __tablename__ = "reference_stamp"

    id: int = Field(primary_key=True)
    stamp: str = Field(max_length=32)
