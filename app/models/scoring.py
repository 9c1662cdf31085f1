"""Rulesets and the stored, auditable score snapshots computed with them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc
from app.models._columns import created_at_field
from app.vocabulary import Recommendation, RulesetStatus, Tier


class Ruleset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    status: RulesetStatus = Field(default=RulesetStatus.draft, sa_type=String(16), nullable=False, index=True)
    body: dict[str, Any] = Field(sa_type=JSONDoc, nullable=False)
    digest: str = Field(max_length=64)
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
    activated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


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
    inputs_digest: str = Field(max_length=64)
