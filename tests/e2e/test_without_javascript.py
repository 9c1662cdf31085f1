"""The dashboard needs no JavaScript: with scripts off, signing in, the portfolio, its filters and a deal page
show the same numbers as with scripts on, and as the API."""

import httpx

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.conftest import AS_OF, call
from tests.e2e.pages import Page, expect


def test_the_portfolio_and_a_deal_page_show_the_same_numbers_without_javascript(
    page: Page,
    page_without_js: Page,
    base_url: str,
    api: dict[Role, httpx.Client],
    api_keys: dict[Role, str],
    deal_ids: dict[str, int],
) -> None:
    key = api_keys[Role.viewer]
    deal_id = deal_ids["jerusalem-light-rail-cars"]
    snapshot = call(api[Role.analyst], "POST", f"/v1/deals/{deal_id}/score", params={"as_of": AS_OF})
    latest = {deal["id"]: deal["latest_score"] for deal in call(api[Role.viewer], "GET", "/v1/deals")["items"]}
    seen = {}
    for name, browser_page in (("scripts on", page), ("scripts off", page_without_js)):
        pages.sign_in(browser_page, base_url, key)
        rows = pages.deal_rows(browser_page)
        assert {row.deal_id: (row.score, row.tier) for row in rows} == {
            deal_id: (summary["score"], summary["tier"]) for deal_id, summary in latest.items()
        }, name
        browser_page.goto(f"{base_url}/deals/{deal_id}?as_of={AS_OF}")
        expect(browser_page.locator(pages.SCORE)).to_be_visible()
        assert pages.headline(browser_page) == (snapshot["score"], snapshot["tier"], snapshot["recommendation"]), name
        seen[name] = (
            [(row.deal_id, row.score, row.tier) for row in rows],
            pages.headline(browser_page),
            pages.waterfall(browser_page),
            sorted(pages.rule_items(browser_page)),
            pages.ownership(browser_page),
        )
    assert seen["scripts on"] == seen["scripts off"]


def test_the_filters_work_without_javascript(
    page_without_js: Page,
    base_url: str,
    api: dict[Role, httpx.Client],
    api_keys: dict[Role, str],
    deal_ids: dict[str, int],
) -> None:
    pages.sign_in(page_without_js, base_url, api_keys[Role.viewer])
    pages.apply_filters(page_without_js, tier="high")
    wanted = {deal["id"] for deal in call(api[Role.viewer], "GET", "/v1/deals", params={"tier": "high"})["items"]}
    assert {row.deal_id for row in pages.deal_rows(page_without_js)} == wanted
    assert "tier=high" in page_without_js.url
