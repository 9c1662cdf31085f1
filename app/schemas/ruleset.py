"""API shapes for rulesets, the fact registry and simulations."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from app.vocabulary import RulesetStatus, Tier

RULESET_EXAMPLE: dict[str, Any] = {
    "factors": {
        "blacklist": {"cap": 40},
        "sector": {"cap": 25},
        "us_relations": {"cap": 20},
        "foreign_control": {"cap": 20},
        "data_technology": {"cap": 20},
        "mitigation": {"cap": 20},
    },
    "tiers": [
        {"name": "low", "min_score": 0},
        {"name": "moderate", "min_score": 20},
        {"name": "elevated", "min_score": 40},
        {"name": "high", "min_score": 60},
        {"name": "critical", "min_score": 80},
    ],
    "recommendations": {
        "low": "approve",
        "moderate": "approve_with_conditions",
        "elevated": "approve_with_conditions",
        "high": "escalate",
        "critical": "block",
    },
    "rules": [
        {
            "id": "blacklist.dod_1260h",
            "factor": "blacklist",
            "title": "Counterparty is on the DoD 1260H list",
            "when": {"fact": "counterparty.lists", "op": "contains", "value": "US-DOD-1260H"},
            "points": 35,
            "min_tier": "high",
            "citation": "NDAA FY2021 s.1260H; DoD list of Chinese military companies",
        }
    ],
    "notes": "A one-rule example.",
}


class FactOut(BaseModel):
    name: str = Field(examples=["counterparty.lists"])
    type: str = Field(examples=["string_set"])
    meaning: str
    example: Any
    operators: list[str] = Field(description="Operators a rule may use on this fact.")
    choices: list[str] | None = Field(default=None, description="The values the fact takes, when it is a vocabulary.")


class RulesetSummary(BaseModel):
    version: int
    status: RulesetStatus
    digest: str
    notes: str | None
    rule_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    activated_by: str | None
    activated_at: datetime | None


class RulesetPublic(RulesetSummary):
    body: dict[str, Any] = Field(description="The ruleset itself, in canonical form.", examples=[RULESET_EXAMPLE])


class MoveOut(BaseModel):
    deal_id: int
    title: str
    from_tier: Tier
    to_tier: Tier
    from_score: int
    to_score: int
    delta: int
    rules_added: list[str]
    rules_removed: list[str]


class SimulationOut(BaseModel):
    version: int = Field(description="The simulated version.")
    against_version: int | None = Field(description="The active version it is compared with.")
    as_of: date
    deals: int
    changed: int = Field(description="Deals whose score, tier or fired rules differ.")
    moves: list[MoveOut] = Field(description="Each deal that changed, largest tier moves first.")
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]
