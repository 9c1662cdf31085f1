"""The ruleset pages: every rule in plain words under its factor, and a draft's simulation, which analysts see
(as in the API) and which stores nothing."""

import copy
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models import Ruleset, ScoreSnapshot
from app.vocabulary import Role
from tests.factories import count_rows
from tests.web.conftest import AS_OF, sign_in
from tests.web.html import Element, parse

Page = Callable[[str], Element]


def test_the_versions_are_listed_newest_first(client: TestClient, page: Page) -> None:
    listed = [(r["version"], r["status"]) for r in client.get("/v1/rulesets").json()]
    shown = page("/rulesets").one("table", id="rulesets").all("tr", data_version=True)
    assert [(int(r.attrs["data-version"]), r.attrs["data-status"]) for r in shown] == listed


def test_the_active_ruleset_reads_in_plain_words_factor_by_factor(client: TestClient, page: Page) -> None:
    active = client.get("/v1/rulesets/active").json()
    for path in ("/rulesets/active", f"/rulesets/{active['version']}"):
        shown = page(path)
        sections = shown.all("section", data_factor=True)
        assert [s.attrs["data-factor"] for s in sections] == list(active["body"]["factors"])
        for rule in active["body"]["rules"]:
            section = next(s for s in sections if s.attrs["data-factor"] == rule["factor"])
            item = section.one("li", data_rule_id=rule["id"])
            assert item.one(cls="title").text == rule["title"]
            assert item.one(cls="points").text.replace("\u2212", "-").lstrip("+") == str(rule["points"])
            assert item.one(cls="citation").text == " ".join(rule["citation"].split())
            floors = item.all(cls="floor")
            assert [f.text for f in floors] == ([f"floor: {rule['min_tier']}"] if rule.get("min_tier") else [])
            assert "{" not in item.one(cls="condition").text, rule["id"]
        words = {li.attrs["data-rule-id"]: li.one(cls="condition").text for li in shown.all("li", data_rule_id=True)}
        assert words["blacklist.dod_1260h"] == "When a counterparty is itself named on US-DOD-1260H"
        assert words["sector.sensitivity_high"] == "When sector sensitivity is 4"
        assert words["mitigation.private_buyer"].startswith("When all of these hold: the buyer is not state-owned")
        assert not shown.all(id="simulation"), "an active ruleset has nothing to simulate"


def _draft(client: TestClient) -> int:
    body = copy.deepcopy(client.get("/v1/rulesets/active").json()["body"])
    next(r for r in body["rules"] if r["id"] == "blacklist.dod_1260h")["points"] = 5
    next(r for r in body["rules"] if r["id"] == "sector.sensitivity_core")["points"] = 25
    response = client.post("/v1/rulesets", json=body, params={"notes": "1260H worth less"})
    assert response.status_code == 201, response.text
    return response.json()["version"]  # type: ignore[no-any-return]


def test_a_draft_shows_the_deals_it_would_move_to_analysts_and_stores_nothing(
    client: TestClient, anonymous: TestClient, api_keys: dict[Role, str], seeded: Engine
) -> None:
    version = _draft(client)
    expected = client.post(f"/v1/rulesets/{version}/simulate", params={"as_of": AS_OF}).json()
    assert any(m["from_tier"] != m["to_tier"] for m in expected["moves"]), "the draft moves a tier"
    snapshots, versions = count_rows(seeded, ScoreSnapshot), count_rows(seeded, Ruleset)

    sign_in(anonymous, api_keys[Role.analyst])
    shown = parse(anonymous.get(f"/rulesets/{version}", params={"as_of": AS_OF}).text)
    assert shown.one(id="ruleset-status").text == "draft"
    rows = shown.one("table", id="simulation").all("tr", data_deal_id=True)
    assert [(int(r.attrs["data-deal-id"]), r.attrs["data-from-tier"], r.attrs["data-to-tier"]) for r in rows] == [
        (m["deal_id"], m["from_tier"], m["to_tier"]) for m in expected["moves"]
    ]
    for row, move in zip(rows, expected["moves"], strict=True):
        assert ("tier-move" in row.classes) == (move["from_tier"] != move["to_tier"])
        assert row.one(cls="delta").text.replace("\u2212", "-").lstrip("+") == str(move["delta"])
        assert row.one(cls="added").text == (", ".join(move["rules_added"]) or "—")
        assert row.one(cls="removed").text == (", ".join(move["rules_removed"]) or "—")
    assert (count_rows(seeded, ScoreSnapshot), count_rows(seeded, Ruleset)) == (snapshots, versions)

    anonymous.cookies.clear()
    sign_in(anonymous, api_keys[Role.viewer])
    as_viewer = parse(anonymous.get(f"/rulesets/{version}").text)
    assert not as_viewer.all(id="simulation") and as_viewer.all(id="simulation-needs-analyst")
    assert as_viewer.all("li", data_rule_id="blacklist.dod_1260h"), "the rules themselves are for every reader"
