"""Every API operation as a `Call`: what to send and how to read the answer, with no I/O.

The sync and async clients only differ in how they send a `Call`, so each route's path, query, body and
response model is written once here and both clients stay one line per method.
"""

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from app.schemas.common import Page
from app.schemas.deal import DealCreate, DealPublic, DealUpdate
from app.schemas.deal_import import DealImportResult
from app.schemas.entity import EntityCreate, EntityDetail, EntityPublic, EntityUpdate, OwnershipCreate, OwnershipPublic
from app.schemas.portfolio import PortfolioSummary
from app.schemas.reference import CountryPublic, SectorPublic, UsRestrictionPublic
from app.schemas.ruleset import FactOut, RulesetPublic, RulesetSummary, SimulationOut
from app.schemas.scoring import RescoreOut, Snapshot, UnsavedDeal
from app.schemas.screening import DecisionOut, EntityScreening, ImportResult, ScreenResponse
from app.schemas.screening_list import ScreeningEntryPublic, ScreeningListPublic
from app.vocabulary import Tier

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

NDJSON = "application/x-ndjson"
Body = BaseModel | Mapping[str, Any]
Source = str | os.PathLike[str] | bytes
ETag = int | str
Query = Mapping[str, str | int | float | bool | date | Enum | Sequence[str] | None]
AsOf = date | str | None


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP exchange: the request to send and the parser that turns a 2xx response into `T`."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    files: dict[str, tuple[str, bytes]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _model(model: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: model.model_validate_json(response.content)


def _adapted(adapter: TypeAdapter[T]) -> Callable[[httpx.Response], T]:
    return lambda response: adapter.validate_json(response.content)


def _nothing(_: httpx.Response) -> None:
    return None


def _etag_of(response: httpx.Response) -> str:
    tag: str | None = response.headers.get("etag")
    if not tag:
        raise ValueError(f"{response.request.url} sent no ETag header")
    return tag


_RULESETS: TypeAdapter[list[RulesetSummary]] = TypeAdapter(list[RulesetSummary])
_FACTS: TypeAdapter[list[FactOut]] = TypeAdapter(list[FactOut])
_LISTS: TypeAdapter[list[ScreeningListPublic]] = TypeAdapter(list[ScreeningListPublic])
_OWNERS: TypeAdapter[list[OwnershipPublic]] = TypeAdapter(list[OwnershipPublic])
_SECTORS: TypeAdapter[list[SectorPublic]] = TypeAdapter(list[SectorPublic])
_COUNTRIES: TypeAdapter[list[CountryPublic]] = TypeAdapter(list[CountryPublic])
_RESTRICTIONS: TypeAdapter[list[UsRestrictionPublic]] = TypeAdapter(list[UsRestrictionPublic])
_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


def body(value: Body) -> Any:
    """JSON for a request body: a model sends only the fields that were set (so an update changes only those
    and the server applies its own defaults); a dict is sent as given, with dates and Decimals made JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return to_jsonable_python(dict(value))


def query(values: Query) -> dict[str, Any]:
    """Query parameters without the unset ones; dates as ISO 8601, enums as their value."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def if_match(tag: ETag) -> str:
    """An If-Match header value from a version number (3), a bare version ("3") or an ETag ('"3"', '*')."""
    text = str(tag).strip()
    return f'"{text}"' if text.isdigit() else text


def segment(value: str | int) -> str:
    """A path segment, quoted so a list code or id can never change the route."""
    return quote(str(value), safe="")


def next_offset(page: Page[Any]) -> int | None:
    """Where the next page starts, or None when this page was the last (or came back empty)."""
    following = page.offset + len(page.items)
    return following if page.items and following < page.total else None


def target(record: int | DealPublic | EntityPublic, tag: ETag | None) -> tuple[int, ETag | None]:
    """The id to change and the If-Match to send: the tag given, else the version of the record you read
    (so a change made by someone else since then is refused with 412), else None: read the current ETag."""
    if isinstance(record, int):
        return record, tag
    return record.id, tag if tag is not None else record.version


def read_source(source: Source) -> tuple[str, bytes]:
    """A file name and the bytes of a list file given as a path or as bytes."""
    if isinstance(source, bytes):
        return "upload", source
    path = Path(source)
    return path.name, path.read_bytes()


# Health


def health() -> Call[dict[str, Any]]:
    return Call("GET", "/healthz", _adapted(_OBJECT))


def ready() -> Call[dict[str, Any]]:
    return Call("GET", "/readyz", _adapted(_OBJECT))


# Reference data


def sectors() -> Call[list[SectorPublic]]:
    return Call("GET", "/v1/sectors", _adapted(_SECTORS))


def countries(group: str | None) -> Call[list[CountryPublic]]:
    return Call("GET", "/v1/countries", _adapted(_COUNTRIES), params=query({"group": group}))


