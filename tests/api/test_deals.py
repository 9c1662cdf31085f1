"""Deals through the API: creation, bad input, listing, updates."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models import AuditEvent, Deal, DealParty
from tests.factories import count_rows, deal, deal_body, entity


@pytest.fixture
def parties(client: TestClient) -> list[int]:
    return [entity(client, "ZPMC")["id"], entity(client, "Israel Ports Co.", country="IL")["id"]]


def test_create_and_read_a_deal(client: TestClient, parties: list[int]) -> None:
    created = deal(
        client,
        parties,
        value_usd=383_000_000,
        stake_pct=49.5,
        signed_on="2024-05-01",
        attributes={"near_sensitive_site": True, "units": 132},
        us_relations={"concern_level": "public", "notes": "raised in 2019"},
        mitigations=["security_review"],
        sources=[{"url": "https://example.org/a", "title": "report", "published": "2025-01-02"}],
    )
    assert created["id"] > 0 and created["version"] == 1
    got = client.get(f"/v1/deals/{created['id']}")
    assert got.headers["etag"] == '"1"'
    body = got.json()
    assert body["value_usd"] == 383_000_000 and body["stake_pct"] == 49.5
    assert [(p["entity_name"], p["role"]) for p in body["parties"]] == [
        ("ZPMC", "supplier"),
        ("Israel Ports Co.", "buyer"),
    ]
    assert body["us_relations"] == {"concern_level": "public", "notes": "raised in 2019"}
    assert body["attributes"] == {"near_sensitive_site": True, "units": 132}
    assert body["sources"][0]["url"] == "https://example.org/a"
    assert body["latest_score"] is None


BAD: list[tuple[dict[str, Any], str]] = [
    ({"sector": "basket_weaving"}, "sector"),
    ({"host_country": "XX"}, "host_country"),
    ({"value_usd": -5}, "value_usd"),
    ({"stake_pct": 100.5}, "stake_pct"),
    ({"signed_on": "2024-02-30"}, "signed_on"),
    ({"deal_type": "merger"}, "deal_type"),
    ({"mitigations": ["prayer"]}, "mitigations.0"),
    ({"parties": []}, "parties"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, engine: Engine, parties: list[int], change: dict[str, Any], field: str
) -> None:
    audit_before = count_rows(engine, AuditEvent)
    response = client.post("/v1/deals", json={**deal_body(parties), **change})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count_rows(engine, Deal) == 0 and count_rows(engine, DealParty) == 0
    assert count_rows(engine, AuditEvent) == audit_before


def test_unknown_role_and_missing_entity_are_named(client: TestClient, engine: Engine, parties: list[int]) -> None:
    role = client.post("/v1/deals", json=deal_body(parties) | {"parties": [{"entity_id": parties[0], "role": "boss"}]})
    assert [e["field"] for e in role.json()["errors"]] == ["parties.0.role"]
    missing = client.post("/v1/deals", json=deal_body([parties[0], 987654]))
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["parties.1.entity_id"]
    assert count_rows(engine, Deal) == 0


def test_malformed_and_oversize_bodies(client: TestClient, engine: Engine) -> None:
    malformed = client.post("/v1/deals", content=b'{"title": ', headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["title"] == "Malformed JSON"
    huge = client.post(
        "/v1/deals", content=b'{"title": "' + b"x" * 70_000 + b'"}', headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"
    assert count_rows(engine, Deal) == 0


def test_listing_filters_sorts_and_pages(client: TestClient, parties: list[int]) -> None:
    port = deal(client, parties, title="Port concession", value_usd=10)
    rail = deal(client, parties[:1], title="Tram cars", sector="urban_rail", host_country="HU", value_usd=99)
    ids = lambda **p: [d["id"] for d in client.get("/v1/deals", params=p).json()["items"]]  # noqa: E731
    assert ids(sector="urban_rail") == [rail["id"]]
    assert ids(country="HU") == [rail["id"]]
    assert ids(country="IL") == [port["id"]]
    assert sorted(ids(country="CN")) == sorted([port["id"], rail["id"]])
    assert ids(q="TRAM") == [rail["id"]]
    assert ids(sort="value_usd") == [port["id"], rail["id"]]
    assert ids(sort="-value_usd") == [rail["id"], port["id"]]
    page = client.get("/v1/deals", params={"limit": 1, "offset": 1, "sort": "title"}).json()
    assert page["total"] == 2 and [d["id"] for d in page["items"]] == [rail["id"]]
    assert client.get("/v1/deals", params={"limit": 201}).status_code == 422
    assert client.get("/v1/deals", params={"sort": "password"}).status_code == 422
    assert client.get("/v1/deals", params={"tier": "critical"}).json()["total"] == 0


def test_patch_replaces_parties_and_bumps_the_version(client: TestClient, parties: list[int]) -> None:
    created = deal(client, parties)
    url = f"/v1/deals/{created['id']}"
    patched = client.patch(
        url,
        json={"parties": [{"entity_id": parties[1], "role": "operator"}], "status": "signed"},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == 2 and patched.json()["status"] == "signed"
    assert [(p["entity_id"], p["role"]) for p in patched.json()["parties"]] == [(parties[1], "operator")]
    bad = client.patch(url, json={"sector": "nope"}, headers={"If-Match": '"2"'})
    assert bad.status_code == 422 and client.get(url).json()["sector"] == "ports"
    assert client.patch(url, json={"title": None}, headers={"If-Match": '"2"'}).status_code == 422


def test_delete_a_deal(client: TestClient, parties: list[int], engine: Engine) -> None:
    created = deal(client, parties)
    assert client.delete(f"/v1/deals/{created['id']}", headers={"If-Match": '"7"'}).status_code == 412
    assert client.delete(f"/v1/deals/{created['id']}").status_code == 428
    assert client.get(f"/v1/deals/{created['id']}").status_code == 200
    assert client.delete(f"/v1/deals/{created['id']}", headers={"If-Match": '"1"'}).status_code == 204
    assert client.get(f"/v1/deals/{created['id']}").status_code == 404
    assert count_rows(engine, DealParty) == 0
