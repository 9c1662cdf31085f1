"""API shapes for screening lists and their entries."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.vocabulary import ListCategory, OwnershipRule


class ScreeningListPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "US-DOD-1260H",
                    "name": "Chinese military companies (Section 1260H)",
                    "authority": "U.S. Department of Defense",
                    "category": "military",
                    "ownership_rule": "listed_affiliates",
                    "source_url": "https://www.defense.gov/",
                    "description": "Entities identified as Chinese military companies operating in the US.",
                    "version": 1,
                    "imported_at": "2026-11-24T12:00:00Z",
                    "content_digest": "3f0c...",
                    "entries": 397,
                }
            ]
        }
    )

    code: str
    name: str
    authority: str
    category: ListCategory
    ownership_rule: OwnershipRule
    source_url: str | None
    description: str | None
    version: int | None = Field(description="Current version number; null until the list is first imported.")
    imported_at: datetime | None
    content_digest: str | None
    entries: int = Field(description="Entries in the current version.")


class ScreeningEntryPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "name": "CRRC Corporation Limited",
                    "aliases": ["CRRC"],
                    "country": None,
                    "programs": ["NDAA FY2021 s.1260H"],
                    "start_date": "2022-10-05",
                    "end_date": None,
                    "parent_name": None,
                    "remarks": None,
                    "source_url": None,
                    "source_line": 6,
                    "raw": {"Name": "CRRC Corporation Limited (CRRC)*"},
                }
            ]
        },
    )

    id: int
    name: str
    aliases: list[str]
    country: str | None
    programs: list[str]
    start_date: date | None
    end_date: date | None
    parent_name: str | None
    remarks: str | None
    source_url: str | None
    source_line: int | None
    raw: dict[str, Any]
