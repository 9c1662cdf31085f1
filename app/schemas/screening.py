"""API shapes for screening: hits with their explanation, name screening, decisions, list imports."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from app.schemas.common import CountryCode, InputModel, Name, free_text

MAX_SCREENED_ALIASES = 50
MAX_SCREENED_LISTS = 50
MAX_HITS = 100
DECISION_NOTE_MAX_LENGTH = 5_000

ListCode = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
DecisionNote = Annotated[str, StringConstraints(max_length=DECISION_NOTE_MAX_LENGTH), AfterValidator(free_text)]


class MatchedNamesOut(BaseModel):
    query: str = Field(description="The screened name or alias that matched.", examples=["CRRC Corp"])
    candidate: str = Field(description="The entry's name or alias it matched.", examples=["CRRC Corporation Limited"])


class HitOut(BaseModel):
    list_code: str = Field(examples=["US-DOD-1260H"])
    entry_id: int = Field(examples=[51])
    entry_name: str = Field(examples=["CRRC Corporation Limited"])
    score: float = Field(ge=0, le=1, description="Name similarity, 1 for the same name after normalisation.")
    matched: MatchedNamesOut
    via: list[int] = Field(description="Owners the hit came through, nearest first; empty when direct.")
    listed_since: date | None = Field(description="Start date of the entry's earliest edition in force.")
    status: Literal["confirmed", "rejected", "unreviewed"] = Field(description="An analyst's decision on the hit.")


class ScreenRequest(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "CRRC Corp", "country": "CN", "as_of": "2026-11-24"}]},
    )

    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=MAX_SCREENED_ALIASES)
    country: CountryCode | None = Field(default=None, description="Lowers the score of entries of another country.")
    as_of: date | None = Field(default=None, description="Only entries in force on this date; default: any date.")
    lists: list[ListCode] | None = Field(
        default=None, max_length=MAX_SCREENED_LISTS, description="Only these lists; default all."
    )
    threshold: float | None = Field(default=None, ge=0.5, le=1, description="Minimum score; default 0.86.")
    limit: int = Field(default=10, ge=1, le=MAX_HITS)


_HIT_EXAMPLE: JsonDict = {
    "list_code": "US-DOD-1260H",
    "entry_id": 51,
    "entry_name": "CRRC Corporation Limited",
    "score": 1.0,
    "matched": {"query": "CRRC Corporation Limited", "candidate": "CRRC Corporation Limited"},
    "via": [4],
    "listed_since": "2022-10-05",
    "status": "unreviewed",
}


class ScreenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "CRRC Corp",
                    "as_of": "2026-11-24",
                    "threshold": 0.86,
                    "hits": [
                        {
                            **_HIT_EXAMPLE,
                            "via": [],
                            "matched": {"query": "CRRC Corp", "candidate": "CRRC Corporation Limited"},
                        }
                    ],
                }
            ]
        }
    )

    name: str
    as_of: date | None
    threshold: float
    hits: list[HitOut]


class EntityScreening(BaseModel):
    # CRRC MA, the US-built subsidiary in the light-rail seed deal, hit through its parent (entity 4).
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"entity_id": 5, "as_of": "2026-11-24", "hits": [_HIT_EXAMPLE]}]}
    )

    entity_id: int
    as_of: date
    hits: list[HitOut]


class DecisionIn(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "rejected", "note": "Different company: same words, unrelated registry number."}]
        },
    )

    status: Literal["confirmed", "rejected"]
    note: DecisionNote | None = None


class DecisionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "entity_id": 5,
                    "list_code": "US-DOD-1260H",
                    "entry_id": 51,
                    "entry_name": "CRRC Corporation Limited",
                    "status": "confirmed",
                    "note": "CRRC MA is wholly owned by CRRC; the listing applies through ownership.",
                    "decided_by": "dana-analyst",
                    "decided_at": "2026-11-24T09:30:00Z",
                }
            ]
        }
    )

    id: int
    entity_id: int
    list_code: str
    entry_id: int | None
    entry_name: str
    status: str
    note: str | None
    decided_by: str
    decided_at: datetime


class RejectedRowOut(BaseModel):
    line: int = Field(examples=[17])
    reason: str = Field(examples=["Start date '2021-13-01' is not a date (YYYY-MM-DD)"])


class ImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "list_code": "US-DOD-1260H",
                    "version": 2,
                    "created": True,
                    "entries": 397,
                    "rejected": [{"line": 17, "reason": "Start date '2021-13-01' is not a date (YYYY-MM-DD)"}],
                }
            ]
        }
    )

    list_code: str = Field(examples=["US-DOD-1260H"])
    version: int = Field(description="The list's current version after the import.")
    created: bool = Field(description="False when the file's content equals the current version (nothing written).")
    entries: int
    rejected: list[RejectedRowOut]
