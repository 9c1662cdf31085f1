"""API shapes for entities and ownership edges."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import CountryCode, InputModel, Name, Notes, Percent, Ref, Remark, line_text
from app.vocabulary import EntityKind

MAX_ALIASES = 50
MAX_IDENTIFIERS = 20
IDENTIFIER_SCHEME_MAX_LENGTH = 50
IDENTIFIER_MAX_LENGTH = 200

Identifiers = dict[
    Annotated[
        str, StringConstraints(min_length=1, max_length=IDENTIFIER_SCHEME_MAX_LENGTH, pattern=r"^[a-z][a-z0-9_]*$")
    ],
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=IDENTIFIER_MAX_LENGTH),
        AfterValidator(line_text),
    ],
]

_CRRC_EXAMPLE: dict[str, Any] = {
    "ref": "crrc",
    "name": "CRRC Corporation Limited",
    "aliases": ["CRRC", "中国中车股份有限公司"],
    "country": "CN",
    "kind": "company",
    "state_owned": True,
    "identifiers": {"sse": "601766", "hkex": "1766"},
    "notes": "Chinese state-owned rolling-stock maker; DoD 1260H list since the 2022-10-05 edition.",
}


class EntityCreate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CRRC_EXAMPLE]})

    ref: Ref | None = None
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=MAX_ALIASES)
    country: CountryCode | None = None
    kind: EntityKind = EntityKind.company
    state_owned: bool = False
    identifiers: Identifiers = Field(default_factory=dict, max_length=MAX_IDENTIFIERS)
    notes: Notes | None = None


class EntityUpdate(InputModel):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"aliases": ["CRRC", "CRRC Corp"], "state_owned": True}]}
    )

    ref: Ref | None = None
    name: Name | None = None
    aliases: list[Name] | None = Field(default=None, max_length=MAX_ALIASES)
    country: CountryCode | None = None
    kind: EntityKind | None = None
    state_owned: bool | None = None
    identifiers: Identifiers | None = Field(default=None, max_length=MAX_IDENTIFIERS)
    notes: Notes | None = None


class EntityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"id": 4, **_CRRC_EXAMPLE}]})

    id: int
    ref: str | None
    name: str
    aliases: list[str]
    country: str | None
    kind: EntityKind
    state_owned: bool
    identifiers: dict[str, str]
    notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class OwnershipCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"owner_id": 3, "percent": 55.91, "control": True, "source": "CRRC annual report 2016"}]
        },
    )

    owner_id: int = Field(gt=0, description="The entity that holds the share.")
    percent: Percent = Field(gt=0, description="Share held, 0 < percent <= 100.")
    control: bool = Field(default=False, description="Control beyond the share (board majority, golden share).")
    source: Remark | None = None


class OwnershipPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "owner_id": 3,
                    "owner_name": "CRRC Group Co., Ltd.",
                    "owned_id": 4,
                    "owned_name": "CRRC Corporation Limited",
                    "percent": 55.91,
                    "control": True,
                    "source": "CRRC annual report 2016",
                }
            ]
        }
    )

    owner_id: int
    owner_name: str
    owned_id: int
    owned_name: str
    percent: Percent
    control: bool
    source: str | None


class EntityDetail(EntityPublic):
    """One entity with its place in the ownership graph."""

    owners: list[OwnershipPublic] = Field(description="Who owns this entity.")
    holdings: list[OwnershipPublic] = Field(description="What this entity owns.")
