"""A stored portfolio for benchmarks: entities with ownership, some of them listed, and deals between them.

Deals are drawn as `benchmarks/deal_facts.py` draws their facts (deal types, sectors, statuses, origins of the
counterparties, stakes, attributes, mitigations, from the same tables and seed files), but as rows: a deal and
its parties, each party an entity of a generated pool, so scoring has to screen the names and walk ownership.

The pool, from a fixed seed: state bodies that control state-owned companies; companies named as entries of the
lists in the database (the name, an alias, or the name in capitals), a few per cent of the pool; subsidiaries
of those, held 51-100% (inherited hits under the 50 Percent Rule and the affiliates rule); companies from
countries of concern, allied and neutral countries (names from `benchmarks/company_names.py`, whose brand
words never equal a word of a listed name); and host-country companies, which are targets and buyers. Parties
are drawn with a skew, so big names appear in many deals and most companies in one or two.

`insert` writes it with Core bulk inserts and explicit ids: a hundred thousand deals take seconds, not the
minutes the API would take. The rows are what the services store (the same columns and JSON shapes).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, text

from app.models import Deal, DealParty, Entity, Ownership
from app.screening.match import name_tokens
from app.vocabulary import DealType, EntityKind, PartyRole
from benchmarks import deal_facts
from benchmarks.company_names import company_names

SEED = 20_261_125
ENTITIES_PER_DEAL = 0.3
_CHUNK = 5_000

_LIST_COUNTRY = {"US-DOD-1260H": "CN"}
_GOODS = frozenset({DealType.procurement, DealType.supply, DealType.market_entry})
_EQUITY = frozenset({DealType.acquisition, DealType.minority_investment, DealType.joint_venture})


@dataclass(frozen=True, slots=True)
class ListedName:
    """A list entry a generated entity can be named after."""

    list_code: str
    name: str
    aliases: tuple[str, ...]
    country: str | None


@dataclass
class Portfolio:
    """Rows for the entity, ownership, deal and deal_party tables, with explicit ids."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    ownership: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Pools:
    state: list[int] = field(default_factory=list)
    listed: dict[str, list[int]] = field(default_factory=dict)  # list code -> listed companies, subsidiaries
    listed_ids: set[int] = field(default_factory=set)
    concern: list[int] = field(default_factory=list)
    allied: list[int] = field(default_factory=list)
    neutral: list[int] = field(default_factory=list)
    host: dict[str, list[int]] = field(default_factory=dict)


