"""Entities and ownership edges through the API."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.models import AuditEvent, Entity
from tests.factories import deal, entity


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_create_get_and_search_an_entity(client: TestClient, engine: Engine) -> None:
    created = entity(
        client,
        "CRRC Corporation Limited",
        aliases=["CRRC", "中国中车"],
        state_owned=True,
        identifiers={"sse": "601766"},
        country="cn",
    )
    assert created["country"] == "CN" and created["version"] == 1
    got = client.get(f"/v1/entities/{created['id']}")
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.json()["owners"] == [] and got.json()["aliases"] == ["CRRC", "中国中车"]
    assert [e["id"] for e in client.get("/v1/entities", params={"q": "中国中车"}).json()["items"]] == [created["id"]]
    assert client.get("/v1/entities", params={"q": "crrc corp"}).json()["total"] == 1
    assert client.get("/v1/entities", params={"country": "IL"}).json()["total"] == 0
    with Session(engine) as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.object_type == "entity")).scalars().all()
    assert [(e.action, e.object_type, e.actor) for e in events] == [("create", "entity", "admin")]


def test_unknown_country_is_refused_and_nothing_is_written(client: TestClient, engine: Engine) -> None:
    response = client.post("/v1/entities", json={"name": "Nowhere Ltd.", "country": "ZZ"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "country"
    assert _count(engine, Entity) == 0


def test_unknown_field_and_blank_name_are_named(client: TestClient) -> None:
    response = client.post("/v1/entities", json={"name": "  ", "colour": "red"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "colour"}


def test_patch_needs_a_current_if_match(client: TestClient) -> None:
    created = entity(client)
    url = f"/v1/entities/{created['id']}"
    assert client.patch(url, json={"state_owned": True}).status_code == 428
    ok = client.patch(url, json={"state_owned": True}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    stale = client.patch(url, json={"notes": "late"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert client.get(url).json()["notes"] is None


def test_ownership_edges_and_their_limits(client: TestClient) -> None:
    parent = entity(client, "CRRC Group Co., Ltd.")
    child = entity(client, "CRRC Corporation Limited")
    other = entity(client, "Public float holder")
    url = f"/v1/entities/{child['id']}/owners"
    added = client.post(url, json={"owner_id": parent["id"], "percent": 55.91, "control": True, "source": "AR 2016"})
    assert added.status_code == 201
    assert added.json() == {
        "owner_id": parent["id"],
        "owner_name": "CRRC Group Co., Ltd.",
        "owned_id": child["id"],
        "owned_name": "CRRC Corporation Limited",
        "percent": 55.91,
        "control": True,
        "source": "AR 2016",
    }
    assert client.post(url, json={"owner_id": parent["id"], "percent": 1}).status_code == 409
    too_much = client.post(url, json={"owner_id": other["id"], "percent": 50})
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "percent"
    assert client.post(url, json={"owner_id": child["id"], "percent": 5}).status_code == 422
    missing = client.post(url, json={"owner_id": 99999, "percent": 5})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "owner_id"
    assert client.post(url, json={"owner_id": other["id"], "percent": 0}).status_code == 422
    detail = client.get(f"/v1/entities/{parent['id']}").json()
    assert [h["owned_id"] for h in detail["holdings"]] == [child["id"]]
    assert client.delete(f"{url}/{parent['id']}").status_code == 204
    assert client.get(url).json() == []


def test_an_entity_in_a_deal_cannot_be_deleted(client: TestClient) -> None:
    supplier = entity(client)
    deal(client, [supplier["id"]])
    response = client.delete(f"/v1/entities/{supplier['id']}", headers={"If-Match": f'"{supplier["version"]}"'})
    assert response.status_code == 409
    assert client.get(f"/v1/entities/{supplier['id']}").status_code == 200


def test_missing_entity_is_404_problem(client: TestClient) -> None:
    response = client.get("/v1/entities/424242")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
