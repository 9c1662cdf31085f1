"""The pages show what the API says: the portfolio ranked by latest score with its filters, tier counts and heat
map; a deal scored as of a date (not stored) with its waterfall, rules, ownership chain and history; rulesets in
plain words with a draft's simulation; and every name escaped."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models import ScoreSnapshot
from tests.factories import count_rows, deal, entity
from tests.web.conftest import AS_OF, SEED_REFS
from tests.web.html import Element, parse

Page = Callable[[str], Element]
EXPECTED_AS_OF = {  # README, "Reading a score"
    "haifa-bay-port": (71, "high", "escalate"),
    "jerusalem-light-rail-cars": (51, "high", "escalate"),
    "israel-chinese-evs": (82, "critical", "block"),
}


def score(client: TestClient, deal_id: int, as_of: str = AS_OF) -> dict[str, Any]:
    response = client.post(f"/v1/deals/{deal_id}/score", params={"as_of": as_of})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def rows(page: Element) -> dict[int, Element]:
    table = page.one("table", id="deals")
    return {int(row.attrs["data-deal-id"]): row for row in table.all("tr", data_deal_id=True)}


def entity_id(client: TestClient, name: str) -> int:
    found = client.get("/v1/entities", params={"q": name}).json()["items"]
    return next(e["id"] for e in found if e["name"] == name)  # type: ignore[no-any-return]


def test_the_portfolio_ranks_the_deals_by_the_apis_latest_scores(
    client: TestClient, page: Page, deal_ids: dict[str, int]
) -> None:
    unscored = rows(page("/"))
    assert set(unscored) == set(deal_ids.values())
    for row in unscored.values():
        assert row.one("td", cls="tier").text == "unscored" and "tier-unscored" in row.classes
    assert page("/").one(id="tier-counts").one(data_tier="unscored").one(cls="count").text == "3"

    snapshots = {ref: score(client, deal_ids[ref]) for ref in SEED_REFS}
    for ref, snapshot in snapshots.items():
        assert (snapshot["score"], snapshot["tier"], snapshot["recommendation"]) == EXPECTED_AS_OF[ref]
    shown = page("/")
    table = rows(shown)
    latest = {d["id"]: d["latest_score"] for d in client.get("/v1/deals").json()["items"]}
    for deal_id, row in table.items():
        assert int(row.one("td", cls="score").text) == latest[deal_id]["score"]
        assert row.one("td", cls="tier").text == latest[deal_id]["tier"]
        assert f"tier-{latest[deal_id]['tier']}" in row.classes
        assert row.one("a").attrs["href"] == f"/deals/{deal_id}"
    assert list(table) == [deal_ids[r] for r in ("israel-chinese-evs", "haifa-bay-port", "jerusalem-light-rail-cars")]

    summary = client.get("/v1/portfolio/summary").json()
    counts = shown.one(id="tier-counts")
    for bucket in summary["by_tier"]:
        assert counts.one(data_tier=bucket["tier"]).one(cls="count").text == str(bucket["deals"]), bucket
    cells = {
        (c.attrs["data-sector"], c.attrs["data-country"]): int(c.attrs["data-count"])
        for c in shown.one("svg", id="heatmap").all("rect", data_sector=True, data_country=True, data_count=True)
    }
    expected = {
        (sector["sector"], share["country"] or ""): share["deals"]
        for sector in summary["supplier_concentration"]
        for share in sector["countries"]
    }
    assert (
        {k: v for k, v in cells.items() if v}
        == expected
        == {
            ("ports", "CN"): 1,
            ("urban_rail", "CN"): 1,
            ("connected_vehicles", "CN"): 1,
        }
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"tier": "critical"},
        {"tier": "high"},
        {"sector": "ports"},
        {"tier": "high", "sector": "urban_rail"},
        {"tier": "critical", "sector": "ports"},
        {"country": "US"},  # CRRC MA, the light rail's manufacturer
        {"country": "il"},  # the host of all three
        {"country": "FR"},
    ],
)
def test_the_filters_narrow_the_table_as_the_api_filters_deals(
    client: TestClient, page: Page, deal_ids: dict[str, int], filters: dict[str, str]
) -> None:
    for deal_id in deal_ids.values():
        score(client, deal_id)
    wanted = {d["id"] for d in client.get("/v1/deals", params={**filters, "limit": 200}).json()["items"]}
    shown = page("/?" + urlencode({"sector": "", "tier": "", "country": "", **filters}))  # as the form sends it
    assert set(rows(shown)) == wanted, filters
    form = shown.one("form", id="filters")
    assert form.attrs["method"] == "get" and form.all("button", id="apply-filters")
    for name, value in filters.items():
        chosen = form.one("select", name=name).all("option", selected=True)
        assert [o.attrs["value"] for o in chosen] == [value.upper() if name == "country" else value]


def test_unscored_deals_can_be_filtered_and_bad_filters_are_a_422_page(
    client: TestClient, browser: TestClient, page: Page, deal_ids: dict[str, int]
) -> None:
    score(client, deal_ids["haifa-bay-port"])
    assert set(rows(page("/?tier=unscored"))) == set(deal_ids.values()) - {deal_ids["haifa-bay-port"]}
    for bad in ("tier=severe", "country=ZZZ", "country=1", "offset=-1"):
        response = browser.get(f"/?{bad}")
        assert response.status_code == 422 and parse(response.text).all(id="error-detail"), bad


@pytest.mark.parametrize("ref", SEED_REFS)
def test_a_deal_page_shows_the_score_the_api_computes_for_that_date_and_stores_nothing(
    client: TestClient, page: Page, seeded: Engine, deal_ids: dict[str, int], ref: str
) -> None:
    deal_id = deal_ids[ref]
    shown = page(f"/deals/{deal_id}?as_of={AS_OF}")
    assert count_rows(seeded, ScoreSnapshot) == 0, "the page stores no snapshot"
    snapshot = score(client, deal_id)
    assert (
        (int(shown.one(id="score").text), shown.one(id="tier").text, shown.one(id="recommendation").text)
        == (
            snapshot["score"],
            snapshot["tier"],
            snapshot["recommendation"],
        )
        == EXPECTED_AS_OF[ref]
    )
    assert shown.one(id="as-of").text == AS_OF

    bars = {
        g.attrs["data-factor"]: int(g.attrs["data-points"])
        for g in shown.one("svg", id="waterfall").all("g", cls="bar", data_factor=True, data_points=True)
    }
    assert bars == {**{f["factor"]: f["points"] for f in snapshot["factors"]}, "total": snapshot["score"]}

    items = shown.one("ol", id="rules").all("li", data_rule_id=True)
    assert [i.attrs["data-rule-id"] for i in items] == [r["rule_id"] for r in snapshot["rules"]]
    for item, rule in zip(items, snapshot["rules"], strict=True):
        assert item.one(cls="points").text.replace("\u2212", "-").lstrip("+") == str(rule["points"])
        assert item.one(cls="citation").text == " ".join(rule["citation"].split())
        leaves = item.one("ul", cls="evidence").all("li")
        assert len(leaves) == len(rule["evidence"])
        for leaf, evidence in zip(leaves, rule["evidence"], strict=True):
            assert leaf.one(cls="fact").text == evidence["fact"] and leaf.one(cls="op").text == evidence["op"]
            assert leaf.all(cls="value") and leaf.all(cls="actual")

    points = page(f"/deals/{deal_id}?as_of={AS_OF}").one("svg", id="history").all("circle", data_score=True)
    assert [(int(p.attrs["data-score"]), p.attrs["data-as-of"]) for p in points] == [(snapshot["score"], AS_OF)]
    assert count_rows(seeded, ScoreSnapshot) == 1


def test_the_light_rail_page_follows_the_1260h_hit_from_crrc_ma_up_to_crrc(
    client: TestClient, page: Page, deal_ids: dict[str, int]
) -> None:
    crrc, crrc_ma = entity_id(client, "CRRC Corporation Limited"), entity_id(client, "CRRC MA Corporation")
    shown = page(f"/deals/{deal_ids['jerusalem-light-rail-cars']}?as_of={AS_OF}")
    graph = shown.one("svg", id="ownership")
    nodes = {int(n.attrs["data-entity-id"]): n.attrs["data-hit"] for n in graph.all("g", cls="node")}
    assert nodes[crrc] == nodes[crrc_ma] == "true"
    assert nodes[entity_id(client, "Denya Cebus Ltd.")] == "false"
    edges = {
        (int(e.attrs["data-from"]), int(e.attrs["data-to"])): e.attrs["data-carries-hit"]
        for e in graph.all("path", cls="edge")
    }
    assert edges[(crrc, crrc_ma)] == "true"
    assert [edge for edge, carries in edges.items() if carries == "true"] == [(crrc, crrc_ma)]
    assert len(edges) == 3, "SASAC → CRRC Group → CRRC → CRRC MA"
    paths = [li.text for li in shown.one("ul", id="hit-paths").all("li")]
    assert "CRRC MA Corporation ← CRRC Corporation Limited: US-DOD-1260H since 2022-10-05" in paths
    assert "CRRC Corporation Limited: US-DOD-1260H since 2022-10-05" in paths
    assert not shown.all(id="as-of-signing"), "no signing date recorded"
    assert (
        shown.one("a", id="as-of-today")
        .attrs["href"]
        .startswith(f"/deals/{deal_ids['jerusalem-light-rail-cars']}?as_of=")
    )


def test_the_signing_date_link_scores_the_deal_as_of_signing(
    client: TestClient, page: Page, deal_ids: dict[str, int]
) -> None:
    evs = deal_ids["israel-chinese-evs"]
    etag = client.get(f"/v1/deals/{evs}").headers["etag"]
    assert client.patch(f"/v1/deals/{evs}", json={"signed_on": "2025-03-31"}, headers={"If-Match": etag}).is_success
    link = page(f"/deals/{evs}?as_of={AS_OF}").one("a", id="as-of-signing").attrs["href"]
    assert link == f"/deals/{evs}?as_of=2025-03-31"
    at_signing = page(link)
    api = score(client, evs, "2025-03-31")
    assert (int(at_signing.one(id="score").text), at_signing.one(id="tier").text) == (api["score"], api["tier"])
    assert at_signing.one(id="as-of").text == "2025-03-31" and api["tier"] == "elevated"


def test_an_unknown_deal_is_a_404_page(browser: TestClient, seeded: Engine) -> None:
    for path in ("/deals/999999", "/rulesets/999"):
        response = browser.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
        assert parse(response.text).one(id="error-title").text == "Not found"
    assert browser.get("/deals/0").status_code == 422 and browser.get("/deals/abc").status_code == 422


def test_names_are_escaped_everywhere(client: TestClient, browser: TestClient, page: Page, seeded: Engine) -> None:
    script = "<script>alert(1)</script>"
    evil = entity(client, name=script, aliases=['"><img src=x onerror=alert(1)>'], country="CN")
    made = deal(client, [evil["id"]], title=f"Cranes {script}", description="<b>bold</b> & co")
    score(client, made["id"])
    for path in ("/", f"/deals/{made['id']}"):
        html = browser.get(path).text
        assert script not in html and "<img" not in html and "<b>bold" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    shown = page(f"/deals/{made['id']}")
    assert shown.one(id="deal-title").text == f"Cranes {script}"
    assert any(n.text.startswith(script) for n in shown.one("svg", id="ownership").all("g", cls="node"))