def generate(deals: int, listed: Sequence[ListedName], seed: int = SEED) -> Portfolio:
    """`deals` deals among about 0.3 entities per deal, the same for the same seed and list entries."""
    rng = random.Random(seed)
    seeds = deal_facts._Seeds(deal_facts.SEEDS)
    out = Portfolio()
    pools = _entities(rng, seeds, out, max(300, round(deals * ENTITIES_PER_DEAL)), listed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for deal_id in range(1, deals + 1):
        out.deals.append(_deal(rng, seeds, pools, out, deal_id, now))
    return out


def _entities(rng: random.Random, seeds: Any, out: Portfolio, count: int, listed: Sequence[ListedName]) -> _Pools:
    pools = _Pools()
    concern = [deal_facts._pick(rng, deal_facts._CONCERN_ORIGINS) for _ in range(100)]
    neutral = [c for c in seeds.neutral if c not in deal_facts._ALLIED_ORIGINS]
    reserved = {t for e in listed for n in (e.name, *e.aliases) for t in name_tokens(n)}
    names = company_names(count, reserved, seed=rng.randrange(2**32))
    now = datetime(2026, 10, 1, tzinfo=UTC)

    def add(name: str, country: str | None, kind: EntityKind = EntityKind.company, state: bool = False) -> int:
        entity_id = len(out.entities) + 1
        out.entities.append(
            {
                "id": entity_id,
                "ref": f"bench-{entity_id}",
                "name": name[:500],
                "aliases": [],
                "country": country,
                "kind": kind.value,
                "state_owned": state,
                "identifiers": {},
                "notes": None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        return entity_id

    def own(owner: int, owned: int, percent: float, control: bool = False) -> None:
        out.ownership.append(
            {
                "id": len(out.ownership) + 1,
                "owner_id": owner,
                "owned_id": owned,
                "percent": Decimal(f"{percent:.2f}"),
                "control": control,
                "source": "benchmark",
                "created_at": now,
            }
        )

    for i in range(max(5, count // 100)):
        country = concern[i % len(concern)]
        pools.state.append(add(f"State Assets Commission {i + 1} of {country}", country, EntityKind.state_body, True))
    # Half the listed names from each list (as many as it has): the 1260H list is short, the SDN list long.
    by_list: dict[str, dict[str, ListedName]] = {}
    for entry in listed:
        by_list.setdefault(entry.list_code, {}).setdefault(entry.name, entry)
    wanted = max(10, count * 3 // 100) // max(1, len(by_list))
    chosen = [
        e for code in sorted(by_list) for e in rng.sample(list(by_list[code].values()), min(wanted, len(by_list[code])))
    ]
    for entry in chosen:
        shape = rng.random()
        name = (
            entry.name if shape < 0.7 else entry.name.upper() if shape < 0.85 or not entry.aliases else entry.aliases[0]
        )
        country = entry.country or _LIST_COUNTRY.get(entry.list_code)
        if country not in seeds.groups:
            country = rng.choice(concern)
        pools.listed.setdefault(entry.list_code, []).append(add(name, country, state=rng.random() < 0.4))
    for owners in pools.listed.values():
        for owner in list(owners):  # a subsidiary of each, held 51-100%
            child = add(next(names), out.entities[owner - 1]["country"])
            own(owner, child, rng.uniform(51, 100), control=rng.random() < 0.3)
            owners.append(child)
    every_listed = [e for code in sorted(pools.listed) for e in pools.listed[code]]
    while len(out.entities) < count:
        draw = rng.random()
        if draw < 0.35:
            country = rng.choice(concern)
            entity = add(next(names), country, state=rng.random() < 0.15)
            if rng.random() < 0.25:
                own(rng.choice(pools.state), entity, rng.uniform(30, 100), control=rng.random() < 0.5)
            pools.concern.append(entity)
        elif draw < 0.70:
            pools.allied.append(add(next(names), deal_facts._pick(rng, deal_facts._ALLIED_ORIGINS)))
        elif draw < 0.82:
            pools.neutral.append(add(next(names), rng.choice(neutral)))
        else:
            host = "IL" if rng.random() < 0.6 else rng.choice(seeds.hosts)
            pools.host.setdefault(host, []).append(add(next(names), host, state=rng.random() < 0.1))
    # A few companies of concern take minority stakes in others: fifty-percent chains and state control.
    for entity in rng.sample(pools.concern, len(pools.concern) // 20):
        owner = rng.choice(every_listed + pools.concern)
        if owner != entity:
            own(owner, entity, rng.uniform(10, 49))
    _dedupe_ownership(out)
    pools.listed_ids = set(every_listed)
    return pools


def _dedupe_ownership(out: Portfolio) -> None:
    seen: set[tuple[int, int]] = set()
    kept = []
    for row in out.ownership:
        key = (row["owner_id"], row["owned_id"])
        if key not in seen and row["owner_id"] != row["owned_id"]:
            seen.add(key)
            kept.append({**row, "id": len(kept) + 1})
    out.ownership[:] = kept


def _listed(rng: random.Random, pools: _Pools) -> list[int]:
    """A listed company or subsidiary: on the 1260H list twice as often as on another (the SDN bench set)."""
    codes = sorted(pools.listed)
    weights = [2 if code == "US-DOD-1260H" else 1 for code in codes]
    return pools.listed[rng.choices(codes, weights)[0]]


def _skewed(rng: random.Random, pool: Sequence[int]) -> int:
    """Big names often, most names rarely."""
    return pool[int(len(pool) * rng.random() ** 2)]


def _deal(rng: random.Random, seeds: Any, pools: _Pools, out: Portfolio, deal_id: int, now: datetime) -> dict[str, Any]:
    deal_type = deal_facts._pick(rng, deal_facts._DEAL_TYPES)
    sector = rng.choices(seeds.sectors, seeds.sector_weights)[0]
    status = deal_facts._pick(rng, deal_facts._STATUS)
    profile = deal_facts._pick(rng, deal_facts._PROFILE_WEIGHTS)
    host = "IL" if rng.random() < 0.6 else rng.choice(seeds.hosts)
    parties: dict[tuple[int, str], None] = {}
    counterparties = rng.choices((1, 2, 3), (70, 22, 8))[0]
    roles = deal_facts._roles(rng, deal_type)
    for i in range(counterparties):
        kind = profile if i == 0 or rng.random() < 0.3 else "allied"
        if kind == "concern":
            pool = _listed(rng, pools) if rng.random() < 0.2 else pools.state if rng.random() < 0.05 else pools.concern
        else:
            pool = pools.allied if kind == "allied" else pools.neutral
            if rng.random() < 0.005:
                pool = _listed(rng, pools)
        entity = _skewed(rng, pool)
        for role in sorted(roles):
            parties[(entity, role)] = None
    local = pools.host.get(host) or pools.host["IL"]
    if deal_type in _EQUITY and rng.random() < 0.6:
        parties[(_skewed(rng, local), PartyRole.target.value)] = None
    if deal_type in _GOODS and rng.random() < 0.6:
        maker = _skewed(rng, pools.concern if profile == "concern" else pools.allied)
        parties[(maker, PartyRole.manufacturer.value)] = None
    if deal_type in _GOODS and rng.random() < 0.5:
        parties[(_skewed(rng, local), PartyRole.buyer.value)] = None
    for entity, role in parties:
        out.parties.append({"id": len(out.parties) + 1, "deal_id": deal_id, "entity_id": entity, "role": role})

    facts = deal_facts._stake(rng, deal_type)
    stake = facts.get("deal.stake_pct")
    signed_on = None
    if status in deal_facts._SIGNED or rng.random() < 0.1:
        signed_on = date(2015, 1, 1) + timedelta(days=rng.randrange((deal_facts.AS_OF - date(2015, 1, 1)).days))
    value = None if rng.random() < 0.15 else min(int(rng.lognormvariate(18.2, 1.6)), 50_000_000_000)
    concern = profile == "concern"
    listed = any(e in pools.listed_ids for e, _ in parties)
    attributes = {
        name.removeprefix("deal.attributes."): v
        for name, v in deal_facts._attributes(rng, sector.code, concern, listed).items()
    }
    first = out.entities[next(iter(parties))[0] - 1]["name"]
    return {
        "id": deal_id,
        "ref": f"bench-deal-{deal_id}",
        "title": f"{first}: {deal_type.value.replace('_', ' ')} in {sector.code.replace('_', ' ')}"[:300],
        "description": None,
        "deal_type": deal_type.value,
        "sector": sector.code,
        "host_country": host,
        "value_usd": value,
        "stake_pct": None if stake is None else Decimal(f"{stake:.2f}"),
        "control": facts["deal.control"],
        "government_party": rng.random() < (0.75 if deal_type in (DealType.concession, DealType.procurement) else 0.08),
        "signed_on": signed_on,
        "status": status.value,
        "attributes": attributes,
        "us_concern_level": deal_facts._concern_level(rng, concern, sector.sensitivity).value,
        "us_relations_notes": None,
        "mitigations": sorted(deal_facts._mitigations(rng)),
        "sources": [],
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def insert(connection: Connection, portfolio: Portfolio) -> None:
    """Write the portfolio with Core bulk inserts (the caller commits), move PostgreSQL's id sequences past the
    explicit ids, so rows the services add later get fresh ones, and gather the planner's statistics, as
    autovacuum would have by the time anyone scores a portfolio this size: without them PostgreSQL reads all of
    deal_party for each batch's parties (18 ms a query instead of 1)."""
    tables: list[tuple[Table, list[dict[str, Any]]]] = [
        (Entity.__table__, portfolio.entities),  # type: ignore[attr-defined]
        (Ownership.__table__, portfolio.ownership),  # type: ignore[attr-defined]
        (Deal.__table__, portfolio.deals),  # type: ignore[attr-defined]
        (DealParty.__table__, portfolio.parties),  # type: ignore[attr-defined]
    ]
    for table, rows in tables:
        for start in range(0, len(rows), _CHUNK):
            connection.execute(table.insert(), rows[start : start + _CHUNK])
    if connection.dialect.name == "postgresql":
        for table, rows in tables:
            if rows:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {len(rows)})"))
    connection.execute(text("ANALYZE"))
