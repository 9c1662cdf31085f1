"""The portfolio page: every deal ranked by its latest stored score, filters, tier counts and the heat map."""

from functools import partial
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from app.api.deps import SessionDep, SettingsDep
from app.core.errors import FieldProblem, InvalidInput
from app.schemas.deal import DealPublic
from app.schemas.portfolio import UNSCORED, PortfolioSummary
from app.services import deals, portfolio, reference
from app.services.paging import PageRequest
from app.vocabulary import COUNTERPARTY_ROLES, TIER_ORDER, Tier
from app.web.auth import PageViewer
from app.web.charts.heatmap import Axis, heatmap_svg
from app.web.rendering import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TIER_KEYS: tuple[str, ...] = (*(t.value for t in TIER_ORDER), UNSCORED)
# The heat map's column for counterparties whose country is not recorded: data-country="" (the API's null).
UNKNOWN_COUNTRY = ""


def _counterparties(deal: DealPublic) -> list[str]:
    """Foreign parties in a counterparty role, as scoring counts them (unknown country counts as foreign)."""
    return [
        f"{p.entity_name} ({p.country or '?'})"
        for p in deal.parties
        if p.role in COUNTERPARTY_ROLES and p.country != deal.host_country
    ]


def heatmap(summary: PortfolioSummary, sector_names: dict[str, str]) -> Markup:
    """Sector x counterparty country from the portfolio service's concentration figures."""
    rows = [Axis(c.sector, sector_names.get(c.sector, c.sector)) for c in summary.supplier_concentration]
    columns = [Axis(c.country or UNKNOWN_COUNTRY, c.country or "unknown") for c in summary.by_counterparty_country]
    counts: dict[tuple[str, str], int] = {}
    notes: dict[tuple[str, str], str] = {}
    for sector in summary.supplier_concentration:
        for share in sector.countries:
            cell = (sector.sector, share.country or UNKNOWN_COUNTRY)
            counts[cell] = share.deals
            notes[cell] = f"{share.deal_share_pct}% of the sector's {sector.deals} deal(s)"
    return heatmap_svg(rows, columns, counts, notes)


def _filter(value: str | None) -> str | None:
    """A filter from the form: the empty "any" choice means no filter."""
    value = (value or "").strip()
    return value or None


def _link(filters: dict[str, str | None], **changes: object) -> str:
    """This page with the filters changed; a changed filter starts again at the first page."""
    params = {key: value for key, value in {**filters, **changes}.items() if value not in (None, "", 0)}
    return "/?" + urlencode(params) if params else "/"


def _tier(key: str | None) -> Tier | Literal["unscored"] | None:
    if key is None:
        return None
    return UNSCORED if key == UNSCORED else Tier(key)


@router.get("/")
def portfolio_page(
    session: SessionDep,
    settings: SettingsDep,
    principal: PageViewer,
    sector: Annotated[str | None, Query(max_length=64)] = None,
    tier: Annotated[str | None, Query(max_length=16)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """Deals ranked by latest score, narrowed by sector, tier and country (host or any party's)."""
    chosen_sector = _filter(sector)
    chosen_tier = _filter(tier)
    chosen_country = _filter(country)
    problems = []
    if chosen_tier is not None and chosen_tier not in TIER_KEYS:
        problems.append(FieldProblem("tier", f"must be one of {', '.join(TIER_KEYS)}"))
    if chosen_country is not None:
        chosen_country = chosen_country.upper()
        if not (len(chosen_country) == 2 and chosen_country.isascii() and chosen_country.isalpha()):
            problems.append(FieldProblem("country", "must be a two-letter country code"))
    if problems:
        raise InvalidInput("; ".join(f"{p.field} {p.message}" for p in problems), problems)
    page = PageRequest(limit=settings.max_page_size, offset=offset)
    found = deals.list_deals(
        session,
        page,
        sector=chosen_sector,
        tier=_tier(chosen_tier),
        country=chosen_country,
        sort="-score",
    )
    rows = deals.to_public(session, found.items)
    # Per tier, the deals matching the other filters: the counts stay useful while one tier is chosen.
    tier_counts = {
        key: deals.list_deals(
            session,
            PageRequest(limit=1, offset=0),
            sector=chosen_sector,
            tier=_tier(key),
            country=chosen_country,
        ).total
        for key in TIER_KEYS
    }
    sectors = reference.list_sectors(session)
    sector_names = {s.code: s.name for s in sectors}
    summary = portfolio.summarise(session)
    filters = {"sector": chosen_sector, "tier": chosen_tier, "country": chosen_country}
    return render(
        "portfolio.html",
        principal=principal,
        rows=[(deal, _counterparties(deal)) for deal in rows],
        total=found.total,
        offset=offset,
        limit=page.limit,
        filters=filters,
        query={k: v for k, v in filters.items() if v},
        link=partial(_link, filters),
        tier_keys=TIER_KEYS,
        tier_counts=tier_counts,
        sectors=sorted(sectors, key=lambda s: s.name.lower()),
        sector_names=sector_names,
        countries=reference.list_countries(session),
        heatmap=heatmap(summary, sector_names),
        without_counterparty=summary.without_counterparty.deals,
        portfolio_deals=summary.deals,
    )
