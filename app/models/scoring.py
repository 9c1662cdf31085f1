"""Rulesets and the stored, auditable score snapshots computed with them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc, UTCDateTime
from app.models._columns import created_at_field
from app.vocabulary import Recommendation, RulesetStatus, Tier


class Ruleset(SQLModel, table=True):
    """A ruleset version. Drafts are editable; an activated version is immutable; at most one is active."""

    # The database itself refuses a second active version, even under concurrent activations.
    __table_args__ = (
        Index(
            "uq_ruleset_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    status: RulesetStatus = Field(default=RulesetStatus.draft, sa_type=String(16), nullable=False, index=True)
    body: dict[str, Any] = Field(sa_type=JSONDoc, nullable=False)
    digest: str = Field(max_length=64)
    notes: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(default="anonymous", max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    activated_by: str | None = Field(default=None, max_length=200)
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScoreSnapshot(SQLModel, table=True):
    __tablename__ = "score_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", index=True)
    score: int
    tier: Tier = Field(sa_type=String(16), nullable=False)
    recommendation: Recommendation = Field(sa_type=String(32), nullable=False)
    ruleset_version: int
    ruleset_digest: str = Field(max_length=64)
    as_of: date
    computed_at: datetime = created_at_field()
    factors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc, nullable=False)
    # The screening hits behind the list facts: which entry, matched how, through which owners.
    screening: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    computed_by: str = Field(default="anonymous", max_length=200)
    inputs_digest: str = Field(max_length=64)
