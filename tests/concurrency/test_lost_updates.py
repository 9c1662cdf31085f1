"""Many writers changing the same deal through a live server: every change lands, none is lost."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from app.models import AuditEvent, Deal, Entity
from app.vocabulary import Role
from tests.client.conftest import server_url  # noqa: F401  (fixture)

WRITERS = 8
INCREMENTS = 5


def _increment(url: str, key: str, deal_id: int) -> int:
    """Add 1 to the deal's value, re-reading on every 412; returns how many 412s it took."""
    conflicts = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        for _ in range(INCREMENTS):
            while True:
                current = http.get(f"/v1/deals/{deal_id}")
                assert current.status_code == 200, current.text
                value = current.json()["value_usd"]
                patched = http.patch(
                    f"/v1/deals/{deal_id}", json={"value_usd": value + 1}, headers={"If-Match": current.headers["ETag"]}
                )
                if patched.status_code == 412:
                    assert patched.headers["content-type"] == "application/problem+json"
                    conflicts += 1
                    continue
                assert patched.status_code == 200, patched.text
                break
    return conflicts


@pytest.mark.usefixtures("seeded")
def test_concurrent_writers_lose_no_update(server_url: str, engine: Engine, api_keys: dict[Role, str]) -> None:  # noqa: F811
    with Session(engine) as session:
        deal = session.exec(select(Deal).where(Deal.ref == "jerusalem-light-rail-cars")).one()
        deal_id, start_value, start_version = deal.id, deal.value_usd or 0, deal.version
    assert deal_id is not None
    with ThreadPoolExecutor(WRITERS) as pool:
        conflicts = sum(pool.map(lambda _: _increment(server_url, api_keys[Role.analyst], deal_id), range(WRITERS)))
    with Session(engine) as session:
        final = session.get(Deal, deal_id)
        assert final is not None
        updates = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.object_type == "deal", AuditEvent.object_id == str(deal_id), AuditEvent.action == "update"
            )
        ).one()
        actors = set(session.exec(select(col(AuditEvent.actor)).where(AuditEvent.action == "update")))
    assert final.value_usd == start_value + WRITERS * INCREMENTS
    assert final.version == start_version + WRITERS * INCREMENTS
    assert updates == WRITERS * INCREMENTS and actors == {"analyst"}
    # The writers really did collide; otherwise this test proves nothing about concurrency.
    assert conflicts > 0


@pytest.mark.usefixtures("seeded")
def test_concurrent_retries_with_one_idempotency_key_create_one_deal(
    server_url: str,  # noqa: F811
    engine: Engine,
    api_keys: dict[Role, str],
) -> None:
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(Deal)).one()
        supplier = session.exec(select(Entity.id).where(Entity.name == "CRRC Corporation Limited")).one()
    body = {"title": "Crane supply, sent twice", "deal_type": "supply", "sector": "ports", "host_country": "IL",
            "parties": [{"entity_id": supplier, "role": "supplier"}]}  # fmt: skip
    headers = {"Authorization": f"Bearer {api_keys[Role.analyst]}", "Idempotency-Key": "crane-supply-once"}

    def send(_: int) -> tuple[int, int | None]:
        response = httpx.post(f"{server_url}/v1/deals", json=body, headers=headers, timeout=30)
        return response.status_code, response.json().get("id")

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(send, range(WRITERS)))
    with Session(engine) as session:
        after = session.exec(select(func.count()).select_from(Deal)).one()
    assert after == before + 1
    created = {deal_id for status, deal_id in answers if status == 201}
    assert len(created) == 1 and {status for status, _ in answers} <= {201, 409}, answers
