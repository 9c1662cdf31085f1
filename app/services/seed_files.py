"""The shapes of the seed files in seeds/, validated before anything is written."""

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.errors import FieldProblem, SeedError
from app.schemas.common import Percent
from app.schemas.deal import DealCreate, PartyIn
from app.schemas.entity import EntityCreate
from app.vocabulary import ListCategory, OwnershipRule, PartyRole

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegimeSeed(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_.]+$")
    name: str
    citation: str


class SectorSeed(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    sensitivity: int = Field(ge=0, le=5)
    regimes: list[str] = Field(default_factory=list)
    description: str = ""
    source: str = ""


class SectorsFile(_Strict):
    source: str
    regimes: list[RegimeSeed]
    sectors: list[SectorSeed]


class GroupSeed(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    citation: str
    notes: str | None = None


class CountrySeed(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    groups: list[str] = Field(default_factory=list)


class CountriesFile(_Strict):
    source: str
    groups: list[GroupSeed]
    countries: list[CountrySeed]


class RestrictionSeed(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_.]+$")
    title: str
    authority: str
    sectors: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    effective_on: date
    citation: str
    notes: str | None = None


class RestrictionsFile(_Strict):
    source: str
    restrictions: list[RestrictionSeed]


class ListDefinition(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9-]+$")
    name: str
    authority: str
    category: ListCategory
    ownership_rule: OwnershipRule
    source_url: str | None = None
    description: str | None = None


class ListImport(_Strict):
    code: str
    format: str
    file: str
    edition: str | None = None


class ListsFile(_Strict):
    source: str
    lists: list[ListDefinition]
    imports: list[ListImport] = Field(default_factory=list)


class EntitySeed(EntityCreate):
    ref: str  # type: ignore[assignment]  # required in seeds: it is how a second run recognises the record


class OwnershipSeed(_Strict):
    owner: str
    owned: str
    percent: Percent = Field(gt=0)
    control: bool = False
    source: str


class PartySeed(_Strict):
    entity: str
    role: PartyRole


class DealSeed(_Strict):
    """A deal as in DealCreate, with parties named by entity ref instead of id."""

    model_config = ConfigDict(extra="allow")

    ref: str
    parties: list[PartySeed]

    def to_create(self, entity_ids: dict[str, int]) -> DealCreate:
        body: dict[str, Any] = self.model_dump(exclude={"parties"})
        body["parties"] = [PartyIn(entity_id=entity_ids[p.entity], role=p.role) for p in self.parties]
        return DealCreate.model_validate(body)


class DealFile(_Strict):
    source: str
    entities: list[EntitySeed] = Field(default_factory=list)
    ownership: list[OwnershipSeed] = Field(default_factory=list)
    deal: DealSeed


def load(path: Path, model: type[M]) -> M:
    """Read and validate one YAML seed file; every problem names the file and the path inside it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(f"Seed file {path} is missing.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeedError(f"Seed file {path} is not valid YAML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SeedError(
            f"Seed file {path.name} is invalid.",
            [FieldProblem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()],
        ) from None
