"""The audit log: every write names its actor, object, before and after; admins read it through GET /v1/audit."""

from fastapi.testclient import TestClient

from app.vocabulary import Role
from tests.factories import deal, entity


def test_writes_are_audited_with_the_key_name_before_and_after(
    client: TestClient, anonymous: TestClient, api_keys: dict[Role, str]
) -> None:
    analyst = {"Authorization": f"Bearer {api_keys[Role.analyst]}"}
    made = anonymous.post("/v1/entities", json={"name": "Acme Port Ops", "country": "CN"}, headers=analyst).json()
    changed = anonymous.patch(
        f"/v1/entities/{made['id']}", json={"name": "Acme Port Operations"}, headers={**analyst, "If-Match": '"1"'}
    )
    assert changed.status_code == 200
    page = client.get("/v1/audit", params={"object_type": "entity", "object_id": str(made["id"])}).json()
    assert page["total"] == 2
    update, create = page["items"]  # newest first
    assert (create["action"], create["actor"], create["before"]) == ("create", "analyst", None)
    assert create["after"]["name"] == "Acme Port Ops"
    assert (update["action"], update["actor"]) == ("update", "analyst")
    assert update["before"]["name"] == "Acme Port Ops" and update["after"]["name"] == "Acme Port Operations"
    assert update["before"]["version"] == 1 and update["after"]["version"] == 2


def test_audit_filters_and_pages(client: TestClient) -> None:
    party = entity(client)
    first = deal(client, [party["id"]])
    deal(client, [party["id"]], title="Second crane supply")
    assert client.delete(f"/v1/deals/{first['id']}", headers={"If-Match": '"1"'}).status_code == 204
    deals = client.get("/v1/audit", params={"object_type": "deal"}).json()
    assert [e["action"] for e in deals["items"]] == ["delete", "create", "create"]
    deleted = deals["items"][0]
    assert deleted["after"] is None and deleted["before"]["title"] == "Port crane supply"
    assert client.get("/v1/audit", params={"action": "delete"}).json()["total"] == 1
    assert client.get("/v1/audit", params={"actor": "admin", "object_type": "entity"}).json()["total"] == 1
    assert client.get("/v1/audit", params={"actor": "nobody"}).json()["total"] == 0
    paged = client.get("/v1/audit", params={"object_type": "deal", "limit": 1, "offset": 1}).json()
    assert paged["total"] == 3 and [e["action"] for e in paged["items"]] == ["create"]
    future = client.get("/v1/audit", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["total"] == 0
    assert client.get("/v1/audit", params={"since": "yesterday"}).status_code == 422


def test_a_refused_write_leaves_no_audit_event(client: TestClient) -> None:
    before = client.get("/v1/audit").json()["total"]
    refused = client.post(
        "/v1/deals",
        json={
            "title": "x",
            "deal_type": "supply",
            "sector": "ports",
            "host_country": "IL",
            "parties": [{"entity_id": 999999, "role": "supplier"}],
        },
    )
    assert refused.status_code == 422
    assert client.get("/v1/audit").json()["total"] == before


def test_only_admins_read_the_audit_log(anonymous: TestClient, api_keys: dict[Role, str]) -> None:
    analyst = {"Authorization": f"Bearer {api_keys[Role.analyst]}"}
    assert anonymous.get("/v1/audit", headers=analyst).status_code == 403
    assert anonymous.get("/v1/audit").status_code == 401