def us_restrictions() -> Call[list[UsRestrictionPublic]]:
    return Call("GET", "/v1/us-restrictions", _adapted(_RESTRICTIONS))


# Entities


def create_entity(entity: EntityCreate | Mapping[str, Any]) -> Call[EntityPublic]:
    return Call("POST", "/v1/entities", _model(EntityPublic), json=body(entity))


def get_entity(entity_id: int) -> Call[EntityDetail]:
    return Call("GET", f"/v1/entities/{segment(entity_id)}", _model(EntityDetail))


def entity_etag(entity_id: int) -> Call[str]:
    return Call("GET", f"/v1/entities/{segment(entity_id)}", _etag_of)


def list_entities(q: str | None, country: str | None, limit: int | None, offset: int) -> Call[Page[EntityPublic]]:
    params = query({"q": q, "country": country, "limit": limit, "offset": offset})
    return Call("GET", "/v1/entities", _model(Page[EntityPublic]), params=params)


def update_entity(entity_id: int, changes: EntityUpdate | Mapping[str, Any], tag: ETag) -> Call[EntityPublic]:
    return Call(
        "PATCH",
        f"/v1/entities/{segment(entity_id)}",
        _model(EntityPublic),
        json=body(changes),
        headers={"If-Match": if_match(tag)},
    )


def delete_entity(entity_id: int, tag: ETag | None) -> Call[None]:
    headers = {"If-Match": if_match(tag)} if tag is not None else {}
    return Call("DELETE", f"/v1/entities/{segment(entity_id)}", _nothing, headers=headers)


def owners(entity_id: int) -> Call[list[OwnershipPublic]]:
    return Call("GET", f"/v1/entities/{segment(entity_id)}/owners", _adapted(_OWNERS))


def add_owner(entity_id: int, edge: OwnershipCreate | Mapping[str, Any]) -> Call[OwnershipPublic]:
    return Call("POST", f"/v1/entities/{segment(entity_id)}/owners", _model(OwnershipPublic), json=body(edge))


def remove_owner(entity_id: int, owner_id: int) -> Call[None]:
    return Call("DELETE", f"/v1/entities/{segment(entity_id)}/owners/{segment(owner_id)}", _nothing)


# Deals


def create_deal(deal: DealCreate | Mapping[str, Any]) -> Call[DealPublic]:
    return Call("POST", "/v1/deals", _model(DealPublic), json=body(deal))


def get_deal(deal_id: int) -> Call[DealPublic]:
    return Call("GET", f"/v1/deals/{segment(deal_id)}", _model(DealPublic))


def deal_etag(deal_id: int) -> Call[str]:
    return Call("GET", f"/v1/deals/{segment(deal_id)}", _etag_of)


def list_deals(
    sector: str | None,
    tier: Tier | str | None,
    country: str | None,
    q: str | None,
    sort: str | None,
    limit: int | None,
    offset: int,
) -> Call[Page[DealPublic]]:
    params = query(
        {"sector": sector, "tier": tier, "country": country, "q": q, "sort": sort, "limit": limit, "offset": offset}
    )
    return Call("GET", "/v1/deals", _model(Page[DealPublic]), params=params)


def update_deal(deal_id: int, changes: DealUpdate | Mapping[str, Any], tag: ETag) -> Call[DealPublic]:
    return Call(
        "PATCH",
        f"/v1/deals/{segment(deal_id)}",
        _model(DealPublic),
        json=body(changes),
        headers={"If-Match": if_match(tag)},
    )


def delete_deal(deal_id: int, tag: ETag | None) -> Call[None]:
    headers = {"If-Match": if_match(tag)} if tag is not None else {}
    return Call("DELETE", f"/v1/deals/{segment(deal_id)}", _nothing, headers=headers)


# Scoring


def score_deal(deal_id: int, as_of: AsOf) -> Call[Snapshot]:
    return Call("POST", f"/v1/deals/{segment(deal_id)}/score", _model(Snapshot), params=query({"as_of": as_of}))


def scores(deal_id: int, limit: int | None, offset: int) -> Call[Page[Snapshot]]:
    params = query({"limit": limit, "offset": offset})
    return Call("GET", f"/v1/deals/{segment(deal_id)}/scores", _model(Page[Snapshot]), params=params)


def score(deal: UnsavedDeal | DealCreate | Mapping[str, Any], as_of: AsOf) -> Call[Snapshot]:
    return Call("POST", "/v1/score", _model(Snapshot), params=query({"as_of": as_of}), json=body(deal))


def rescore(as_of: AsOf, progress: bool) -> Call[RescoreOut]:
    """The summary call; with `progress` the server streams NDJSON lines, read by `rescore_line`."""
    headers = {"Accept": NDJSON} if progress else {}
    return Call("POST", "/v1/rescore", _model(RescoreOut), params=query({"as_of": as_of}), headers=headers)


