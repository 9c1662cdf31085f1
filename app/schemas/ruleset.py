"""API shapes for rulesets, the fact registry and simulations."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "counterparty.lists",
                    "type": "string_set",
                    "meaning": "Screening list codes hit by counterparties, direct or inherited.",
                    "example": ["US-DOD-1260H"],
                    "operators": ["contains", "contains_all", "contains_any", "exists"],
                    "choices": None,
                }
            ]
        }
    )

    name: str = Field(examples=["counterparty.lists"])
    type: str = Field(examples=["string_set"])
    meaning: str
    example: Any
    operators: list[str] = Field(description="Operators a rule may use on this fact.")
    choices: list[str] | None = Field(default=None, description="The values the fact takes, when it is a vocabulary.")


class RulesetSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "status": "active",
                    "digest": "b46ca41caed08d4f4bc14a52952293c2a5f7e4a0e4c6a9d35f0e8f2b1c7d9e11",
                    "notes": "Default ruleset, version 1.",
                    "rule_count": 56,
                    "created_by": "seed",
                    "created_at": "2026-11-24T20:21:03Z",
                    "updated_at": "2026-11-24T20:21:03Z",
                    "activated_by": "seed",
                    "activated_at": "2026-11-24T20:21:03Z",
                }
            ]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "against_version": 1,
                    "as_of": "2026-11-24",
                    "deals": 3,
                    "changed": 1,
                    "moves": [
                        {
                            "deal_id": 3,
                            "title": "Jerusalem light-rail cars from CRRC",
                            "from_tier": "high",
                            "to_tier": "high",
                            "from_score": 51,
                            "to_score": 56,
                            "delta": 5,
                            "rules_added": [],
                            "rules_removed": [],
                        }
                    ],
                    "tier_counts_before": {"low": 0, "moderate": 0, "elevated": 0, "high": 2, "critical": 1},
                    "tier_counts_after": {"low": 0, "moderate": 0, "elevated": 0, "high": 2, "critical": 1},
                }
            ]
        }
    )

    version: int = Field(description="The simulated version.")
    against_version: int | None = Field(description="The active version it is compared with.")
    as_of: date
    deals: int
    changed: int = Field(description="Deals whose score, tier or fired rules differ.")
    moves: list[MoveOut] = Field(description="Each deal that changed, largest tier moves first.")
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]
