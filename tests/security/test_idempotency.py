"""Idempotency-Key: a retried create returns the first response and creates nothing new."""

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.api.access import route_access
from app.api.idempotency import get_idempotency
from app.core.config import Settings
from app.main import create_app
from app.models import Deal, Entity, IdempotencyRecord, ScoreSnapshot
from app.vocabulary import Role
from tests.factories import count_rows, deal_body, entity

# Creating POSTs that do not take the header, and why.
NOT_IDEMPOTENT = {
    "/v1/keys": "the stored first response would hold the key in plaintext",
    "/v1/lists/{code}/import": "importing the same file again is already a no-op (`unchanged`)",
}


def test_a_retried_create_returns_the_first_response_and_creates_nothing(client: TestClient, engine: Engine) -> None:
    party = entity(client)
    body = deal_body([party["id"]])
    first = client.post("/v1/deals", json=body, headers={"Idempotency-Key": "retry-7f3a"})
    retry = client.post("/v1/deals", json=body, headers={"Idempotency-Key": "retry-7f3a"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"] and retry.headers["ETag"] == first.headers["ETag"]
    assert "Idempotent-Replayed" not in first.headers
    assert count_rows(engine, Deal) == 1 and count_rows(engine, IdempotencyRecord) == 1
    fresh = client.post("/v1/deals", json=body, headers={"Idempotency-Key": "another-key"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert client.post("/v1/deals", json=body).status_code == 201  # no key: no idempotency
    assert count_rows(engine, Deal) == 3


def test_a_key_reused_for_a_different_request_is_refused(client: TestClient, engine: Engine) -> None:
    before = count_rows(engine, Entity)
    first = client.post("/v1/entities", json={"name": "Acme", "country": "CN"}, headers={"Idempotency-Key": "k1"})
    other = client.post("/v1/entities", json={"name": "Other", "country": "CN"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and other.status_code == 422
    assert other.json()["errors"] == [{"field": "Idempotency-Key", "message": "already used for a different request"}]
    assert count_rows(engine, Entity) == before + 1


def test_a_failed_create_is_not_remembered(client: TestClient, engine: Engine) -> None:
    bad = client.post("/v1/deals", json=deal_body([999999]), headers={"Idempotency-Key": "k-bad"})
    assert bad.status_code == 422 and count_rows(engine, IdempotencyRecord) == 0
    party = entity(client)
    fixed = client.post("/v1/deals", json=deal_body([party["id"]]), headers={"Idempotency-Key": "k-bad"})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers  # the failure created nothing
    assert count_rows(engine, Deal) == 1 and count_rows(engine, IdempotencyRecord) == 1


def test_keys_are_per_caller_and_scores_are_not_repeated(
    client: TestClient, anonymous: TestClient, api_keys: dict[Role, str], engine: Engine, seeded: Engine
) -> None:
    with_key = {"Idempotency-Key": "score-once"}
    first = client.post("/v1/deals/1/score?as_of=2026-11-24", headers=with_key)
    again = client.post("/v1/deals/1/score?as_of=2026-11-24", headers=with_key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert count_rows(engine, ScoreSnapshot) == 1
    analyst = {**with_key, "Authorization": f"Bearer {api_keys[Role.analyst]}"}
    theirs = anonymous.post("/v1/deals/1/score?as_of=2026-11-24", headers=analyst)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != first.json()["id"] and count_rows(engine, ScoreSnapshot) == 2


def test_an_invalid_key_is_a_422(client: TestClient) -> None:
    response = client.post("/v1/entities", json={"name": "A", "country": "CN"}, headers={"Idempotency-Key": "x" * 201})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_every_creating_post_takes_an_idempotency_key(settings: Settings) -> None:
    app = create_app(settings)
    creating = set()
    for context in iter_route_contexts(app.routes):
        route = context.route
        if "POST" in getattr(route, "methods", ()) and 201 in {
            getattr(route, "status_code", None),
            *getattr(route, "responses", {}),
        }:
            creating.add(
                (context.path or route.path, any(d.call is get_idempotency for d in route.dependant.dependencies))
            )
    missing = sorted(path for path, has in creating if not has and path not in NOT_IDEMPOTENT)
    assert not missing, f"creating POST routes without Idempotency-Key support: {missing}"
    assert {p for p, _ in creating} >= {"/v1/deals", "/v1/entities", "/v1/deals/import", "/v1/rulesets"}
    assert len(list(route_access(app))) > 40


def test_a_retried_upload_is_replayed_and_imports_nothing_new(
    client: TestClient, engine: Engine, seeded: Engine
) -> None:
    csv = (
        b"title,deal_type,sector,host_country,parties\n"
        b"Tram depot cranes,supply,urban_rail,IL,supplier:CRRC Corporation Limited\n"
    )
    headers = {"Idempotency-Key": "import-once"}
    first = client.post("/v1/deals/import", files={"file": ("deals.csv", csv)}, headers=headers)
    assert first.status_code == 201, first.text
    deals_after_first = count_rows(engine, Deal)
    retry = client.post("/v1/deals/import", files={"file": ("deals.csv", csv)}, headers=headers)
    assert retry.status_code == 201 and retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert count_rows(engine, Deal) == deals_after_first
    changed = client.post("/v1/deals/import", files={"file": ("deals.csv", csv + b"\n")}, headers=headers)
    assert changed.status_code == 422 and count_rows(engine, Deal) == deals_after_first
