"""Reference data: the codes deals and entities may use."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import VIEWER, SessionDep
from app.schemas.reference import CountryPublic, SectorPublic, UsRestrictionPublic
from app.services import reference

router = APIRouter(prefix="/v1", tags=["reference data"])


@router.get("/sectors", dependencies=[VIEWER], summary="Sectors and their sensitivity")
def sectors(session: SessionDep) -> list[SectorPublic]:
    """Every sector code a deal may use, with its sensitivity (0-5) and the regimes it falls under."""
    return [SectorPublic.model_validate(s) for s in reference.list_sectors(session)]


@router.get("/countries", dependencies=[VIEWER], summary="Countries and their alignment groups")
def countries(
    session: SessionDep, group: Annotated[str | None, Query(max_length=64, description="e.g. nato, mnna")] = None
) -> list[CountryPublic]:
    """ISO 3166-1 countries with their alignment groups (excepted foreign states, NATO, major non-NATO allies,
    countries of concern, ...); `group` keeps the members of one group."""
    return [CountryPublic.model_validate(c) for c in reference.list_countries(session, group)]


@router.get("/us-restrictions", dependencies=[VIEWER], summary="US domestic restrictions")
def us_restrictions(session: SessionDep) -> list[UsRestrictionPublic]:
    """US measures that restrict a category at home, with the sectors, countries and lists they hit."""
    return [UsRestrictionPublic.model_validate(r) for r in reference.list_us_restrictions(session)]
