"""Small builders for API payloads; each test states only what matters to it."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session


def entity(client: TestClient, name: str = "Acme Holdings Ltd.", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "country": "CN", **fields}
    response = client.post("/v1/entities", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def deal_body(party_ids: list[int], **fields: Any) -> dict[str, Any]:
    roles = ["supplier", "buyer", "manufacturer", "investor"]
    return {
        "title": "Port crane supply",
        "deal_type": "supply",
        "sector": "ports",
        "host_country": "IL",
        "parties": [{"entity_id": pid, "role": roles[i % len(roles)]} for i, pid in enumerate(party_ids)],
        **fields,
    }


def deal(client: TestClient, party_ids: list[int], **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/deals", json=deal_body(party_ids, **fields))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def count_rows(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())