def rescore_line(line: str) -> tuple[int, int] | RescoreOut | None:
    """One NDJSON line of a streamed rescore: `(done, total)` while it runs, the summary at the end."""
    if not line.strip():
        return None
    data = _OBJECT.validate_json(line)
    if "summary" in data:
        return RescoreOut.model_validate(data["summary"])
    return int(data["done"]), int(data["total"])


def portfolio_summary(sector: str | None, host_country: str | None) -> Call[PortfolioSummary]:
    params = query({"sector": sector, "host_country": host_country})
    return Call("GET", "/v1/portfolio/summary", _model(PortfolioSummary), params=params)


# Facts and rulesets


def facts() -> Call[list[FactOut]]:
    return Call("GET", "/v1/facts", _adapted(_FACTS))


def list_rulesets() -> Call[list[RulesetSummary]]:
    return Call("GET", "/v1/rulesets", _adapted(_RULESETS))


def get_ruleset(version: int) -> Call[RulesetPublic]:
    return Call("GET", f"/v1/rulesets/{segment(version)}", _model(RulesetPublic))


def active_ruleset() -> Call[RulesetPublic]:
    return Call("GET", "/v1/rulesets/active", _model(RulesetPublic))


def _ruleset_body(ruleset: Mapping[str, Any] | RulesetPublic) -> Any:
    return body(ruleset.body if isinstance(ruleset, RulesetPublic) else ruleset)


def create_draft(ruleset: Mapping[str, Any] | RulesetPublic, notes: str | None) -> Call[RulesetPublic]:
    return Call(
        "POST", "/v1/rulesets", _model(RulesetPublic), params=query({"notes": notes}), json=_ruleset_body(ruleset)
    )


def update_draft(version: int, ruleset: Mapping[str, Any] | RulesetPublic, notes: str | None) -> Call[RulesetPublic]:
    return Call(
        "PUT",
        f"/v1/rulesets/{segment(version)}",
        _model(RulesetPublic),
        params=query({"notes": notes}),
        json=_ruleset_body(ruleset),
    )


def simulate(version: int, as_of: AsOf) -> Call[SimulationOut]:
    return Call(
        "POST", f"/v1/rulesets/{segment(version)}/simulate", _model(SimulationOut), params=query({"as_of": as_of})
    )


def activate(version: int) -> Call[RulesetPublic]:
    return Call("POST", f"/v1/rulesets/{segment(version)}/activate", _model(RulesetPublic))


# Screening lists


def list_lists() -> Call[list[ScreeningListPublic]]:
    return Call("GET", "/v1/lists", _adapted(_LISTS))


def get_list(code: str) -> Call[ScreeningListPublic]:
    return Call("GET", f"/v1/lists/{segment(code)}", _model(ScreeningListPublic))


def list_entries(code: str, q: str | None, limit: int | None, offset: int) -> Call[Page[ScreeningEntryPublic]]:
    params = query({"q": q, "limit": limit, "offset": offset})
    return Call("GET", f"/v1/lists/{segment(code)}/entries", _model(Page[ScreeningEntryPublic]), params=params)


def import_list(code: str, filename: str, content: bytes, format: str) -> Call[ImportResult]:
    return Call(
        "POST",
        f"/v1/lists/{segment(code)}/import",
        _model(ImportResult),
        params={"format": format},
        files={"file": (filename, content)},
    )


def import_deals(
    filename: str, content: bytes, format: str | None, dry_run: bool, on_existing: str
) -> Call[DealImportResult]:
    return Call(
        "POST",
        "/v1/deals/import",
        _model(DealImportResult),
        params=query({"format": format, "dry_run": dry_run or None, "on_existing": on_existing}),
        files={"file": (filename, content)},
    )


# Screening


def screen(
    name: str,
    aliases: Sequence[str] | None,
    country: str | None,
    as_of: AsOf,
    lists: Sequence[str] | None,
    threshold: float | None,
    limit: int | None,
) -> Call[ScreenResponse]:
    request: dict[str, Any] = {"name": name, "aliases": list(aliases) if aliases else None, "country": country}
    request |= {"as_of": as_of, "lists": list(lists) if lists is not None else None}
    request |= {"threshold": threshold, "limit": limit}
    return Call(
        "POST", "/v1/screen", _model(ScreenResponse), json=body({k: v for k, v in request.items() if v is not None})
    )


def entity_screening(entity_id: int, as_of: AsOf) -> Call[EntityScreening]:
    return Call(
        "GET", f"/v1/entities/{segment(entity_id)}/screening", _model(EntityScreening), params=query({"as_of": as_of})
    )


def decide(
    entity_id: int, entry_id: int, status: Literal["confirmed", "rejected"], note: str | None
) -> Call[DecisionOut]:
    return Call(
        "POST",
        f"/v1/entities/{segment(entity_id)}/screening/{segment(entry_id)}/decision",
        _model(DecisionOut),
        json=body({"status": status, "note": note}),
    )
