"""API shapes for scores: snapshots with their explanation, unsaved deals to score, rescore summaries."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import CountryCode, InputModel, Name
from app.schemas.deal import LIGHT_RAIL_EXAMPLE, DealCreate, PartyIn
from app.vocabulary import EntityKind, PartyRole, Recommendation, Tier


class RulesetStamp(BaseModel):
    version: int | None = Field(description="Ruleset version; null for an unsaved ruleset.", examples=[1])
    digest: str = Field(description="sha256 of the ruleset's canonical JSON.")


class FactorOut(BaseModel):
    factor: str = Field(examples=["blacklist"])
    points: int = Field(description="The factor's total after clamping to ±cap.", examples=[35])
    cap: int = Field(examples=[40])


class EvidenceOut(BaseModel):
    fact: str = Field(examples=["counterparty.lists"])
    op: str = Field(description='The operator; "not …" when the leaf held by failing under a `not`.')
    value: Any = Field(description="The value the rule compares with.", examples=["US-DOD-1260H"])
    actual: Any = Field(description="The fact's value for this deal.", examples=[["US-DOD-1260H"]])


class FiredRuleOut(BaseModel):
    rule_id: str = Field(examples=["blacklist.dod_1260h"])
    factor: str = Field(examples=["blacklist"])
    title: str
    points: int
    min_tier: Tier | None = None
    evidence: list[EvidenceOut]
    citation: str


class MatchedNames(BaseModel):
    query: str = Field(description="The party's name or alias that matched.", examples=["CRRC"])
    candidate: str = Field(description="The list entry's name or alias it matched.", examples=["CRRC"])


class ScreeningHitOut(BaseModel):
    entity_id: int = Field(description="The party hit (negative for an inline party of an unsaved deal).")
    entity_name: str
    roles: list[str]
    list_code: str = Field(examples=["US-DOD-1260H"])
    entry_id: int
    entry_name: str
    listed_since: date | None
    score: float = Field(description="Match score, 0-1.")
    matched: MatchedNames
    via: list[int] = Field(description="Owners the hit came through, nearest first; empty when direct.")
    screened_as_of: date = Field(description="The date screened: the score's as_of, or the signing date.")


class Snapshot(BaseModel):
    """A score with everything needed to explain and replay it."""

    id: int | None = Field(description="Null for a score that was not stored.")
    deal_id: int | None
    score: int = Field(ge=0, le=100)
    tier: Tier
    recommendation: Recommendation
    ruleset: RulesetStamp
    as_of: date
    computed_at: datetime
    computed_by: str | None = None
    factors: list[FactorOut]
    rules: list[FiredRuleOut] = Field(description="Rules that fired, in ruleset order, with their evidence.")
    facts: dict[str, Any] = Field(description="Every fact the rules saw (GET /v1/facts explains each).")
    screening: list[ScreeningHitOut] = Field(description="The list hits behind the list facts.")
    inputs_digest: str = Field(description="sha256 of the facts and the ruleset digest: equal inputs, equal digest.")


class InlineParty(InputModel):
    """A party that is not stored: screened by its names; it has no ownership."""

    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=50)
    country: CountryCode | None = None
    kind: EntityKind = EntityKind.company
    state_owned: bool = False
    role: PartyRole


class UnsavedDeal(DealCreate):
    """A deal body to score without storing it; parties by `entity_id` or inline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **LIGHT_RAIL_EXAMPLE,
                    "parties": [
                        {"name": "Denya Cebus Ltd.", "country": "IL", "role": "buyer"},
                        {"name": "CRRC Corporation Limited", "country": "CN", "state_owned": True, "role": "supplier"},
                    ],
                }
            ]
        },
    )

    title: Name = "Unsaved deal"
    parties: list[PartyIn | InlineParty] = Field(min_length=1, max_length=50)  # type: ignore[assignment]


class RescoreOut(BaseModel):
    deals: int = Field(description="Deals scored.")
    changed: int = Field(description="Deals whose tier differs from their previous stored score.")
    scores_changed: int = Field(description="Deals whose score differs from their previous stored score.")
    tier_moves: dict[str, int] = Field(description='Counts per move, e.g. {"moderate->high": 2}.')
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]
    ruleset_version: int | None
    as_of: date
