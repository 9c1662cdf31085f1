"""`AsyncFdiRiskClient`: the asyncio Python client, for services and notebooks that already run an event loop."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx

from app.client import calls
from app.client.calls import AsOf, Call, ETag, Source
from app.client.errors import ServerError, error_from_response, raise_for_status
from app.client.transport import Connection, Timeout
from app.schemas.common import Page
from app.schemas.deal import DealCreate, DealPublic, DealUpdate
from app.schemas.deal_import import DealImportResult
from app.schemas.entity import EntityCreate, EntityDetail, EntityPublic, EntityUpdate, OwnershipPublic
from app.schemas.portfolio import PortfolioSummary
from app.schemas.reference import CountryPublic, SectorPublic, UsRestrictionPublic
from app.schemas.ruleset import FactOut, RulesetPublic, RulesetSummary, SimulationOut
from app.schemas.scoring import RescoreOut, Snapshot, UnsavedDeal
from app.schemas.screening import DecisionOut, EntityScreening, ImportResult, ScreenResponse
from app.schemas.screening_list import ScreeningEntryPublic, ScreeningListPublic
from app.vocabulary import Tier

T = TypeVar("T")
Progress = Callable[[int, int], Awaitable[None] | None]


class AsyncFdiRiskClient:
    """The async twin of `FdiRiskClient`: the same methods, awaited; `iter_*` are async iterators.

    `base_url` defaults to FDI_URL, then http://127.0.0.1:8000; `api_key` (default FDI_API_KEY) is sent as
    `Authorization: Bearer ...`. Pass `http` to use an `httpx.AsyncClient` you manage; it is then never closed
    here. Non-2xx answers raise `FdiRiskError` subclasses, no answer raises `FdiRiskUnavailable`.

        async with AsyncFdiRiskClient() as fdi:
            async for deal in fdi.iter_deals(sort="-score"):
                print(deal.title, deal.latest_score)
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: Timeout | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._connection = Connection.from_env(base_url, api_key, timeout)
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=self._connection.client_timeout())

    @property
    def base_url(self) -> str:
        return self._connection.base_url

    async def aclose(self) -> None:
        """Close the connection pool, unless the httpx client was injected (its owner closes it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncFdiRiskClient({self.base_url!r})"

    async def _send(self, call: Call[T]) -> T:
        try:
            response = await self._http.request(**self._connection.request(call))
        except httpx.TransportError as exc:
            raise self._connection.unavailable(exc) from exc
        raise_for_status(response)
        return call.parse(response)

    @asynccontextmanager
    async def _stream(self, call: Call[Any]) -> AsyncIterator[httpx.Response]:
        try:
            async with self._http.stream(**self._connection.request(call)) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_from_response(response)
                yield response
        except httpx.TransportError as exc:
            raise self._connection.unavailable(exc) from exc

    async def _iterate(self, page_at: Callable[[int], Call[Page[T]]]) -> AsyncIterator[T]:
        offset: int | None = 0
        while offset is not None:
            page = await self._send(page_at(offset))
            for item in page.items:
                yield item
            offset = calls.next_offset(page)

    # Operations

    async def health(self) -> dict[str, Any]:
        """`/healthz`: the process is up. Raises FdiRiskUnavailable when it is not reachable."""
        return await self._send(calls.health())

    async def ready(self) -> dict[str, Any]:
        """`/readyz`: database reachable and migrated to head; ServerError (503) when it is not."""
        return await self._send(calls.ready())

    # Reference data

    async def sectors(self) -> list[SectorPublic]:
        """Every sector code a deal may use, with its sensitivity."""
        return await self._send(calls.sectors())

    async def countries(self, group: str | None = None) -> list[CountryPublic]:
        """Countries with their alignment groups; `group` (e.g. `country_of_concern`, `nato`) filters."""
        return await self._send(calls.countries(group))

    async def us_restrictions(self) -> list[UsRestrictionPublic]:
        """US domestic measures with the sectors, countries and lists they hit."""
        return await self._send(calls.us_restrictions())

    # Entities

    async def create_entity(self, entity: EntityCreate | Mapping[str, Any]) -> EntityPublic:
        """Record a company, state body, person or fund (an `EntityCreate` or the same fields as a dict)."""
        return await self._send(calls.create_entity(entity))

    async def get_entity(self, entity_id: int) -> EntityDetail:
        """One entity with its owners and holdings."""
        return await self._send(calls.get_entity(entity_id))

    async def list_entities(
        self, *, q: str | None = None, country: str | None = None, limit: int | None = None, offset: int = 0
    ) -> Page[EntityPublic]:
        """One page of entities ordered by name; `q` matches part of a name or alias."""
        return await self._send(calls.list_entities(q, country, limit, offset))

    def iter_entities(
        self, *, q: str | None = None, country: str | None = None, page_size: int = 100
    ) -> AsyncIterator[EntityPublic]:
        """Every matching entity, fetching pages of `page_size` as you iterate."""
        return self._iterate(lambda offset: calls.list_entities(q, country, page_size, offset))

    async def update_entity(
        self,
        entity: int | EntityPublic,
        changes: EntityUpdate | Mapping[str, Any],
        *,
        if_match: ETag | None = None,
    ) -> EntityPublic:
        """Change the given fields. If-Match is `if_match` when given, else the version of the `EntityPublic`
        you pass (so a concurrent change is refused with PreconditionError), else the entity's current ETag."""
        entity_id, tag = calls.target(entity, if_match)
        if tag is None:
            tag = await self._send(calls.entity_etag(entity_id))
        return await self._send(calls.update_entity(entity_id, changes, tag))

    async def delete_entity(self, entity: int | EntityPublic, *, if_match: ETag | None = None) -> None:
        """Delete an entity (ConflictError while it is party to a deal). If-Match is the version of the model or
        tag you pass, else the entity's current ETag."""
        entity_id, tag = calls.target(entity, if_match)
        if tag is None:
            tag = await self._send(calls.entity_etag(entity_id))
        await self._send(calls.delete_entity(entity_id, tag))

    async def owners(self, entity_id: int) -> list[OwnershipPublic]:
        """Who owns the entity, largest share first."""
        return await self._send(calls.owners(entity_id))

    async def add_owner(
        self,
        entity_id: int,
        owner_id: int,
        percent: float | Decimal,
        *,
        control: bool = False,
        source: str | None = None,
    ) -> OwnershipPublic:
        """Record that `owner_id` holds `percent` of `entity_id` (control: beyond the share, e.g. a golden
        share). Screening follows these edges, so a listed parent reaches its subsidiaries."""
        edge = {"owner_id": owner_id, "percent": percent, "control": control, "source": source}
        return await self._send(calls.add_owner(entity_id, edge))

    async def remove_owner(self, entity_id: int, owner_id: int) -> None:
        """Remove the ownership edge from `owner_id` to `entity_id`."""
        await self._send(calls.remove_owner(entity_id, owner_id))

    # Deals

    async def create_deal(self, deal: DealCreate | Mapping[str, Any]) -> DealPublic:
        """Record a deal with its parties (a `DealCreate` or the same fields as a dict)."""
        return await self._send(calls.create_deal(deal))

    async def get_deal(self, deal_id: int) -> DealPublic:
        """One deal with its parties and latest score summary; `version` is its ETag."""
        return await self._send(calls.get_deal(deal_id))

    async def list_deals(
        self,
        *,
        sector: str | None = None,
        tier: Tier | str | None = None,
        country: str | None = None,
        q: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Page[DealPublic]:
        """One page of deals. `tier` filters on the latest score, `country` on the host or any party's country,
        `q` on title and description; `sort` is a field with `-` for descending (default `-created_at`)."""
        return await self._send(calls.list_deals(sector, tier, country, q, sort, limit, offset))

    def iter_deals(
        self,
        *,
        sector: str | None = None,
        tier: Tier | str | None = None,
        country: str | None = None,
        q: str | None = None,
        sort: str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[DealPublic]:
        """Every matching deal, fetching pages of `page_size` as you iterate (filters as in `list_deals`)."""
        return self._iterate(lambda offset: calls.list_deals(sector, tier, country, q, sort, page_size, offset))

    async def update_deal(
        self,
        deal: int | DealPublic,
        changes: DealUpdate | Mapping[str, Any],
        *,
        if_match: ETag | None = None,
    ) -> DealPublic:
        """Change the given fields (`parties` replaces the list). If-Match is `if_match` when given, else the
        version of the `DealPublic` you pass (a concurrent change is refused with PreconditionError, status
        412), else the deal's current ETag, read just before the change."""
        deal_id, tag = calls.target(deal, if_match)
        if tag is None:
            tag = await self._send(calls.deal_etag(deal_id))
        return await self._send(calls.update_deal(deal_id, changes, tag))

    async def delete_deal(self, deal: int | DealPublic, *, if_match: ETag | None = None) -> None:
        """Delete a deal with its parties and score history. If-Match is the version of the model or tag you pass,
        else the deal's current ETag."""
        deal_id, tag = calls.target(deal, if_match)
        if tag is None:
            tag = await self._send(calls.deal_etag(deal_id))
        await self._send(calls.delete_deal(deal_id, tag))

    # Scoring

    async def score_deal(self, deal_id: int, as_of: AsOf = None) -> Snapshot:
        """Score a stored deal with the active ruleset as of a date (default today) and keep the snapshot."""
        return await self._send(calls.score_deal(deal_id, as_of))

    async def scores(self, deal_id: int, *, limit: int | None = None, offset: int = 0) -> Page[Snapshot]:
        """One page of a deal's stored snapshots, newest first."""
        return await self._send(calls.scores(deal_id, limit, offset))

    def iter_scores(self, deal_id: int, *, page_size: int = 100) -> AsyncIterator[Snapshot]:
        """Every stored snapshot of a deal, newest first."""
        return self._iterate(lambda offset: calls.scores(deal_id, page_size, offset))

    async def score(self, deal: UnsavedDeal | DealCreate | Mapping[str, Any], as_of: AsOf = None) -> Snapshot:
        """Score a deal body without storing anything; parties by `entity_id` or inline by name."""
        return await self._send(calls.score(deal, as_of))

    async def rescore(self, as_of: AsOf = None, *, on_progress: Progress | None = None) -> RescoreOut:
        """Store a new snapshot of every deal with the active ruleset and report the tier moves. With
        `on_progress(done, total)` (a function or a coroutine function), the server streams progress and it is
        called as deals finish."""
        call = calls.rescore(as_of, progress=on_progress is not None)
        if on_progress is None:
            return await self._send(call)
        async with self._stream(call) as response:
            async for line in response.aiter_lines():
                item = calls.rescore_line(line)
                if isinstance(item, RescoreOut):
                    return item
                if item is not None:
                    outcome = on_progress(*item)
                    if outcome is not None:
                        await outcome
        raise ServerError(response.status_code, "Incomplete response", "rescore ended before its summary", [], response)

    async def portfolio_summary(
        self, *, sector: str | None = None, host_country: str | None = None
    ) -> PortfolioSummary:
        """Counts and value of the stored deals by tier, sector and counterparty country, and per sector where
        the counterparties come from (supplier concentration)."""
        return await self._send(calls.portfolio_summary(sector, host_country))

    # Facts and rulesets

    async def facts(self) -> list[FactOut]:
        """The fact registry: every fact a rule may test, its type, meaning and operators."""
        return await self._send(calls.facts())

    async def list_rulesets(self) -> list[RulesetSummary]:
        """Every ruleset version, newest first, with its status."""
        return await self._send(calls.list_rulesets())

    async def get_ruleset(self, version: int) -> RulesetPublic:
        """One ruleset version with its body."""
        return await self._send(calls.get_ruleset(version))

    async def active_ruleset(self) -> RulesetPublic:
        """The ruleset used for scoring now (ConflictError when none is active)."""
        return await self._send(calls.active_ruleset())

    async def create_draft(
        self, ruleset: Mapping[str, Any] | RulesetPublic, *, notes: str | None = None
    ) -> RulesetPublic:
        """Validate a ruleset body (or a copy of a `RulesetPublic`'s body) and store it as a new draft;
        InvalidInputError lists every problem with its rule id."""
        return await self._send(calls.create_draft(ruleset, notes))

    async def update_draft(
        self, version: int, ruleset: Mapping[str, Any] | RulesetPublic, *, notes: str | None = None
    ) -> RulesetPublic:
        """Replace a draft's body; active and retired versions are immutable (ConflictError)."""
        return await self._send(calls.update_draft(version, ruleset, notes))

    async def simulate(self, version: int, as_of: AsOf = None) -> SimulationOut:
        """What a version would do to every stored deal compared with the active one; stores nothing."""
        return await self._send(calls.simulate(version, as_of))

    async def activate(self, version: int) -> RulesetPublic:
        """Make a version the one used for scoring (the previous one is retired; activate it to roll back)."""
        return await self._send(calls.activate(version))

    # Screening lists

    async def list_lists(self) -> list[ScreeningListPublic]:
        """Every screening list with its current version."""
        return await self._send(calls.list_lists())

    async def get_list(self, code: str) -> ScreeningListPublic:
        """One screening list, e.g. `US-DOD-1260H`."""
        return await self._send(calls.get_list(code))

    async def list_entries(
        self, code: str, *, q: str | None = None, limit: int | None = None, offset: int = 0
    ) -> Page[ScreeningEntryPublic]:
        """One page of a list's current entries; `q` matches part of a name or alias."""
        return await self._send(calls.list_entries(code, q, limit, offset))

    def iter_entries(
        self, code: str, *, q: str | None = None, page_size: int = 100
    ) -> AsyncIterator[ScreeningEntryPublic]:
        """Every entry of a list's current version."""
        return self._iterate(lambda offset: calls.list_entries(code, q, page_size, offset))

    async def import_list(self, code: str, source: Source, format: str, *, filename: str | None = None) -> ImportResult:
        """Upload a list file (a path or bytes) as the list's next version, e.g. `format="dod_1260h_csv"`;
        identical content writes nothing (`created` False). Multi-file formats go as a zip."""
        name, content = await asyncio.to_thread(calls.read_source, source)
        return await self._send(calls.import_list(code, filename or name, content, format))

    async def import_deals(
        self, source: Source, *, format: str | None = None, dry_run: bool = False, on_existing: str = "error"
    ) -> DealImportResult:
        """Import deals from a CSV, JSON or YAML file (a path or bytes), all or nothing; `dry_run` writes nothing
        and says what would be created. A bad row raises InvalidInputError naming each line and field."""
        name, content = await asyncio.to_thread(calls.read_source, source)
        return await self._send(calls.import_deals(name, content, format, dry_run, on_existing))

    # Screening

    async def screen(
        self,
        name: str,
        *,
        aliases: Sequence[str] | None = None,
        country: str | None = None,
        as_of: AsOf = None,
        lists: Sequence[str] | None = None,
        threshold: float | None = None,
        limit: int | None = None,
    ) -> ScreenResponse:
        """Screen a name that is not stored against the lists; each hit says which names matched."""
        return await self._send(calls.screen(name, aliases, country, as_of, lists, threshold, limit))

    async def entity_screening(self, entity_id: int, as_of: AsOf = None) -> EntityScreening:
        """A stored entity's hits as of a date, directly and through its owners (`via`)."""
        return await self._send(calls.entity_screening(entity_id, as_of))

    async def decide(
        self, entity_id: int, entry_id: int, status: Literal["confirmed", "rejected"], note: str | None = None
    ) -> DecisionOut:
        """Confirm or reject a hit; a rejected hit no longer fires for this entity and entry."""
        return await self._send(calls.decide(entity_id, entry_id, status, note))
