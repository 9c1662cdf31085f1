"""API shapes for deals, their parties and their latest score."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, field_validator

from app.rules.facts import REGISTRY
from app.schemas.common import CountryCode, InputModel, Percent, Ref
from app.scoring.facts import ATTRIBUTE_PREFIX, attribute_fits
from app.vocabulary import ConcernLevel, DealStatus, DealType, Mitigation, PartyRole, Recommendation, Tier

AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
AttributeValue = (
    bool
    | int
    | float
    | Annotated[str, StringConstraints(max_length=2_000)]
    | list[Annotated[str, StringConstraints(max_length=200)]]
)
SectorCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="A sector code from GET /v1/sectors", examples=["urban_rail"]),
]

LIGHT_RAIL_EXAMPLE: dict[str, Any] = {
    "ref": "jerusalem-light-rail-cars",
    "title": "Jerusalem light-rail cars from CRRC",
    "description": "Denya Cebus buys 132 light-rail cars from CRRC after Poland's PESA withdrew.",
    "deal_type": "procurement",
    "sector": "urban_rail",
    "host_country": "IL",
    "value_usd": 383000000,
    "control": False,
    "government_party": False,
    "status": "signed",
    "parties": [
        {"entity_id": 7, "role": "buyer"},
        {"entity_id": 4, "role": "supplier"},
        {"entity_id": 5, "role": "manufacturer"},
    ],
    "attributes": {"units": 132, "crosses_green_line": True},
    "us_relations": {"concern_level": "private", "notes": "The Biden administration voiced concern to Israel."},
    "mitigations": ["supply_via_allied_subsidiary"],
    "sources": [{"url": "https://jewishinsider.com/", "title": "Jewish Insider", "published": "2025-06-02"}],
}


class PartyIn(InputModel):
    entity_id: int = Field(gt=0, examples=[4])
    role: PartyRole


class PartyOut(BaseModel):
    entity_id: int
    entity_name: str
    country: str | None
    state_owned: bool
    role: PartyRole


class UsRelations(InputModel):
    concern_level: ConcernLevel = ConcernLevel.none
    notes: str | None = Field(default=None, max_length=10_000)


class SourceRef(InputModel):
    url: HttpUrl
    title: str | None = Field(default=None, max_length=500)
    published: date | None = None


class _DealFields(InputModel):
    @field_validator("mitigations", check_fields=False)
    @classmethod
    def _unique_mitigations(cls, value: list[Mitigation] | None) -> list[Mitigation] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each mitigation may appear once")
        return value

    @field_validator("attributes", check_fields=False)
    @classmethod
    def _typed_attributes(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """Attributes the rules read (GET /v1/facts) must have their declared type, or a rule would miss them."""
        for key, item in (value or {}).items():
            spec = REGISTRY.get(ATTRIBUTE_PREFIX + key)
            if spec is not None and item is not None and not attribute_fits(spec.type, item):
                raise ValueError(f"attribute {key!r} must be of type {spec.type.value} (fact {spec.name})")
        return value


class DealCreate(_DealFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LIGHT_RAIL_EXAMPLE]})

    ref: Ref | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: str | None = Field(default=None, max_length=20_000)
    deal_type: DealType
    sector: SectorCode
    host_country: CountryCode
    value_usd: int | None = Field(default=None, ge=0, le=10**15, description="Whole US dollars.")
    stake_pct: Percent | None = None
    control: bool = Field(default=False, description="The counterparty gains control of the asset.")
    government_party: bool = Field(default=False, description="A government body is a party to the deal.")
    signed_on: date | None = None
    status: DealStatus = DealStatus.proposed
    parties: list[PartyIn] = Field(min_length=1, max_length=50)
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=50)
    us_relations: UsRelations = Field(default_factory=UsRelations)
    mitigations: list[Mitigation] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list, max_length=50)


class DealUpdate(_DealFields):
    """Fields to change; omitted fields stay as they are. `parties`, when given, replaces the whole list."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "in_operation", "mitigations": ["security_review"]}]}
    )

    ref: Ref | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    description: str | None = Field(default=None, max_length=20_000)
    deal_type: DealType | None = None
    sector: SectorCode | None = None
    host_country: CountryCode | None = None
    value_usd: int | None = Field(default=None, ge=0, le=10**15)
    stake_pct: Percent | None = None
    control: bool | None = None
    government_party: bool | None = None
    signed_on: date | None = None
    status: DealStatus | None = None
    parties: list[PartyIn] | None = Field(default=None, min_length=1, max_length=50)
    attributes: dict[AttributeKey, AttributeValue] | None = Field(default=None, max_length=50)
    us_relations: UsRelations | None = None
    mitigations: list[Mitigation] | None = None
    sources: list[SourceRef] | None = Field(default=None, max_length=50)


class ScoreSummary(BaseModel):
    score: int
    tier: Tier
    recommendation: Recommendation
    as_of: date
    computed_at: datetime


class DealPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 2, "version": 1, **LIGHT_RAIL_EXAMPLE}]})

    id: int
    ref: str | None
    title: str
    description: str | None
    deal_type: DealType
    sector: str
    host_country: str
    value_usd: int | None
    stake_pct: Percent | None
    control: bool
    government_party: bool
    signed_on: date | None
    status: DealStatus
    parties: list[PartyOut]
    attributes: dict[str, AttributeValue]
    us_relations: UsRelations
    mitigations: list[Mitigation]
    sources: list[SourceRef]
    latest_score: ScoreSummary | None = Field(description="The newest stored score, if the deal was scored.")
    version: int
    created_at: datetime
    updated_at: datetime
