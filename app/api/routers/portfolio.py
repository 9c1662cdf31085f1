"""The portfolio at a glance: where the risk and the money sit, and where the counterparties come from."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import VIEWER, SessionDep
from app.schemas.common import CountryCode, problems
from app.schemas.portfolio import PortfolioSummary
from app.services import portfolio

router = APIRouter(prefix="/v1/portfolio", tags=["portfolio"])


@router.get("/summary", dependencies=[VIEWER], summary="Portfolio summary", responses=problems(422))
def summary(
    session: SessionDep,
    sector: Annotated[str | None, Query(max_length=64, description="Only deals in this sector.")] = None,
    host_country: Annotated[CountryCode | None, Query(description="Only deals hosted in this country.")] = None,
) -> PortfolioSummary:
    """Counts and value (USD) of the stored deals by the tier of their latest score (`unscored` when never
    scored), by sector and by counterparty country, and per sector the share of deals and value whose
    counterparties come from each country, so concentration shows at once (e.g. every connected-vehicle deal
    has a Chinese supplier).

    A counterparty is a party in an investor, acquirer, operator or supplier role from another country than the
    deal's host (or of unknown country), as in scoring. Aggregated in the database: cheap on large portfolios.
    """
    return portfolio.summarise(session, sector=sector, host_country=host_country)
