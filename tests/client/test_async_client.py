"""The async client against a live server: the same calls awaited, async paging, progress callbacks, errors."""

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.client import (
    AsyncFdiRiskClient,
    FdiRiskUnavailable,
    InvalidInputError,
    NotFoundError,
    PreconditionError,
)
from app.vocabulary import DealStatus, Tier

AS_OF = "2026-11-24"


def run(test: Callable[[AsyncFdiRiskClient], Awaitable[None]], url: str) -> None:
    async def session() -> None:
        async with AsyncFdiRiskClient(url, timeout=10.0) as fdi:
            await test(fdi)

    asyncio.run(session())


def test_async_create_update_and_stale_update(server_url: str) -> None:
    async def scenario(fdi: AsyncFdiRiskClient) -> None:
        supplier, buyer = await asyncio.gather(
            fdi.create_entity({"name": "ZPMC", "country": "CN"}),
            fdi.create_entity({"name": "Israel Ports Co.", "country": "IL"}),
        )
        parties = [{"entity_id": supplier.id, "role": "supplier"}, {"entity_id": buyer.id, "role": "buyer"}]
        read = await fdi.create_deal(
            {"title": "Cranes", "deal_type": "supply", "sector": "ports", "host_country": "IL", "parties": parties}
        )
        changed = await fdi.update_deal(read, {"status": "signed"})
        assert (changed.status, changed.version) == (DealStatus.signed, 2)
        with pytest.raises(PreconditionError) as stale:
            await fdi.update_deal(read, {"status": "withdrawn"})
        assert stale.value.status == 412
        assert (await fdi.update_deal(read.id, {"value_usd": 5})).version == 3
        await fdi.delete_deal(read.id)
        with pytest.raises(NotFoundError) as missing:
            await fdi.get_deal(read.id)
        assert missing.value.status == 404 and missing.value.title == "Not found"

    run(scenario, server_url)


def test_async_scoring_paging_simulation_and_screening(seeded_server_url: str) -> None:
    async def scenario(fdi: AsyncFdiRiskClient) -> None:
        deals = [deal async for deal in fdi.iter_deals(page_size=1)]
        assert len(deals) == 3
        light_rail = next(d for d in deals if d.ref == "jerusalem-light-rail-cars")
        snapshot = await fdi.score_deal(light_rail.id, as_of=AS_OF)
        assert "blacklist.dod_1260h" in {r.rule_id for r in snapshot.rules} and snapshot.tier is Tier.high
        assert [s.id async for s in fdi.iter_scores(light_rail.id)] == [snapshot.id]

        seen: list[int] = []

        async def progress(done: int, total: int) -> None:
            seen.append(done)

        summary = await fdi.rescore(as_of=AS_OF, on_progress=progress)
        assert summary.deals == 3 and seen[-1] == 3
        active = await fdi.active_ruleset()
        draft = await fdi.create_draft(active, notes="unchanged copy")
        simulation = await fdi.simulate(draft.version, as_of=AS_OF)
        assert simulation.deals == 3 and simulation.changed == 0
        hits = (await fdi.screen("CRRC Corp", as_of=AS_OF)).hits
        assert hits[0].entry_name == "CRRC Corporation Limited"
        with pytest.raises(InvalidInputError) as invalid:
            await fdi.create_deal({"title": "x", "deal_type": "merger", "sector": "ports", "host_country": "IL"})
        assert {"deal_type", "parties"} <= {e.field for e in invalid.value.errors}

    run(scenario, seeded_server_url)


def test_async_client_with_an_injected_httpx_client(server_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            async with AsyncFdiRiskClient(server_url, http=http) as fdi:
                assert await fdi.health() == {"status": "ok"}
                assert "urban_rail" in {s.code for s in await fdi.sectors()}
            assert not http.is_closed

    asyncio.run(scenario())


def test_async_server_down_raises_unavailable(dead_url: str) -> None:
    async def scenario(fdi: AsyncFdiRiskClient) -> None:
        with pytest.raises(FdiRiskUnavailable) as down:
            await fdi.list_deals()
        assert down.value.url == dead_url

    run(scenario, dead_url)
