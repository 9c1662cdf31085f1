"""API shapes for the portfolio summary: deals and value by tier, sector and counterparty country."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Percent
from app.vocabulary import Tier

UNSCORED: Literal["unscored"] = "unscored"

_VALUE = "Total of the deals' `value_usd`, in whole USD; deals without a recorded value add nothing."
_WITH_VALUE = "How many of the deals have a recorded value, so a reader knows how complete `value_usd` is."
_COUNTRY = (
    "ISO 3166-1 alpha-2 code of the counterparties' country; null for counterparties whose country is not "
    "recorded (they count as foreign, as in scoring)."
)


# The three seed deals scored as of 2026-11-24 with the default ruleset; tests/api/test_portfolio.py checks that
# this is exactly what the API returns for them.
def _cn_only(sector: str, value_usd: int) -> dict[str, Any]:
    share = 100.0 if value_usd else None
    return {
        "sector": sector,
        "deals": 1,
        "value_usd": value_usd,
        "deals_without_counterparty": 0,
        "countries": [
            {"country": "CN", "deals": 1, "value_usd": value_usd, "deal_share_pct": 100.0, "value_share_pct": share}
        ],
        "top_country": "CN",
        "top_deal_share_pct": 100.0,
        "top_value_share_pct": share,
    }


def _totals(deals: int = 0, value_usd: int = 0, deals_with_value: int = 0) -> dict[str, int]:
    return {"deals": deals, "value_usd": value_usd, "deals_with_value": deals_with_value}


SUMMARY_EXAMPLE: dict[str, Any] = {
    "filters": {"sector": None, "host_country": None},
    **_totals(3, 383000000, 1),
    "by_tier": [
        {"tier": "low", **_totals()},
        {"tier": "moderate", **_totals()},
        {"tier": "elevated", **_totals()},
        {"tier": "high", **_totals(2, 383000000, 1)},
        {"tier": "critical", **_totals(1)},
        {"tier": "unscored", **_totals()},
    ],
    "by_sector": [
        {"sector": "urban_rail", **_totals(1, 383000000, 1)},
        {"sector": "connected_vehicles", **_totals(1)},
        {"sector": "ports", **_totals(1)},
    ],
    "by_counterparty_country": [{"country": "CN", **_totals(3, 383000000, 1)}],
    "without_counterparty": _totals(),
    "supplier_concentration": [
        _cn_only("urban_rail", 383000000),
        _cn_only("connected_vehicles", 0),
        _cn_only("ports", 0),
    ],
}


class PortfolioFilters(BaseModel):
    """The filters the summary was computed with, echoed so a saved response explains itself."""

    sector: str | None = None
    host_country: str | None = None


class Totals(BaseModel):
    deals: int = Field(ge=0)
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_with_value: int = Field(ge=0, description=_WITH_VALUE)


class TierTotals(BaseModel):
    tier: Tier | Literal["unscored"] = Field(
        description="Tier of the deal's latest stored score; `unscored` for deals never scored."
    )
    deals: int = Field(ge=0)
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_with_value: int = Field(ge=0, description=_WITH_VALUE)


class SectorTotals(BaseModel):
    sector: str = Field(description="A sector code from GET /v1/sectors.")
    deals: int = Field(ge=0)
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_with_value: int = Field(ge=0, description=_WITH_VALUE)


class CountryTotals(BaseModel):
    country: str | None = Field(description=_COUNTRY)
    deals: int = Field(ge=0, description="Deals with at least one counterparty from this country.")
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_with_value: int = Field(ge=0, description=_WITH_VALUE)


class CountryShare(BaseModel):
    country: str | None = Field(description=_COUNTRY)
    deals: int = Field(ge=0, description="Deals of the sector with at least one counterparty from this country.")
    value_usd: int = Field(ge=0, description=_VALUE)
    deal_share_pct: Percent = Field(description="Those deals as a percentage of all the sector's deals.")
    value_share_pct: Percent | None = Field(
        description="Their value as a percentage of the sector's recorded value; null when the sector has none."
    )


class SectorConcentration(BaseModel):
    """Where one sector's counterparties come from: e.g. every connected-vehicle deal has a Chinese supplier."""

    sector: str
    deals: int = Field(ge=0)
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_without_counterparty: int = Field(ge=0, description="Deals of the sector with no foreign counterparty.")
    countries: list[CountryShare] = Field(description="Countries by share of the sector's deals, largest first.")
    top_country: str | None = Field(description="The known country with the largest share of the sector's deals.")
    top_deal_share_pct: Percent | None
    top_value_share_pct: Percent | None


class PortfolioSummary(BaseModel):
    """Counts and value of the stored deals by tier, sector and counterparty country, and per-sector
    concentration of counterparties by country.

    A deal with counterparties from two countries counts once under each of them, with its whole value, so the
    country rows can add up to more than the portfolio; every other breakdown adds up to `deals` and `value_usd`.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY_EXAMPLE]})

    filters: PortfolioFilters
    deals: int = Field(ge=0)
    value_usd: int = Field(ge=0, description=_VALUE)
    deals_with_value: int = Field(ge=0, description=_WITH_VALUE)
    by_tier: list[TierTotals] = Field(description="Every tier in order from low to critical, then `unscored`.")
    by_sector: list[SectorTotals] = Field(description="Sectors with at least one deal, most deals first.")
    by_counterparty_country: list[CountryTotals] = Field(description="Counterparty countries, most deals first.")
    without_counterparty: Totals = Field(
        description="Deals with no foreign party in an investor, acquirer, operator or supplier role."
    )
    supplier_concentration: list[SectorConcentration] = Field(
        description="Per sector, the share of deals and value with a counterparty (investor, acquirer, operator "
        "or supplier) from each country; sectors in the order of `by_sector`."
    )
