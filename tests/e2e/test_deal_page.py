"""A deal page as of a date shows the score the API computes for that date and explains it: the factor waterfall,
every fired rule with its citation, the ownership chain a list hit came up, and the score history."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.conftest import AS_OF, SEED_REFS, call
from tests.e2e.pages import Page, expect

DOD_1260H = "US-DOD-1260H"


def score(api: dict[Role, httpx.Client], deal_id: int, as_of: str) -> dict[str, Any]:
    return call(api[Role.analyst], "POST", f"/v1/deals/{deal_id}/score", params={"as_of": as_of})


def entity_id(api: dict[Role, httpx.Client], name: str) -> int:
    found = call(api[Role.viewer], "GET", "/v1/entities", params={"q": name})["items"]
    return next(entity["id"] for entity in found if entity["name"] == name)


def connected(start: int, edges: list[set[int]]) -> set[int]:
    """The nodes reachable from `start` over `edges`, either way."""
    reached, frontier = {start}, [start]
    while frontier:
        here = frontier.pop()
        for edge in edges:
            for there in edge - reached if here in edge else set():
                reached.add(there)
                frontier.append(there)
    return reached


def open_deal(page: Page, base_url: str, key: str, deal_id: int, as_of: str) -> None:
    pages.sign_in(page, base_url, key)
    page.goto(f"{base_url}/deals/{deal_id}?as_of={as_of}")
    expect(page.locator(pages.SCORE)).to_be_visible()


def assert_shows(page: Page, snapshot: dict[str, Any]) -> None:
    """The page's headline is the snapshot's, and so is the date it was scored as of."""
    assert pages.headline(page) == (snapshot["score"], snapshot["tier"], snapshot["recommendation"])
    assert snapshot["as_of"] in page.inner_text(pages.AS_OF)


@pytest.mark.parametrize("ref", SEED_REFS)
def test_a_deal_page_shows_the_apis_score_and_explains_it(
    ref: str,
    page: Page,
    base_url: str,
    api: dict[Role, httpx.Client],
    api_keys: dict[Role, str],
    deal_ids: dict[str, int],
) -> None:
    deal_id = deal_ids[ref]
    snapshot = score(api, deal_id, AS_OF)
    open_deal(page, base_url, api_keys[Role.viewer], deal_id, AS_OF)
    assert_shows(page, snapshot)

    bars = pages.waterfall(page)
    assert bars.pop(pages.TOTAL) == snapshot["score"]
    factors = {factor["factor"]: factor["points"] for factor in snapshot["factors"]}
    assert set(bars) <= set(factors), bars
    assert {f: p for f, p in factors.items() if p or f in bars} == bars

    items = pages.rule_items(page)
    assert set(items) == {rule["rule_id"] for rule in snapshot["rules"]}
    for rule in snapshot["rules"]:
        item = items[rule["rule_id"]]
        assert pages.number(item.locator(pages.RULE_POINTS).inner_text()) == rule["points"], rule["rule_id"]
        assert pages.flat(rule["citation"]) in pages.flat(item.locator(pages.RULE_CITATION).inner_text())
        assert item.locator(pages.RULE_EVIDENCE).count() >= 1, rule["rule_id"]

    nodes, _ = pages.ownership(page)
    for hit in snapshot["screening"]:
        assert nodes.get(hit["entity_id"]) is True, f"the hit party {hit['entity_name']} is marked in the graph"
        assert set(hit["via"]) <= set(nodes), "the owners a hit came through are drawn"

    history = call(api[Role.viewer], "GET", f"/v1/deals/{deal_id}/scores")["items"]
    points = pages.history(page)
    assert sorted(points) == sorted((s["score"], s["as_of"]) for s in history)

    if page.locator(pages.AS_OF_SIGNING).count():
        with page.expect_navigation():
            page.click(pages.AS_OF_SIGNING)
        signed = page.inner_text(pages.AS_OF).strip()
        assert AS_OF not in signed, "the signing-date link changes the date"
        deal = call(api[Role.viewer], "GET", f"/v1/deals/{deal_id}")
        assert deal["signed_on"] and deal["signed_on"] in signed
        assert_shows(page, score(api, deal_id, deal["signed_on"]))


def test_the_light_rail_page_leads_from_crrc_ma_up_to_the_1260h_listing(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    crrc_ma = entity_id(api, "CRRC MA Corporation")
    crrc = entity_id(api, "CRRC Corporation Limited")
    open_deal(page, base_url, api_keys[Role.viewer], deal_ids["jerusalem-light-rail-cars"], AS_OF)

    nodes, edges = pages.ownership(page)
    assert nodes.get(crrc_ma) is True, "CRRC MA, the party, is marked as hit"
    assert crrc in nodes, "its listed parent is drawn"
    carrying = [{owner, owned} for owner, owned, carries in edges if carries]
    assert any(crrc in edge for edge in carrying), "a hit-carrying edge reaches CRRC Corporation Limited"
    assert crrc in connected(crrc_ma, carrying), "the hit-carrying edges join CRRC MA to CRRC"

    paths = [pages.flat(item.inner_text()) for item in page.locator(pages.HIT_PATHS).all()]
    assert any("CRRC MA" in path and "CRRC Corporation Limited" in path and DOD_1260H in path for path in paths), paths


def test_the_as_of_links_rescore_at_the_signing_date_and_today(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    signed_on = "2025-03-31"  # before BYD joined the 1260H list (2026-06-08): the EVs were elevated then
    deal_id = deal_ids["israel-chinese-evs"]
    etag = api[Role.viewer].get(f"/v1/deals/{deal_id}").headers["etag"]
    call(api[Role.analyst], "PATCH", f"/v1/deals/{deal_id}", json={"signed_on": signed_on}, headers={"If-Match": etag})
    at_signing = score(api, deal_id, signed_on)
    open_deal(page, base_url, api_keys[Role.viewer], deal_id, AS_OF)
    assert_shows(page, score(api, deal_id, AS_OF))

    with page.expect_navigation():
        page.click(pages.AS_OF_SIGNING)
    assert_shows(page, at_signing)
    assert at_signing["score"] != score(api, deal_id, AS_OF)["score"], "the dates give different scores"

    today = datetime.now(UTC).date().isoformat()
    with page.expect_navigation():
        page.click(pages.AS_OF_TODAY)
    assert_shows(page, score(api, deal_id, today))
