"""The portfolio page for the seed data: the deals ranked by score, tier counts and heat map as the API gives
them, and the filter form narrowing the rows exactly as GET /v1/deals does."""

from typing import Any

import httpx

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.conftest import call
from tests.e2e.pages import Page, expect


def listed(client: httpx.Client, **filters: str) -> dict[int, dict[str, Any]]:
    """deal id -> latest score summary of every deal GET /v1/deals returns with these filters."""
    body = call(client, "GET", "/v1/deals", params={**filters, "limit": 100})
    assert body["total"] == len(body["items"])
    return {deal["id"]: deal["latest_score"] for deal in body["items"]}


def test_the_portfolio_ranks_the_seed_deals_by_the_apis_latest_score(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    latest = listed(api[Role.viewer])
    pages.sign_in(page, base_url, api_keys[Role.viewer])

    rows = pages.deal_rows(page)
    assert sorted(row.deal_id for row in rows) == sorted(deal_ids.values())
    for row in rows:
        assert (row.score, row.tier) == (latest[row.deal_id]["score"], latest[row.deal_id]["tier"]), row
        assert f"tier-{row.tier}" in row.css_class.split(), row
    scores = [row.score for row in rows]
    assert scores == sorted(scores, reverse=True), f"ranked by score, highest first: {scores}"


def test_the_tier_counts_and_heat_map_match_the_portfolio_summary(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    summary = call(api[Role.viewer], "GET", "/v1/portfolio/summary")
    pages.sign_in(page, base_url, api_keys[Role.viewer])

    for row in summary["by_tier"]:
        if row["tier"] == "unscored" and page.locator(pages.TIER_COUNT.format(tier="unscored")).count() == 0:
            assert row["deals"] == 0, "unscored deals must be counted on the page"
            continue
        assert pages.tier_count(page, row["tier"]) == row["deals"], row

    expected = {
        (sector["sector"], share["country"] or ""): share["deals"]
        for sector in summary["supplier_concentration"]
        for share in sector["countries"]
    }
    cells = pages.heatmap(page)
    assert cells, "the heat map has cells"
    assert {key: count for key, count in cells.items() if count} == {k: v for k, v in expected.items() if v}
    for key, count in cells.items():
        assert count == expected.get(key, 0), (key, count)


def test_the_filter_form_narrows_the_rows_to_what_the_api_returns(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    viewer = api[Role.viewer]
    pages.sign_in(page, base_url, api_keys[Role.viewer])
    country = next(v for v in pages.attribute_values(page, pages.FILTER_COUNTRY + " option", "value") if v)

    for choice in (
        {"tier": "critical"},
        {"tier": pages.ANY, "sector": "ports"},
        {"tier": "high", "sector": "urban_rail"},
        {"tier": "critical", "sector": "ports"},
        {"tier": pages.ANY, "sector": pages.ANY, "country": country},
    ):
        pages.apply_filters(page, **choice)
        wanted = listed(viewer, **{name: value for name, value in choice.items() if value})
        expect(page.locator(pages.DEAL_ROWS)).to_have_count(len(wanted))
        assert {row.deal_id for row in pages.deal_rows(page)} == set(wanted), choice
        if choice.get("sector") and not choice.get("country"):  # the counts follow the sector, not the tier
            summary = call(viewer, "GET", "/v1/portfolio/summary", params={"sector": choice["sector"]})
            for row in summary["by_tier"]:
                assert pages.tier_count(page, row["tier"]) == row["deals"], (choice, row)
        for name, value in choice.items():
            select = {"tier": pages.FILTER_TIER, "sector": pages.FILTER_SECTOR, "country": pages.FILTER_COUNTRY}[name]
            expect(page.locator(select)).to_have_value(value)
