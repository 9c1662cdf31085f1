"""The ruleset pages: the active version with every rule under its factor, and a draft with the simulation of
what it would change, row for row as POST /v1/rulesets/{version}/simulate answers."""

import copy

import httpx

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.conftest import call
from tests.e2e.pages import Page, expect

LOWER_1260H_POINTS = 5  # the 1260H rule's 30 points down to 5: the EVs fall from critical to the rule's floor, high


def test_the_active_ruleset_page_shows_every_rule_under_its_factor(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str]
) -> None:
    active = call(api[Role.viewer], "GET", "/v1/rulesets/active")
    pages.sign_in(page, base_url, api_keys[Role.viewer])
    page.goto(f"{base_url}/rulesets/active")
    expect(page.locator(pages.RULESET_RULES).first).to_be_visible()

    assert set(pages.attribute_values(page, pages.FACTOR_SECTIONS, "data-factor")) == set(active["body"]["factors"])
    shown = pages.attribute_values(page, pages.RULESET_RULES, "data-rule-id")
    assert sorted(shown) == sorted(rule["id"] for rule in active["body"]["rules"])
    for rule in active["body"]["rules"]:
        section = page.locator(f"{pages.FACTOR_SECTIONS}[data-factor='{rule['factor']}']")
        assert section.locator(f"{pages.RULESET_RULES}[data-rule-id='{rule['id']}']").count() == 1, rule["id"]


def test_a_draft_page_shows_which_deals_the_draft_would_move(
    page: Page, base_url: str, api: dict[Role, httpx.Client], api_keys: dict[Role, str], deal_ids: dict[str, int]
) -> None:
    body = copy.deepcopy(call(api[Role.viewer], "GET", "/v1/rulesets/active")["body"])
    rule = next(rule for rule in body["rules"] if rule["id"] == "blacklist.dod_1260h")
    rule["points"] = LOWER_1260H_POINTS
    draft = call(api[Role.analyst], "POST", "/v1/rulesets", json=body, params={"notes": "e2e: 1260H worth less"})
    simulation = call(api[Role.analyst], "POST", f"/v1/rulesets/{draft['version']}/simulate")
    moves = {(move["deal_id"], move["from_tier"], move["to_tier"]) for move in simulation["moves"]}
    assert any(before != after for _, before, after in moves), f"the draft moves a deal's tier: {moves}"

    pages.sign_in(page, base_url, api_keys[Role.analyst])  # simulating needs analyst, on the page as in the API
    page.goto(f"{base_url}/rulesets/{draft['version']}")
    expect(page.locator(pages.SIMULATION_ROWS)).to_have_count(len(moves))
    shown = [
        (
            int(row.get_attribute("data-deal-id") or ""),
            row.get_attribute("data-from-tier"),
            row.get_attribute("data-to-tier"),
            pages.TIER_MOVE in (row.get_attribute("class") or "").split(),
        )
        for row in page.locator(pages.SIMULATION_ROWS).all()
    ]
    assert {(deal_id, before, after) for deal_id, before, after, _ in shown} == moves
    assert all(marked == (before != after) for _, before, after, marked in shown), "tier moves are marked"
    marks = [marked for *_, marked in shown]
    assert marks == sorted(marks, reverse=True), "the tier moves come first"
