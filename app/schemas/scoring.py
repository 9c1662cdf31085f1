"""API shapes for scores: snapshots with their explanation, unsaved deals to score, rescore summaries."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import CountryCode, InputModel, Name
from app.schemas.deal import LIGHT_RAIL_EXAMPLE, MAX_PARTIES, DealCreate, PartyIn
from app.schemas.entity import MAX_ALIASES
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


SNAPSHOT_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "deal_id": 3,
    "score": 51,
    "tier": "high",
    "recommendation": "escalate",
    "ruleset": {"version": 1, "digest": "b46ca41caed08d4f4bc14a52952293c2a5f7e4a0e4c6a9d35f0e8f2b1c7d9e11"},
    "as_of": "2026-11-24",
    "computed_at": "2026-11-24T20:21:03Z",
    "computed_by": "anonymous",
    "factors": [
        {"factor": "blacklist", "points": 30, "cap": 40},
        {"factor": "sector", "points": 14, "cap": 25},
        {"factor": "us_relations", "points": 12, "cap": 20},
        {"factor": "foreign_control", "points": 8, "cap": 20},
        {"factor": "data_technology", "points": 0, "cap": 20},
        {"factor": "mitigation", "points": -13, "cap": 20},
    ],
    "rules": [
        {
            "rule_id": "blacklist.dod_1260h",
            "factor": "blacklist",
            "title": "Counterparty is named on the DoD list of Chinese military companies (Section 1260H)",
            "points": 30,
            "min_tier": "high",
            "evidence": [
                {
                    "fact": "counterparty.lists_direct",
                    "op": "contains",
                    "value": "US-DOD-1260H",
                    "actual": ["US-DOD-1260H"],
                }
            ],
            "citation": "William M. (Mac) Thornberry NDAA FY2021, Pub. L. 116-283, s.1260H",
        },
        {
            "rule_id": "mitigation.allied_subsidiary_supply",
            "factor": "mitigation",
            "title": "Supply comes through a subsidiary manufacturing in an allied jurisdiction (e.g. the US)",
            "points": -6,
            "min_tier": None,
            "evidence": [
                {
                    "fact": "mitigations",
                    "op": "contains",
                    "value": "supply_via_allied_subsidiary",
                    "actual": ["supply_via_allied_subsidiary"],
                },
                {
                    "fact": "manufacturer.country_groups",
                    "op": "contains_any",
                    "value": ["five_eyes", "nato", "excepted_foreign_state"],
                    "actual": ["five_eyes", "nato"],
                },
            ],
            "citation": "Source article: Israel's argument to US officials that the cars come from CRRC MA",
        },
    ],
    "facts": {
        "as_of": "2026-11-24",
        "counterparty.countries": ["CN"],
        "counterparty.lists": ["US-DOD-1260H"],
        "deal.sector": "urban_rail",
        "us.concern_level": "private",
    },
    "screening": [
        {
            "entity_id": 4,
            "entity_name": "CRRC Corporation Limited",
            "roles": ["supplier"],
            "list_code": "US-DOD-1260H",
            "entry_id": 51,
            "entry_name": "CRRC Corporation Limited",
            "listed_since": "2022-10-05",
            "score": 1.0,
            "matched": {"query": "CRRC Corporation Limited", "candidate": "CRRC Corporation Limited"},
            "via": [],
            "screened_as_of": "2026-11-24",
        },
        {
            "entity_id": 5,
            "entity_name": "CRRC MA Corporation",
            "roles": ["manufacturer"],
            "list_code": "US-DOD-1260H",
            "entry_id": 51,
            "entry_name": "CRRC Corporation Limited",
            "listed_since": "2022-10-05",
            "score": 1.0,
            "matched": {"query": "CRRC Corporation Limited", "candidate": "CRRC Corporation Limited"},
            "via": [4],
            "screened_as_of": "2026-11-24",
        },
    ],
    "inputs_digest": "5f1c0e0c3b2a49d8e7f6a5b4c3d2e1f00112233445566778899aabbccddeeff0",
}


class Snapshot(BaseModel):
    """A score with everything needed to explain and replay it."""

    model_config = ConfigDict(json_schema_extra={"examples": [SNAPSHOT_EXAMPLE]})

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
    aliases: list[Name] = Field(default_factory=list, max_length=MAX_ALIASES)
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
    parties: list[PartyIn | InlineParty] = Field(min_length=1, max_length=MAX_PARTIES)  # type: ignore[assignment]


class RescoreOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "deals": 3,
                    "changed": 1,
                    "scores_changed": 1,
                    "tier_moves": {"elevated->critical": 1},
                    "tier_counts_before": {
                        "low": 0,
                        "moderate": 0,
                        "elevated": 1,
                        "high": 2,
                        "critical": 0,
                        "unscored": 0,
                    },
                    "tier_counts_after": {"low": 0, "moderate": 0, "elevated": 0, "high": 2, "critical": 1},
                    "ruleset_version": 1,
                    "as_of": "2026-11-24",
                }
            ]
        }
    )

    deals: int = Field(description="Deals scored.")
    changed: int = Field(description="Deals whose tier differs from their previous stored score.")
    scores_changed: int = Field(description="Deals whose score differs from their previous stored score.")
    tier_moves: dict[str, int] = Field(description='Counts per move, e.g. {"moderate->high": 2}.')
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]
    ruleset_version: int | None
    as_of: date
