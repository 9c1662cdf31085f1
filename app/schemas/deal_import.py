"""API shapes for bulk deal import: the rows an import file may hold, and the report an import answers with."""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.schemas.common import InputModel, Name, Ref
from app.schemas.deal import MAX_PARTIES, DealCreate
from app.schemas.entity import EntityCreate
from app.vocabulary import PartyRole


class ImportFormat(StrEnum):
    csv = "csv"
    json = "json"
    yaml = "yaml"


class OnExisting(StrEnum):
    """What to do with a row whose `ref` is already used by a stored deal."""

    error = "error"
    skip = "skip"


class PartyRef(InputModel):
    """A party in an import file: a stored entity by `entity_id`, or by `entity` — `#12`, a ref, a name or an
    alias (names and aliases in any case). Exactly one of the two."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"entity": "crrc", "role": "supplier"}]})

    entity_id: int | None = Field(default=None, gt=0)
    entity: Name | None = None
    role: PartyRole

    @model_validator(mode="after")
    def _one_way_to_name_the_entity(self) -> "PartyRef":
        if (self.entity_id is None) == (self.entity is None):
            raise ValueError("give either entity_id or entity (a #id, ref, name or alias), not both")
        return self


class DealImportRow(DealCreate):
    """One deal of an import file: the POST /v1/deals body, with parties named by entity as well as by id."""

    parties: list[PartyRef] = Field(min_length=1, max_length=MAX_PARTIES)  # type: ignore[assignment]


class EntityImportRow(EntityCreate):
    """An entity an import file creates before its deals. `ref` is required: it is how a second import of the
    same file finds the entity again instead of creating a duplicate."""

    ref: Ref  # type: ignore[assignment]


class ImportedDeal(BaseModel):
    line: int | None = Field(description="The CSV line, or the YAML line of the item; null for JSON.")
    item: int | None = Field(description="Index of the item in a JSON or YAML list, from 0; null for CSV.")
    id: int | None = Field(description="The new deal's id; null in a dry run.")
    ref: str | None
    title: str


class SkippedDeal(BaseModel):
    line: int | None
    item: int | None
    id: int = Field(description="The stored deal that already has this ref.")
    ref: str


class ImportedEntity(BaseModel):
    line: int | None
    item: int
    id: int | None = Field(description="The entity's id; null for one a dry run would create.")
    ref: str
    name: str
    created: bool = Field(description="False when an entity with this ref was already stored and is reused.")


_RESULT_EXAMPLE: dict[str, Any] = {
    "dry_run": False,
    "created": 2,
    "deals": [
        {"line": 2, "item": None, "id": 41, "ref": "haifa-cranes-2025", "title": "Haifa port cranes from ZPMC"},
        {"line": 3, "item": None, "id": 42, "ref": None, "title": "Tel Aviv metro signalling"},
    ],
    "skipped": [],
    "entities_created": 0,
    "entities_reused": 0,
    "entities": [],
}


class DealImportResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_RESULT_EXAMPLE]})

    dry_run: bool = Field(description="True when nothing was written and the counts say what would be.")
    created: int = Field(description="Deals created (or, in a dry run, that would be created).")
    deals: list[ImportedDeal]
    skipped: list[SkippedDeal] = Field(description="Rows left out because their ref exists (on_existing=skip).")
    entities_created: int
    entities_reused: int
    entities: list[ImportedEntity]
