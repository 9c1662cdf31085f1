"""The portfolio summary: deals and value by tier, sector and counterparty country, aggregated in the database.

Three grouped queries, run as one statement whatever the number of deals: totals by (latest tier, sector);
totals by (sector, counterparty country) over the distinct counterparty countries of each deal; and, per sector,
the deals that have any counterparty. Python only folds the small grids those return into the response.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, exists, func, literal, null, or_, select, union_all
from sqlmodel import Session, col

from app.models import Deal, DealParty, Entity, ScoreSnapshot
from app.schemas.portfolio import (
    UNSCORED,
    CountryShare,
    CountryTotals,
    PortfolioFilters,
    PortfolioSummary,
    SectorConcentration,
    SectorTotals,
    TierTotals,
    Totals,
)
from app.vocabulary import COUNTERPARTY_ROLES, TIER_ORDER, Tier

_COUNTERPARTY_ROLES = sorted(role.value for role in COUNTERPARTY_ROLES)
_CENT = Decimal("0.01")
_TIER_KEYS: tuple[Tier | Literal["unscored"], ...] = (*TIER_ORDER, UNSCORED)

K = TypeVar("K", bound=str | None)
_TIER_SECTOR, _SECTOR_COUNTRY, _WITH_COUNTERPARTY = 1, 2, 3  # which grid a row of the combined query belongs to


@dataclass
class _Sums:
    """Deals, their recorded value and how many had one: the three numbers every bucket carries."""

    deals: int = 0
    value_usd: int = 0
    deals_with_value: int = 0

    def add(self, deals: int, value_usd: int, deals_with_value: int) -> None:
        self.deals += deals
        self.value_usd += value_usd
        self.deals_with_value += deals_with_value

    def minus(self, other: "_Sums") -> "_Sums":
        return _Sums(
            self.deals - other.deals, self.value_usd - other.value_usd, self.deals_with_value - other.deals_with_value
        )


def _deal_filters(sector: str | None, host_country: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if sector:
        conditions.append(col(Deal.sector) == sector)
    if host_country:
        conditions.append(col(Deal.host_country) == host_country.upper())
    return conditions


def _is_counterparty() -> ColumnElement[bool]:
    """A party in a counterparty role from another country than the deal's host, or of unknown country.

    The SQL twin of `app.scoring.facts.counterparties`, so the summary and the scores agree on who is foreign.
    """
    return and_(
        col(DealParty.role).in_(_COUNTERPARTY_ROLES),
        or_(col(Entity.country).is_(None), col(Entity.country) != col(Deal.host_country)),
    )


def _sums_columns() -> tuple[Any, Any, Any]:
    return func.count(), func.sum(col(Deal.value_usd)), func.count(col(Deal.value_usd))


def _by_tier_and_sector(filters: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Totals by the tier of each deal's latest snapshot (highest id, as GET /v1/deals) and sector."""
    latest = (
        select(col(ScoreSnapshot.deal_id), func.max(ScoreSnapshot.id).label("snapshot_id"))
        .group_by(col(ScoreSnapshot.deal_id))
        .subquery("latest")
    )
    return (
        select(literal(_TIER_SECTOR).label("grid"), col(ScoreSnapshot.tier), col(Deal.sector), *_sums_columns())
        .select_from(Deal)
        .outerjoin(latest, latest.c.deal_id == col(Deal.id))
        .outerjoin(ScoreSnapshot, col(ScoreSnapshot.id) == latest.c.snapshot_id)
        .where(*filters)
        .group_by(col(ScoreSnapshot.tier), col(Deal.sector))
    )


