"""API keys: created at random, shown once, stored hashed, revocable; from the CLI and the API."""

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.models import ApiKey, AuditEvent
from app.vocabulary import Role


def test_keys_create_prints_only_the_key_and_stores_its_digest(
    runner: CliRunner, engine: Engine, anonymous: TestClient
) -> None:
    result = runner.invoke(cli, ["keys", "create", "--role", "analyst", "--name", "dana"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert result.stdout == key + "\n" and key.startswith("fdi_") and len(key) > 40
    with Session(engine) as session:
        row = session.exec(select(ApiKey).where(ApiKey.name == "dana")).one()
        stored = [str(v) for v in row.model_dump().values()]
    assert row.role == "analyst" and row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored and row.prefix == key[:12]
    who = anonymous.post("/v1/entities", json={"name": "Dana's entity", "country": "CN"}, headers={"X-API-Key": key})
    assert who.status_code == 201
    again = runner.invoke(cli, ["keys", "create", "--role", "viewer", "--name", "dana"])
    assert again.exit_code == 1 and "already exists" in again.output and "Traceback" not in again.output
    bad_role = runner.invoke(cli, ["keys", "create", "--role", "root", "--name", "x"])
    assert bad_role.exit_code != 0 and "root" in bad_role.output


def test_keys_list_and_revoke(runner: CliRunner, anonymous: TestClient) -> None:
    key = runner.invoke(cli, ["keys", "create", "--role", "viewer", "--name", "ops-dashboard"]).stdout.strip()
    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0 and "ops-dashboard" in listed.stdout and key[:12] in listed.stdout
    assert key not in listed.stdout
    assert anonymous.get("/v1/deals", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    revoked = runner.invoke(cli, ["keys", "revoke", "ops-dashboard"])
    assert revoked.exit_code == 0 and "revoked key 'ops-dashboard'" in revoked.stdout
    assert anonymous.get("/v1/deals", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    active = runner.invoke(cli, ["keys", "list", "--active"])
    assert "ops-dashboard" not in active.stdout
    missing = runner.invoke(cli, ["keys", "revoke", "nobody"])
    assert missing.exit_code == 1 and "no key named" in missing.output


def test_bootstrap_makes_one_admin_key_only_when_there_is_none(runner: CliRunner, anonymous: TestClient) -> None:
    first = runner.invoke(cli, ["keys", "bootstrap"])
    assert first.exit_code == 0
    key = next(word for word in first.stdout.split() if word.startswith("fdi_"))
    assert anonymous.get("/v1/keys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    second = runner.invoke(cli, ["keys", "bootstrap"])
    assert second.exit_code == 0 and "fdi_" not in second.stdout and "exists already" in second.stdout


def test_admins_manage_keys_through_the_api(client: TestClient, anonymous: TestClient, engine: Engine) -> None:
    created = client.post("/v1/keys", json={"name": "noa", "role": "viewer"})
    assert created.status_code == 201
    body = created.json()
    assert body["role"] == "viewer" and body["key"].startswith(body["prefix"]) and body["created_by"] == "admin"
    listed = client.get("/v1/keys").json()
    assert {k["name"] for k in listed} == {"viewer", "analyst", "admin", "noa"}
    assert all("key" not in k for k in listed)
    noa = {"Authorization": f"Bearer {body['key']}"}
    assert anonymous.get("/v1/sectors", headers=noa).status_code == 200
    assert anonymous.post("/v1/keys", json={"name": "x", "role": "admin"}, headers=noa).status_code == 403
    assert client.post("/v1/keys", json={"name": "noa", "role": "admin"}).status_code == 409
    assert client.post("/v1/keys", json={"name": "", "role": "admin"}).status_code == 422
    assert client.post("/v1/keys", json={"name": "x", "role": "superuser"}).status_code == 422
    revoked = client.delete(f"/v1/keys/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert anonymous.get("/v1/sectors", headers=noa).status_code == 401
    assert client.delete("/v1/keys/999999").status_code == 404
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.object_type == "api_key")).all()
    assert [(e.action, e.actor) for e in events] == [("create", "tests")] * 3 + [
        ("create", "admin"),
        ("revoke", "admin"),
    ]
    assert all("key_hash" not in (e.after or {}) for e in events)


def test_wrong_role_is_403_and_no_key_is_401_with_problem_json(
    anonymous: TestClient, api_keys: dict[Role, str]
) -> None:
    none = anonymous.post("/v1/deals", json={})
    assert none.status_code == 401 and none.headers["content-type"] == "application/problem+json"
    assert none.json()["title"] == "Unauthenticated" and none.headers["WWW-Authenticate"] == 'Bearer realm="fdi-risk"'
    viewer = anonymous.post("/v1/deals", json={}, headers={"Authorization": f"Bearer {api_keys[Role.viewer]}"})
    assert viewer.status_code == 403
    assert viewer.json()["detail"] == "This needs role analyst; the key 'viewer' has role viewer."


def test_the_docs_authorize_button_offers_both_key_headers(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["HTTPBearer"]["description"],
    }
    assert schemes["APIKeyHeader"]["in"] == "header" and schemes["APIKeyHeader"]["name"] == "X-API-Key"
    deals = schema["paths"]["/v1/deals"]
    assert {"HTTPBearer": []} in deals["post"]["security"] and deals["post"]["x-required-role"] == "analyst"
    assert {"401", "403"} <= set(deals["post"]["responses"]) and "403" not in deals["get"]["responses"]
    assert "security" not in schema["paths"]["/healthz"]["get"]
