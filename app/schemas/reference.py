"""API shapes for reference data: sectors, countries, US domestic restrictions."""

from datetime import date

from pydantic import BaseModel, ConfigDict


class SectorPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "ports",
                    "name": "Maritime ports and terminals",
                    "sensitivity": 5,
                    "regimes": ["cfius.critical_infrastructure", "eu.art4.critical_infrastructure"],
                    "description": "Port and terminal operation.",
                    "source": "31 CFR part 800, Appendix A",
                }
            ]
        },
    )

    code: str
    name: str
    sensitivity: int
    regimes: list[str]
    description: str
    source: str


class CountryPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"code": "IL", "name": "Israel", "groups": ["mnna"]}]},
    )

    code: str
    name: str
    groups: list[str]


class UsRestrictionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    title: str
    authority: str
    sectors: list[str]
    countries: list[str]
    lists: list[str]
    effective_on: date
    citation: str
    notes: str | None