def _by_sector_and_country(filters: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Totals by sector and counterparty country; a deal counts once per country however many parties it has."""
    pairs = (
        select(col(DealParty.deal_id), col(Entity.country))
        .distinct()
        .join(Entity, col(Entity.id) == col(DealParty.entity_id))
        .join(Deal, col(Deal.id) == col(DealParty.deal_id))
        .where(_is_counterparty(), *filters)
        .subquery("pairs")
    )
    return (
        select(literal(_SECTOR_COUNTRY).label("grid"), col(Deal.sector), pairs.c.country, *_sums_columns())
        .select_from(pairs)
        .join(Deal, col(Deal.id) == pairs.c.deal_id)
        .group_by(col(Deal.sector), pairs.c.country)
    )


def _with_counterparty_by_sector(filters: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Per sector, the deals with at least one counterparty (the rest have none)."""
    has_counterparty = exists().where(
        col(DealParty.deal_id) == col(Deal.id), col(Entity.id) == col(DealParty.entity_id), _is_counterparty()
    )
    return (
        select(literal(_WITH_COUNTERPARTY).label("grid"), col(Deal.sector), null().cast(String), *_sums_columns())
        .where(has_counterparty, *filters)
        .group_by(col(Deal.sector))
    )


def _grids(
    session: Session, filters: Sequence[ColumnElement[bool]]
) -> tuple[dict[tuple[str, str], _Sums], dict[tuple[str, str | None], _Sums], dict[str, _Sums]]:
    """The three grids in one statement, so they count the same deals: as three queries, deals created between
    them made "deals without a counterparty" negative under concurrent writes (PostgreSQL's read committed and
    SQLite's statement-level reads each give every statement its own snapshot)."""
    query = union_all(
        _by_tier_and_sector(filters), _by_sector_and_country(filters), _with_counterparty_by_sector(filters)
    )
    tier_sector: dict[tuple[str, str], _Sums] = {}
    sector_country: dict[tuple[str, str | None], _Sums] = {}
    with_counterparty: dict[str, _Sums] = {}
    for grid, first, second, *sums in session.execute(query):
        if grid == _TIER_SECTOR:
            tier_sector[(first or UNSCORED, second)] = _sums(sums)
        elif grid == _SECTOR_COUNTRY:
            sector_country[(first, second)] = _sums(sums)
        else:
            with_counterparty[first] = _sums(sums)
    return tier_sector, sector_country, with_counterparty


def _sums(row: Sequence[Any]) -> _Sums:
    deals, value, with_value = row
    # SUM(BIGINT) is NUMERIC on PostgreSQL (a Decimal) and an int on SQLite; NULL when no deal has a value.
    return _Sums(int(deals), int(value or 0), int(with_value))


def _pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _largest_first(items: Iterable[tuple[K, _Sums]]) -> list[tuple[K, _Sums]]:
    """Most deals first, then most value, then by code with unknown countries last, so the order is stable."""
    return sorted(items, key=lambda kv: (-kv[1].deals, -kv[1].value_usd, kv[0] is None, kv[0] or ""))


def _concentration(
    sector: str, total: _Sums, with_counterparty: _Sums, countries: dict[str | None, _Sums]
) -> SectorConcentration:
    shares = [
        CountryShare(
            country=country,
            deals=sums.deals,
            value_usd=sums.value_usd,
            deal_share_pct=_pct(sums.deals, total.deals) or Decimal(0),
            value_share_pct=_pct(sums.value_usd, total.value_usd),
        )
        for country, sums in _largest_first(countries.items())
    ]
    top = next((share for share in shares if share.country is not None), None)
    return SectorConcentration(
        sector=sector,
        deals=total.deals,
        value_usd=total.value_usd,
        deals_without_counterparty=total.deals - with_counterparty.deals,
        countries=shares,
        top_country=top.country if top else None,
        top_deal_share_pct=top.deal_share_pct if top else None,
        top_value_share_pct=top.value_share_pct if top else None,
    )


def summarise(session: Session, sector: str | None = None, host_country: str | None = None) -> PortfolioSummary:
    """Summarise the latest stored score of every deal matching the filters (deals never scored: `unscored`)."""
    filters = _deal_filters(sector, host_country)
    tier_sector, sector_country, with_counterparty = _grids(session, filters)

    total = _Sums()
    tiers: dict[str, _Sums] = defaultdict(_Sums)
    sectors: dict[str, _Sums] = defaultdict(_Sums)
    for (tier, sector_code), sums in tier_sector.items():
        for bucket in (total, tiers[tier], sectors[sector_code]):
            bucket.add(sums.deals, sums.value_usd, sums.deals_with_value)

    countries: dict[str | None, _Sums] = defaultdict(_Sums)
    countries_by_sector: dict[str, dict[str | None, _Sums]] = defaultdict(dict)
    for (sector_code, country), sums in sector_country.items():
        countries[country].add(sums.deals, sums.value_usd, sums.deals_with_value)
        countries_by_sector[sector_code][country] = sums

    any_counterparty = _Sums()
    for sums in with_counterparty.values():
        any_counterparty.add(sums.deals, sums.value_usd, sums.deals_with_value)
    without = total.minus(any_counterparty)

    ordered_sectors = _largest_first(sectors.items())
    return PortfolioSummary(
        filters=PortfolioFilters(sector=sector, host_country=host_country.upper() if host_country else None),
        deals=total.deals,
        value_usd=total.value_usd,
        deals_with_value=total.deals_with_value,
        by_tier=[TierTotals(tier=key, **vars(tiers.get(key, _Sums()))) for key in _TIER_KEYS],
        by_sector=[SectorTotals(sector=code, **vars(sums)) for code, sums in ordered_sectors],
        by_counterparty_country=[
            CountryTotals(country=code, **vars(sums)) for code, sums in _largest_first(countries.items())
        ],
        without_counterparty=Totals(**vars(without)),
        supplier_concentration=[
            _concentration(code, sums, with_counterparty.get(code, _Sums()), countries_by_sector.get(code, {}))
            for code, sums in ordered_sectors
        ],
    )
