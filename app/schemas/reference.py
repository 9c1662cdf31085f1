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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "us.transit_rolling_stock_2021",
                    "title": "Federal transit funds barred for rolling stock from Chinese state-linked manufacturers",
                    "authority": "U.S. Congress; administered by the Department of Transportation, Federal Transit "
                    "Administration",
                    "sectors": ["urban_rail"],
                    "countries": ["CN"],
                    "lists": [],
                    "effective_on": "2021-12-20",
                    "citation": "NDAA FY2020, Pub. L. 116-92, s.7613 (Dec. 20, 2019); 49 U.S.C. 5323(u); FTA FAQs "
                    "on Section 7613",
                    "notes": "Enacted 2019-12-20 with a two-year phase-in that ended 2021-12-20.",
                }
            ]
        },
    )

    code: str
    title: str
    authority: str
    sectors: list[str]
    countries: list[str]
    lists: list[str]
    effective_on: date
    citation: str
    notes: str | None
