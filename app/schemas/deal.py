"""API shapes for deals, their parties and their latest score."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    HttpUrl,
    StringConstraints,
    Tag,
    WithJsonSchema,
    field_validator,
)

from app.rules.facts import REGISTRY
from app.schemas.common import (
    REMARK_MAX_LENGTH,
    CountryCode,
    Description,
    InputModel,
    Label,
    Notes,
    Percent,
    Ref,
    Remark,
    Title,
    line_text,
)
from app.scoring.facts import ATTRIBUTE_PREFIX, attribute_fits
from app.vocabulary import ConcernLevel, DealStatus, DealType, Mitigation, PartyRole, Recommendation, Tier

MAX_PARTIES = 50
MAX_SOURCES = 50
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_ITEMS = 100  # strings in one list-valued attribute
ATTRIBUTE_ITEM_MAX_LENGTH = 200
SECTOR_CODE_MAX_LENGTH = 64  # sector.code

AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
AttributeItem = Annotated[str, StringConstraints(max_length=ATTRIBUTE_ITEM_MAX_LENGTH), AfterValidator(line_text)]


def _attribute_kind(value: object) -> str | None:
    """The branch an attribute value is checked against, so a problem is reported once, under its kind."""
    for kind, types in (("boolean", bool), ("integer", int), ("number", float), ("text", str), ("list", list)):
        if isinstance(value, types):
            return kind
    return None


AttributeValue = Annotated[
    Annotated[bool, Tag("boolean")]
    | Annotated[int, Tag("integer")]
    | Annotated[float, Tag("number")]
    | Annotated[Remark, Tag("text")]
    | Annotated[list[AttributeItem], Tag("list"), Field(max_length=MAX_ATTRIBUTE_ITEMS)],
    Discriminator(
        _attribute_kind,
        custom_error_type="attribute_type",
        custom_error_message="an attribute is a boolean, a number, a text or a list of texts",
    ),
    # anyOf, not the oneOf pydantic derives from the branches: 132 is both an integer and a number.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "number"},
                {"type": "string", "maxLength": REMARK_MAX_LENGTH},
                {
                    "type": "array",
                    "items": {"type": "string", "maxLength": ATTRIBUTE_ITEM_MAX_LENGTH},
                    "maxItems": MAX_ATTRIBUTE_ITEMS,
                },
            ]
        }
    ),
]
SectorCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SECTOR_CODE_MAX_LENGTH),
    AfterValidator(line_text),
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
    notes: Notes | None = None


class SourceRef(InputModel):
    url: HttpUrl
    title: Label | None = None
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
    title: Title
    description: Description | None = None
    deal_type: DealType
    sector: SectorCode
    host_country: CountryCode
    value_usd: int | None = Field(default=None, ge=0, le=10**15, description="Whole US dollars.")
    stake_pct: Percent | None = None
    control: bool = Field(default=False, description="The counterparty gains control of the asset.")
    government_party: bool = Field(default=False, description="A government body is a party to the deal.")
    signed_on: date | None = None
    status: DealStatus = DealStatus.proposed
    parties: list[PartyIn] = Field(min_length=1, max_length=MAX_PARTIES)
    attributes: dict[AttributeKey, AttributeValue] = Field(default_factory=dict, max_length=MAX_ATTRIBUTES)
    us_relations: UsRelations = Field(default_factory=UsRelations)
    mitigations: list[Mitigation] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list, max_length=MAX_SOURCES)


class DealUpdate(_DealFields):
    """Fields to change; omitted fields stay as they are. `parties`, when given, replaces the whole list."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "in_operation", "mitigations": ["security_review"]}]}
    )

    ref: Ref | None = None
    title: Title | None = None
    description: Description | None = None
    deal_type: DealType | None = None
    sector: SectorCode | None = None
    host_country: CountryCode | None = None
    value_usd: int | None = Field(default=None, ge=0, le=10**15)
    stake_pct: Percent | None = None
    control: bool | None = None
    government_party: bool | None = None
    signed_on: date | None = None
    status: DealStatus | None = None
    parties: list[PartyIn] | None = Field(default=None, min_length=1, max_length=MAX_PARTIES)
    attributes: dict[AttributeKey, AttributeValue] | None = Field(default=None, max_length=MAX_ATTRIBUTES)
    us_relations: UsRelations | None = None
    mitigations: list[Mitigation] | None = None
    sources: list[SourceRef] | None = Field(default=None, max_length=MAX_SOURCES)


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
