"""More requests at once than one worker has threads and database connections: every one is answered.

A worker runs sync code in a pool of 40 threads. A request holds its pooled connection from its first query
(the API key) to its commit, and in between needs more threads: for its route, then for FastAPI to validate
the response. With 15 connections and 80 clients, every thread held a request waiting for a connection while
every connection belonged to a request waiting for a thread, and every request timed out. Now a request takes
one of 15 slots before its session opens and gives it back after the commit, the pool holds 20 connections,
and every query of a request goes through its one session, so no request waits for a connection. Without the
slots this test times out.
"""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from app.models import Deal, Entity
from app.vocabulary import Role
from tests.client.conftest import server_url  # noqa: F401  (fixture)
from tests.factories import deal_body

CLIENTS = 100  # more than the thread pool and the connection pool together


async def burst(url: str, key: str, deal_id: int, party_id: int) -> list[tuple[str, int]]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    auth = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http,
        httpx.AsyncClient(base_url=url, timeout=60, limits=limits, cookies={"fdi_key": key}) as browser,
    ):

        async def one(i: int) -> tuple[str, int]:
            kind = ("read", "score", "create", "page")[i % 4]
            if kind == "read":
                answer = await http.get(f"/v1/deals/{deal_id}", headers=auth)
            elif kind == "score":
                answer = await http.post(f"/v1/deals/{deal_id}/score?as_of=2026-11-24", headers=auth)
            elif kind == "create":
                body = {**deal_body([party_id]), "title": f"Burst deal {i}"}
                headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
                answer = await http.post("/v1/deals", json=body, headers=headers)
            else:
                answer = await browser.get("/")
            return kind, answer.status_code

        return await asyncio.gather(*(one(i) for i in range(CLIENTS)))


@pytest.mark.usefixtures("seeded")
def test_a_burst_beyond_the_pools_is_answered_in_full(
    server_url: str,  # noqa: F811
    engine: Engine,
    api_keys: dict[Role, str],
) -> None:
    with Session(engine) as session:
        rail = session.exec(select(Deal.id).where(Deal.ref == "jerusalem-light-rail-cars")).one()
        party = session.exec(select(Entity.id).where(Entity.ref == "crrc-ma")).one()
        deals_before = session.exec(select(func.count()).select_from(Deal)).one()
    answers = asyncio.run(burst(server_url, api_keys[Role.admin], rail, party))  # type: ignore[arg-type]
    expected = {"read": 200, "score": 201, "create": 201, "page": 200}
    assert [(kind, status) for kind, status in answers if status != expected[kind]] == []
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Deal)).one() == deals_before + CLIENTS // 4
