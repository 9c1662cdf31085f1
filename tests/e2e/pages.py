"""The dashboard's page contract, in one place: every selector the browser tests use, and small readers that
turn what a page shows into plain values to compare with the API. A page that changes its markup is adapted
here, once."""

import re
from dataclasses import dataclass

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # tests/e2e/conftest.py skips every browser test then; the modules must still import
    Locator = Page = expect = None  # type: ignore[assignment,misc]

# /login
LOGIN_PATH = "/login"
LOGIN_FORM = "form#login"
KEY_INPUT = "input[name=key]"
SIGN_IN = "button#sign-in"
LOGIN_ERROR = "#login-error[role=alert]"  # says why a key was refused

# / (the portfolio)
DEAL_ROWS = "table#deals tr[data-deal-id]"
ROW_SCORE = "td.score"
ROW_TIER = "td.tier"
FILTERS = "form#filters"
FILTER_SECTOR = "form#filters select[name=sector]"
FILTER_TIER = "form#filters select[name=tier]"
FILTER_COUNTRY = "form#filters select[name=country]"
APPLY_FILTERS = "button#apply-filters"
ANY = ""  # the value of a filter's "all" option
TIER_COUNT = "#tier-counts [data-tier='{tier}'] .count"
HEATMAP_CELLS = "svg#heatmap rect[data-sector][data-country][data-count]"

# /deals/{id}?as_of=
SCORE = "#score"
TIER = "#tier"
RECOMMENDATION = "#recommendation"
AS_OF = "#as-of"
AS_OF_SIGNING = "a#as-of-signing"
AS_OF_TODAY = "a#as-of-today"
WATERFALL_BARS = "svg#waterfall g.bar[data-factor][data-points]"
TOTAL = "total"  # data-factor of the waterfall's total bar
RULES = "ol#rules > li[data-rule-id]"
RULE_POINTS = ".points"
RULE_EVIDENCE = ".evidence"
RULE_CITATION = ".citation"
OWNERSHIP_NODES = "svg#ownership g.node[data-entity-id][data-hit]"
OWNERSHIP_EDGES = "svg#ownership path.edge[data-from][data-to][data-carries-hit]"
HIT_PATHS = "ul#hit-paths > li"
HISTORY_POINTS = "svg#history circle[data-score][data-as-of]"

# /rulesets/{version}, /rulesets/active
FACTOR_SECTIONS = "section[data-factor]"
RULESET_RULES = "li[data-rule-id]"
SIMULATION_ROWS = "table#simulation tr[data-deal-id][data-from-tier][data-to-tier]"
TIER_MOVE = "tier-move"  # class of a simulation row whose tier changes

_NUMBER = re.compile(r"[-+]?\d+")


def number(text: str) -> int:
    """The first whole number in a text: "+30", "\u221213 points" (a typographic minus) or "Score: 71/100"."""
    found = _NUMBER.search(text.replace("\u2212", "-"))
    assert found, f"no number in {text!r}"
    return int(found.group())


def word(text: str) -> str:
    """A tier or recommendation as the API spells it: "Approve with conditions" -> approve_with_conditions."""
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def flat(text: str) -> str:
    """Text with its whitespace collapsed, to compare a citation wrapped over several lines."""
    return " ".join(text.split())


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


@dataclass(frozen=True)
class Row:
    deal_id: int
    score: int | None
    tier: str
    css_class: str


def sign_in(page: Page, base_url: str, key: str) -> None:
    """Sign in through the form, as a person would, and land on the portfolio."""
    page.goto(base_url + LOGIN_PATH)
    page.fill(KEY_INPUT, key)
    with page.expect_navigation():
        page.click(SIGN_IN)


def deal_rows(page: Page) -> list[Row]:
    rows = []
    for row in page.locator(DEAL_ROWS).all():
        score_text = row.locator(ROW_SCORE).inner_text().strip()
        rows.append(
            Row(
                deal_id=int(row.get_attribute("data-deal-id") or ""),
                score=number(score_text) if _NUMBER.search(score_text) else None,
                tier=word(row.locator(ROW_TIER).inner_text()),
                css_class=row.get_attribute("class") or "",
            )
        )
    return rows


def tier_count(page: Page, tier: str) -> int:
    return number(page.locator(TIER_COUNT.format(tier=tier)).inner_text())


def heatmap(page: Page) -> dict[tuple[str, str], int]:
    """(sector, country) -> the count a heat-map cell carries."""
    return {
        (cell.get_attribute("data-sector") or "", cell.get_attribute("data-country") or ""): number(
            cell.get_attribute("data-count") or ""
        )
        for cell in page.locator(HEATMAP_CELLS).all()
    }


def apply_filters(page: Page, **choices: str) -> None:
    """Choose filter values in the form (sector=, tier=, country=; ANY for all) and press Apply."""
    selects = {"sector": FILTER_SECTOR, "tier": FILTER_TIER, "country": FILTER_COUNTRY}
    for name, value in choices.items():
        page.select_option(selects[name], value=value)
    with page.expect_navigation():
        page.click(APPLY_FILTERS)


def headline(page: Page) -> tuple[int, str, str]:
    """A deal page's score, tier and recommendation."""
    return (
        number(page.inner_text(SCORE)),
        word(page.inner_text(TIER)),
        word(page.inner_text(RECOMMENDATION)),
    )


def waterfall(page: Page) -> dict[str, int]:
    """factor -> points of each waterfall bar, the total bar included under TOTAL."""
    return {
        bar.get_attribute("data-factor") or "": number(bar.get_attribute("data-points") or "")
        for bar in page.locator(WATERFALL_BARS).all()
    }


def rule_items(page: Page) -> dict[str, Locator]:
    return {item.get_attribute("data-rule-id") or "": item for item in page.locator(RULES).all()}


def ownership(page: Page) -> tuple[dict[int, bool], list[tuple[int, int, bool]]]:
    """The ownership graph: entity id -> hit, and each edge as (from, to, carries the hit)."""
    nodes = {
        int(node.get_attribute("data-entity-id") or ""): is_true(node.get_attribute("data-hit"))
        for node in page.locator(OWNERSHIP_NODES).all()
    }
    edges = [
        (
            int(edge.get_attribute("data-from") or ""),
            int(edge.get_attribute("data-to") or ""),
            is_true(edge.get_attribute("data-carries-hit")),
        )
        for edge in page.locator(OWNERSHIP_EDGES).all()
    ]
    return nodes, edges


def history(page: Page) -> list[tuple[int, str]]:
    """(score, as_of) of each point of the score history chart."""
    return [
        (number(point.get_attribute("data-score") or ""), (point.get_attribute("data-as-of") or "")[:10])
        for point in page.locator(HISTORY_POINTS).all()
    ]


def attribute_values(page: Page, selector: str, attribute: str) -> list[str]:
    return [element.get_attribute(attribute) or "" for element in page.locator(selector).all()]
