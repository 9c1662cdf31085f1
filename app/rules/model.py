"""Pydantic models of a ruleset: the `when` tree, rules, factors, tiers and recommendations."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

from app.core.text import free_text, line_text
from app.vocabulary import Recommendation, Tier

RULE_ID_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
RULE_ID_MAX_LENGTH = 100
RULE_TITLE_MAX_LENGTH = 300
CITATION_MAX_LENGTH = 2_000
NOTES_MAX_LENGTH = 10_000


RuleTitle = Annotated[str, StringConstraints(min_length=1, max_length=RULE_TITLE_MAX_LENGTH), AfterValidator(line_text)]
Citation = Annotated[str, StringConstraints(min_length=1, max_length=CITATION_MAX_LENGTH), AfterValidator(free_text)]
Notes = Annotated[str, StringConstraints(max_length=NOTES_MAX_LENGTH), AfterValidator(free_text)]


class Op(StrEnum):
    """Comparison operators a leaf may use."""

    eq = "eq"
    ne = "ne"
    lt = "lt"
    lte = "lte"
    gt = "gt"
    gte = "gte"
    in_ = "in"
    not_in = "not_in"
    contains = "contains"
    contains_any = "contains_any"
    contains_all = "contains_all"
    exists = "exists"
    between = "between"


class FactorName(StrEnum):
    """The factors a rule may add points to."""

    blacklist = "blacklist"
    sector = "sector"
    us_relations = "us_relations"
    foreign_control = "foreign_control"
    data_technology = "data_technology"
    mitigation = "mitigation"


_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Leaf(BaseModel):
    """A single test of one fact; value types are checked against the registry by validate.py."""

    model_config = _STRICT
    fact: str
    op: Op
    value: Any = None


class All(BaseModel):
    """Holds when every child holds."""

    model_config = _STRICT
    all: list["Node"] = Field(min_length=1)


class AnyOf(BaseModel):
    """Holds when at least one child holds."""

    model_config = _STRICT
    any: list["Node"] = Field(min_length=1)


class Not(BaseModel):
    """Holds when its child does not."""

    model_config = _STRICT
    not_: "Node" = Field(alias="not")


Any_ = AnyOf


def _node_kind(data: object) -> str | None:
    """Pick the node kind from the key present, so errors name one branch rather than all four."""
    if isinstance(data, BaseModel):
        return {Leaf: "leaf", All: "all", AnyOf: "any", Not: "not"}.get(type(data))
    if isinstance(data, dict):
        for key in ("all", "any", "not"):
            if key in data:
                return key
        return "leaf"
    return None


_Tagged = (
    Annotated[Leaf, Tag("leaf")]
    | Annotated[All, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
)
Node = Annotated[_Tagged, Discriminator(_node_kind)]

All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


class Rule(BaseModel):
    """One scoring rule: when `when` holds, `points` go to `factor`, optionally with a tier floor."""

    model_config = _STRICT
    id: str = Field(pattern=RULE_ID_PATTERN, max_length=RULE_ID_MAX_LENGTH)
    factor: FactorName
    title: RuleTitle
    when: Node
    points: int
    min_tier: Tier | None = None
    citation: Citation


class Factor(BaseModel):
    """A factor's cap: its total is clamped to [-cap, cap]."""

    model_config = _STRICT
    cap: int = Field(gt=0)


class TierThreshold(BaseModel):
    """The lowest score that reaches a tier."""

    model_config = _STRICT
    name: Tier
    min_score: int = Field(ge=0, le=100)


class Ruleset(BaseModel):
    """A complete ruleset as stored in YAML or sent through the API."""

    model_config = _STRICT
    factors: dict[FactorName, Factor]
    tiers: list[TierThreshold]
    recommendations: dict[Tier, Recommendation]
    rules: list[Rule]
    notes: Notes = ""
