"""Scoring through the API on SQLite and PostgreSQL: snapshots, history, unsaved deals, rescore, bad input."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.models import AuditEvent, Deal, Entity, Ruleset, ScoreSnapshot
from app.vocabulary import RulesetStatus
from tests.factories import count_rows, deal, entity

TODAY = "2026-11-24"


def deal_id(engine: Engine, ref: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Deal.id).where(Deal.ref == ref)).one()  # type: ignore[return-value]


def entity_id(engine: Engine, ref: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Entity.id).where(Entity.ref == ref)).one()  # type: ignore[return-value]


def score(client: TestClient, deal: int, as_of: str = TODAY) -> dict[str, Any]:
    response = client.post(f"/v1/deals/{deal}/score", params={"as_of": as_of})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def fired(snapshot: dict[str, Any]) -> set[str]:
    return {r["rule_id"] for r in snapshot["rules"]}


def test_snapshot_is_stored_explained_and_reproducible(client: TestClient, seeded: Engine) -> None:
    light_rail = deal_id(seeded, "jerusalem-light-rail-cars")
    first = score(client, light_rail)
    assert first["id"] > 0 and first["deal_id"] == light_rail and first["as_of"] == TODAY
    assert first["ruleset"]["version"] == 1 and len(first["ruleset"]["digest"]) == 64
    assert 0 <= first["score"] <= 100
    total = sum(f["points"] for f in first["factors"])
    assert first["score"] == max(0, min(100, total))
    for factor in first["factors"]:
        assert -factor["cap"] <= factor["points"] <= factor["cap"]
    for rule in first["rules"]:
        assert rule["citation"] and rule["evidence"], rule["rule_id"]
        for leaf in rule["evidence"]:
            assert leaf["fact"] in first["facts"] or leaf["op"].startswith("not") or leaf["op"] == "exists"
    assert first["facts"]["counterparty.lists"] == ["US-DOD-1260H"]
    second = score(client, light_rail)
    assert second["id"] != first["id"]
    for key in ("score", "tier", "recommendation", "inputs_digest", "rules", "facts", "factors"):
        assert second[key] == first[key], key
    history = client.get(f"/v1/deals/{light_rail}/scores").json()
    assert history["total"] == 2 and [s["id"] for s in history["items"]] == [second["id"], first["id"]]
    listed = client.get("/v1/deals", params={"sort": "-score"}).json()["items"]
    summary = next(d for d in listed if d["id"] == light_rail)["latest_score"]
    assert (summary["score"], summary["tier"]) == (first["score"], first["tier"])
    with Session(seeded) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "score")).all()
        assert [e.object_id for e in events] == [str(light_rail)] * 2


def test_screening_evidence_follows_the_ownership_chain(client: TestClient, seeded: Engine) -> None:
    snapshot = score(client, deal_id(seeded, "jerusalem-light-rail-cars"))
    crrc, crrc_ma = entity_id(seeded, "crrc"), entity_id(seeded, "crrc-ma")
    hits = {(h["entity_id"], h["list_code"]): h for h in snapshot["screening"]}
    direct = hits[(crrc, "US-DOD-1260H")]
    assert direct["via"] == [] and direct["listed_since"] == "2022-10-05" and direct["roles"] == ["supplier"]
    assert direct["entry_name"] == "CRRC Corporation Limited"
    inherited = hits[(crrc_ma, "US-DOD-1260H")]
    assert inherited["via"] == [crrc] and inherited["roles"] == ["manufacturer"]
    assert not any(h["entity_id"] == entity_id(seeded, "denya-cebus") for h in snapshot["screening"])


def test_byd_listing_counts_only_from_its_edition(client: TestClient, seeded: Engine) -> None:
    evs = deal_id(seeded, "israel-chinese-evs")
    before = score(client, evs, "2025-03-31")
    after = score(client, evs, "2026-06-08")
    assert before["facts"]["counterparty.lists"] == [] and after["facts"]["counterparty.lists"] == ["US-DOD-1260H"]
    assert "us.connected_vehicles_2025" in before["facts"]["us.domestic_restrictions"]
    assert after["score"] > before["score"]
    byd = entity_id(seeded, "byd")
    assert [h["listed_since"] for h in after["screening"] if h["entity_id"] == byd] == ["2026-06-08"]


def test_unsaved_deal_scores_inline_and_stored_parties_and_stores_nothing(client: TestClient, seeded: Engine) -> None:
    buyer = entity_id(seeded, "denya-cebus")
    body = {
        "deal_type": "procurement",
        "sector": "urban_rail",
        "host_country": "IL",
        "parties": [
            {"entity_id": buyer, "role": "buyer"},
            {"name": "crrc corporation limited", "country": "CN", "state_owned": True, "role": "supplier"},
        ],
    }
    counts = [count_rows(seeded, m) for m in (ScoreSnapshot, Entity, Deal, AuditEvent)]
    response = client.post("/v1/score", json=body, params={"as_of": TODAY})
    assert response.status_code == 200, response.text
    snapshot = response.json()
    assert snapshot["id"] is None and snapshot["deal_id"] is None
    assert snapshot["facts"]["counterparty.lists"] == ["US-DOD-1260H"]
    assert [h["entity_id"] for h in snapshot["screening"]] == [-2]
    assert [count_rows(seeded, m) for m in (ScoreSnapshot, Entity, Deal, AuditEvent)] == counts
    again = client.post("/v1/score", json=body, params={"as_of": TODAY}).json()
    assert again["inputs_digest"] == snapshot["inputs_digest"] and again["score"] == snapshot["score"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sector": "casinos"}, "sector"),
        ({"host_country": "XX"}, "host_country"),
        ({"parties": [{"entity_id": 999_999, "role": "supplier"}]}, "parties.0.entity_id"),
        ({"parties": [{"name": "", "role": "supplier"}]}, "parties"),
        ({"attributes": {"data_access": "yes"}}, "attributes"),
    ],
)
def test_bad_unsaved_deal_is_422_naming_the_field(
    client: TestClient, seeded: Engine, change: dict[str, Any], field: str
) -> None:
    body = {"deal_type": "supply", "sector": "ports", "host_country": "IL", "parties": [{"name": "X", "role": "buyer"}]}
    response = client.post("/v1/score", json={**body, **change})
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()


def test_scoring_without_an_active_ruleset_is_409(client: TestClient, seeded: Engine) -> None:
    with Session(seeded) as session:
        session.execute(update(Ruleset).values(status=RulesetStatus.retired))
        session.commit()
    light_rail = deal_id(seeded, "jerusalem-light-rail-cars")
    for response in (
        client.post(f"/v1/deals/{light_rail}/score"),
        client.post("/v1/rescore"),
        client.post(
            "/v1/score",
            json={
                "deal_type": "supply",
                "sector": "ports",
                "host_country": "IL",
                "parties": [{"name": "X", "role": "buyer"}],
            },
        ),
        client.get("/v1/rulesets/active"),
    ):
        assert response.status_code == 409, response.text
        assert "No ruleset is active" in response.json()["detail"]
    assert count_rows(seeded, ScoreSnapshot) == 0


def test_scoring_a_missing_deal_is_404(client: TestClient) -> None:
    response = client.post("/v1/deals/424242/score")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/deals/424242/scores").status_code == 404


def test_malformed_as_of_is_422(client: TestClient, seeded: Engine) -> None:
    response = client.post(f"/v1/deals/{deal_id(seeded, 'haifa-bay-port')}/score", params={"as_of": "2026-13-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.as_of"


def test_deal_attribute_of_the_wrong_type_is_refused(client: TestClient) -> None:
    party = entity(client, "Vendor Co")["id"]
    response = client.post(
        "/v1/deals",
        json={
            "title": "t",
            "deal_type": "supply",
            "sector": "ports",
            "host_country": "IL",
            "parties": [{"entity_id": party, "role": "supplier"}],
            "attributes": {"remote_access": 1},
        },
    )
    assert response.status_code == 422
    assert "remote_access" in response.json()["errors"][0]["message"]


def test_rescore_reports_tier_moves_and_stores_a_snapshot_per_deal(client: TestClient, seeded: Engine) -> None:
    first = client.post("/v1/rescore", params={"as_of": "2025-03-31"})
    assert first.status_code == 200, first.text
    summary = first.json()
    assert summary["deals"] == 3 and summary["changed"] == 3
    assert summary["tier_counts_before"]["unscored"] == 3 and sum(summary["tier_counts_after"].values()) == 3
    assert sum(summary["tier_moves"].values()) == 3 and all(k.startswith("unscored->") for k in summary["tier_moves"])
    again = client.post("/v1/rescore", params={"as_of": "2025-03-31"}).json()
    assert again["changed"] == again["scores_changed"] == 0 and again["tier_moves"] == {}
    # BYD's listing from 2026-06-08 raises the EVs' score; the other two deals stay as they were.
    later = client.post("/v1/rescore", params={"as_of": TODAY}).json()
    assert later["scores_changed"] == 1
    assert later["changed"] == sum(later["tier_moves"].values())
    assert count_rows(seeded, ScoreSnapshot) == 9


def test_rescore_streams_progress_as_ndjson(client: TestClient, seeded: Engine) -> None:
    extra = entity(client, "Tianjin Widget Co")["id"]
    deal(client, [extra])
    response = client.post("/v1/rescore", params={"as_of": TODAY}, headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0] == {"done": 4, "total": 4}
    assert lines[-1]["summary"]["deals"] == 4 and lines[-1]["summary"]["tier_counts_before"]["unscored"] == 4
    assert count_rows(seeded, ScoreSnapshot) == 4


@pytest.mark.parametrize(
    ("ref", "as_of", "must_fire", "must_not_fire", "tiers"),
    [
        (
            "jerusalem-light-rail-cars",
            TODAY,
            {
                "blacklist.dod_1260h",
                "mitigation.claimed_signed_before_listing",
                "mitigation.allied_subsidiary_supply",
                "mitigation.private_buyer",
            },
            set(),
            {"high"},
        ),
        (
            "haifa-bay-port",
            TODAY,
            {
                "sector.critical_infrastructure_control",
                "foreign_control.state_controlled",
                "foreign_control.government_controlled_transaction",
                "us_relations.public_concern",
                "sector.near_sensitive_site",
            },
            {"blacklist.dod_1260h"},
            {"high"},
        ),
        (
            "israel-chinese-evs",
            "2026-06-08",
            {
                "data_technology.data_access_by_country_of_concern",
                "us_relations.us_bars_connected_vehicles",
                "blacklist.dod_1260h",
            },
            set(),
            {"high", "critical"},
        ),
        (
            "israel-chinese-evs",
            "2025-03-31",
            {"data_technology.data_access_by_country_of_concern", "us_relations.us_bars_connected_vehicles"},
            {"blacklist.dod_1260h"},
            {"moderate", "elevated"},
        ),
    ],
)
def test_seed_deals_score_as_an_analyst_would(
    client: TestClient,
    seeded: Engine,
    ref: str,
    as_of: str,
    must_fire: set[str],
    must_not_fire: set[str],
    tiers: set[str],
) -> None:
    snapshot = score(client, deal_id(seeded, ref), as_of)
    assert must_fire <= fired(snapshot), fired(snapshot)
    assert not must_not_fire & fired(snapshot)
    assert snapshot["tier"] in tiers


def test_light_rail_floor_holds_against_its_mitigations(client: TestClient, seeded: Engine) -> None:
    light_rail = deal_id(seeded, "jerusalem-light-rail-cars")
    with_mitigations = score(client, light_rail)
    etag = client.get(f"/v1/deals/{light_rail}").headers["etag"]
    patched = client.patch(
        f"/v1/deals/{light_rail}",
        json={"mitigations": [], "attributes": {"claimed_signed_before_listing": False}},
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    without = score(client, light_rail)
    mitigation = next(f["points"] for f in with_mitigations["factors"] if f["factor"] == "mitigation")
    assert mitigation < 0 and with_mitigations["score"] < without["score"]
    assert with_mitigations["tier"] == "high" and with_mitigations["score"] < 60  # held up by the 1260H floor
    floor = next(r for r in with_mitigations["rules"] if r["rule_id"] == "blacklist.dod_1260h")
    assert floor["min_tier"] == "high"
    assert floor["evidence"] == [
        {"fact": "counterparty.lists_direct", "op": "contains", "value": "US-DOD-1260H", "actual": ["US-DOD-1260H"]}
    ]
