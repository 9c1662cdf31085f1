"""Rulesets through the API: facts, drafts, validation, simulate, activate; on SQLite and PostgreSQL."""

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import Ruleset, ScoreSnapshot
from app.rules.facts import REGISTRY
from app.vocabulary import RulesetStatus
from tests.factories import count_rows


def active_body(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/rulesets/active")
    assert response.status_code == 200, response.text
    return response.json()["body"]  # type: ignore[no-any-return]


def draft(client: TestClient, body: dict[str, Any], notes: str = "test draft") -> dict[str, Any]:
    response = client.post("/v1/rulesets", json=body, params={"notes": notes})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_fact_registry_is_published_with_operators(client: TestClient) -> None:
    facts = {f["name"]: f for f in client.get("/v1/facts").json()}
    assert set(facts) == set(REGISTRY)
    assert facts["counterparty.lists"]["type"] == "string_set"
    assert facts["counterparty.lists"]["operators"] == ["contains", "contains_all", "contains_any", "exists"]
    assert "public" in facts["us.concern_level"]["choices"]
    assert "between" in facts["deal.value_usd"]["operators"]


def test_seeded_default_ruleset_is_the_one_active_version(client: TestClient) -> None:
    versions = client.get("/v1/rulesets").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active")]
    active = client.get("/v1/rulesets/active").json()
    assert active["version"] == 1 and active["rule_count"] >= 30 and len(active["digest"]) == 64
    assert client.get("/v1/rulesets/1").json()["body"] == active["body"]
    assert client.get("/v1/rulesets/99").status_code == 404


def test_invalid_ruleset_lists_every_problem_and_stores_nothing(client: TestClient, engine: Engine) -> None:
    body = active_body(client)
    rules = body["rules"]
    rules[0]["when"] = {"all": [{"fact": "counterparty.listz", "op": "contains", "value": "X"}]}
    rules[1]["when"] = {"fact": "sector.sensitivity", "op": "contains", "value": 3}
    rules[2]["when"] = {"fact": "deal.value_usd", "op": "gt", "value": "big"}
    rules[3]["factor"] = "geopolitics"
    rules[4]["id"] = rules[5]["id"]
    deep: dict[str, Any] = {"fact": "deal.control", "op": "eq", "value": True}
    for _ in range(10):
        deep = {"not": deep}
    rules[6]["when"] = deep
    before = count_rows(engine, Ruleset)
    response = client.post("/v1/rulesets", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problems = {(e.get("rule_id"), e["field"]) for e in response.json()["errors"]}
    assert (rules[0]["id"], "when.all[0]") in problems
    assert (rules[1]["id"], "when") in problems
    assert (rules[2]["id"], "when") in problems
    assert (rules[3]["id"], "factor") in problems
    assert (rules[5]["id"], "id") in problems
    assert any(rule_id == rules[6]["id"] and field.startswith("when.not") for rule_id, field in problems)
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert "unknown fact 'counterparty.listz'" in messages and "duplicate rule id" in messages
    assert count_rows(engine, Ruleset) == before


@pytest.mark.parametrize("payload", [[], "rules", {"rules": []}])
def test_ruleset_that_is_not_an_object_or_is_empty_is_refused(client: TestClient, payload: Any) -> None:
    response = client.post("/v1/rulesets", json=payload)
    assert response.status_code == 422, response.text


def test_draft_can_be_edited_until_activated(client: TestClient) -> None:
    body = active_body(client)
    created = draft(client, body)
    assert (created["version"], created["status"], created["notes"]) == (2, "draft", "test draft")
    assert created["digest"] == client.get("/v1/rulesets/1").json()["digest"]  # same content, same digest
    body["factors"]["blacklist"]["cap"] += 5
    updated = client.put("/v1/rulesets/2", json=body)
    assert updated.status_code == 200 and updated.json()["digest"] != created["digest"]
    assert client.put("/v1/rulesets/1", json=body).status_code == 409
    assert client.post("/v1/rulesets/2/activate").json()["status"] == "active"
    refused = client.put("/v1/rulesets/2", json=body)
    assert refused.status_code == 409 and "immutable" in refused.json()["detail"]
    statuses = {v["version"]: v["status"] for v in client.get("/v1/rulesets").json()}
    assert statuses == {1: "retired", 2: "active"}
    # Rolling back is activating the earlier version again.
    client.post("/v1/rulesets/1/activate")
    statuses = {v["version"]: v["status"] for v in client.get("/v1/rulesets").json()}
    assert statuses == {1: "active", 2: "retired"}


def test_database_refuses_a_second_active_version(engine: Engine) -> None:
    with Session(engine) as session:
        active = session.exec(select(Ruleset)).one()
        session.add(Ruleset(version=2, status=RulesetStatus.active, body=active.body, digest=active.digest))
        with pytest.raises(IntegrityError):
            session.commit()


def test_simulate_reports_moves_and_stores_nothing(client: TestClient, seeded: Engine) -> None:
    body = active_body(client)
    changed = copy.deepcopy(body)
    # A draft without the 1260H floor rule's points: the listed deals lose them.
    listed = [r for r in changed["rules"] if r["factor"] == "blacklist" and "US-DOD-1260H" in str(r["when"])]
    assert listed, "the default ruleset has a 1260H rule"
    removed_ids = {r["id"] for r in listed}
    changed["rules"] = [r for r in changed["rules"] if r["id"] not in removed_ids]
    version = draft(client, changed)["version"]
    snapshots = count_rows(seeded, ScoreSnapshot)
    response = client.post(f"/v1/rulesets/{version}/simulate", params={"as_of": "2026-11-24"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["deals"] == 3 and result["against_version"] == 1 and result["version"] == version
    moved = {m["title"]: m for m in result["moves"]}
    assert set(moved) == {
        "Jerusalem light-rail cars from CRRC",
        "Chinese connected electric vehicles in the Israeli car market",
    }
    for move in moved.values():
        assert move["delta"] < 0 and move["to_score"] - move["from_score"] == move["delta"]
        assert set(move["rules_removed"]) & removed_ids and move["rules_added"] == []
    assert sum(result["tier_counts_before"].values()) == sum(result["tier_counts_after"].values()) == 3
    assert count_rows(seeded, ScoreSnapshot) == snapshots
    # Simulating the active version itself moves nothing.
    same = client.post("/v1/rulesets/1/simulate", params={"as_of": "2026-11-24"}).json()
    assert same["changed"] == 0 and same["moves"] == []


def test_activating_unknown_version_is_404(client: TestClient) -> None:
    response = client.post("/v1/rulesets/42/activate")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
