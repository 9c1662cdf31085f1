"""Screening use cases: the in-memory index of current list entries, entity and name screening, decisions.

The index lives in each worker process, is built from the database, and is rebuilt when the reference stamp
changes, as it does with any list import (in this worker or another), so several API replicas stay consistent.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.models import Entity, ListVersion, Ownership, ScreeningDecision, ScreeningEntry, ScreeningList
from app.models._columns import utcnow
from app.screening.decisions import Decisions, with_decisions
from app.screening.match import Candidate, FuzzyMatcher
from app.screening.model import Edge, Entry, Hit, ListRule, Subject
from app.screening.ownership import OwnershipGraph, propagate
from app.services import audit, reference
from app.vocabulary import EntityKind, ListCategory, OwnershipRule

CHUNK = 500
# Plain rows: a run over a portfolio meets tens of thousands of entities, and ORM objects cost far more to build.
_ENTITY_COLUMNS = sa_select(
    col(Entity.id),
    col(Entity.name),
    col(Entity.aliases),
    col(Entity.country),
    col(Entity.kind),
    col(Entity.state_owned),
)


# Name sets whose candidates an index remembers: a worker scores the same parties again and again.
CANDIDATES_REMEMBERED = 8192


@dataclass(frozen=True, slots=True)
class ScreeningIndex:
    matcher: FuzzyMatcher
    rules: Mapping[str, ListRule]
    _remembered: Callable[[str, tuple[str, ...], str | None], tuple[Candidate, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # lru_cache is thread-safe; the index is shared by a worker's request threads and never changes.
        object.__setattr__(self, "_remembered", lru_cache(maxsize=CANDIDATES_REMEMBERED)(self._candidates))

    def _candidates(self, name: str, aliases: tuple[str, ...], country: str | None) -> tuple[Candidate, ...]:
        return tuple(self.matcher.candidates(Subject(0, name, aliases, country)))

    def candidates(self, subject: Subject) -> list[Candidate]:
        """The matcher's candidates for the subject's names and country (they do not depend on its id),
        remembered for the next subject with the same names."""
        return list(self._remembered(subject.name, subject.aliases, subject.country))


# One entry per database: the index built at the newest reference stamp seen.
_indexes: dict[str, tuple[str, ScreeningIndex]] = {}


def load_index(session: Session) -> ScreeningIndex:
    """The matcher over every list's current version, built once per database and kept while the reference stamp
    holds (a list import changes it; see `reference.stamp`)."""
    stamp = reference.stamp(session)
    database = str(session.get_bind().engine.url)
    found = _indexes.get(database)
    if found is not None and stamp is not None and found[0] == stamp:
        return found[1]
    lists = list(session.exec(select(ScreeningList).order_by(col(ScreeningList.code))))
    current = (
        select(ScreeningEntry, ScreeningList.code)
        .join(ListVersion, col(ListVersion.id) == col(ScreeningEntry.list_version_id))
        .join(ScreeningList, col(ScreeningList.id) == col(ListVersion.list_id))
        .where(col(ListVersion.version) == col(ScreeningList.current_version))
    )
    entries = [
        Entry(e.id, code, e.name, tuple(e.aliases), e.start_date, e.end_date, e.parent_name, e.country)  # type: ignore[arg-type]
        for e, code in session.exec(current)
    ]
    rules = {s.code: ListRule(s.code, ListCategory(s.category), OwnershipRule(s.ownership_rule)) for s in lists}
    index = ScreeningIndex(FuzzyMatcher(entries), rules)
    if stamp is not None:
        _indexes[database] = (stamp, index)
    return index


@dataclass(frozen=True, slots=True)
class GraphEntity:
    """What screening and scoring read of an entity: its names and country, and whether it is the state."""

    id: int
    name: str
    aliases: tuple[str, ...]
    country: str | None
    kind: str
    state_owned: bool


@dataclass
class EntityGraph:
    """Some entities, their owners up every chain, and the ownership edges between them."""

    entities: dict[int, GraphEntity]
    graph: OwnershipGraph
    _state: dict[int, bool] = field(default_factory=dict, repr=False)

    def state_controlled(self, entity_id: int) -> bool:
        """State-owned itself, or controlled up a chain by a state body or a state-owned entity. Remembered:
        an entity's owners are all in the graph from the moment it is (see `load_graph`)."""
        found = self._state.get(entity_id)
        if found is None:
            chain = (entity_id, *self.graph.controllers(entity_id))
            found = self._state[entity_id] = any(_is_state(self.entities[e]) for e in chain)
        return found


def _is_state(entity: GraphEntity) -> bool:
    return entity.state_owned or entity.kind == EntityKind.state_body


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def load_graph(session: Session, entity_ids: Iterable[int], into: EntityGraph | None = None) -> EntityGraph:
    """Walk ownership upwards from the given entities and load every entity met: the edges of every chain in one
    recursive query per 500 starting entities, then the entities. With `into`, the entities already there keep
    their edges (their owners were loaded with them) and the rest are added to it."""
    graph = into if into is not None else EntityGraph({}, OwnershipGraph(()))
    known: set[int] = set(graph.entities)
    start = sorted(set(entity_ids) - known)
    if not start:
        return graph
    edges: dict[tuple[int, int], Edge] = {}
    for chunk in chunks(start):
        for r in session.execute(_OWNERSHIP_WALK, {"ids": list(chunk)}):
            if r.owned_id not in known:
                edges[(r.owned_id, r.owner_id)] = Edge(r.owner_id, r.owned_id, float(r.percent), r.control)
    met = {*start, *(owner for _, owner in edges)} - known
    for chunk in chunks(sorted(met)):
        for e in session.execute(_ENTITIES_BY_ID, {"ids": list(chunk)}):
            graph.entities[e.id] = GraphEntity(e.id, e.name, tuple(e.aliases), e.country, e.kind, e.state_owned)
    graph.graph.add(edges[key] for key in sorted(edges))
    return graph


def _ownership_walk() -> Select[Any]:
    """Every ownership edge up the chains above the entities bound to `ids`. UNION (not UNION ALL) drops the rows
    already found, so a cycle in the ownership data ends the walk instead of looping."""
    table = Ownership.__table__  # type: ignore[attr-defined]
    walk = (
        sa_select(table.c.owner_id, table.c.owned_id, table.c.percent, table.c.control)
        .where(table.c.owned_id.in_(bindparam("ids", expanding=True)))
        .cte("ownership_walk", recursive=True)
    )
    above = table.alias("above")
    walk = walk.union(
        sa_select(above.c.owner_id, above.c.owned_id, above.c.percent, above.c.control).join(
            walk, above.c.owned_id == walk.c.owner_id
        )
    )
    return sa_select(walk)


# Built once: constructing these statements cost more than running them (a score loads a graph on every call).
_OWNERSHIP_WALK = _ownership_walk()
_ENTITIES_BY_ID = _ENTITY_COLUMNS.where(col(Entity.id).in_(bindparam("ids", expanding=True)))
_DECISIONS_BY_ENTITY = sa_select(
    col(ScreeningDecision.entity_id), col(ScreeningDecision.entry_key), col(ScreeningDecision.status)
).where(col(ScreeningDecision.entity_id).in_(bindparam("ids", expanding=True)))


def load_decisions(session: Session, entity_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    ids = sorted({i for i in entity_ids if i > 0})
    out: dict[tuple[int, str], str] = {}
    for chunk in chunks(ids):
        for row in session.execute(_DECISIONS_BY_ENTITY, {"ids": list(chunk)}):
            out[(row.entity_id, row.entry_key)] = row.status
    return out


class Screener:
    """Screens the entities of one graph as of any dates. Each entity's names are matched once and its hits on a
    date picked from those matches, and only the entities a screen reaches (the ones asked for and their owners)
    are matched at all; so a run over many deals, with as many signing dates, screens each party and owner once.
    """

    def __init__(self, index: ScreeningIndex, graph: EntityGraph, decisions: Decisions) -> None:
        self._index = index
        self._graph = graph
        self._decisions = dict(decisions)
        self._candidates: dict[int, list[Candidate]] = {}
        self._direct: dict[tuple[int, date], list[Hit]] = {}

    @property
    def graph(self) -> EntityGraph:
        return self._graph

    def include(self, session: Session, entity_ids: Iterable[int]) -> None:
        """Load the entities this screener has not met yet, their owners up every chain and their decisions."""
        before = set(self._graph.entities)
        load_graph(session, entity_ids, into=self._graph)
        self._decisions.update(load_decisions(session, self._graph.entities.keys() - before))

    def screen(self, entity_ids: Sequence[int], as_of: date, keep_rejected: bool = False) -> dict[int, list[Hit]]:
        """Direct and inherited hits of each entity as of the date. Rejected hits are left out (they never fire
        again) unless `keep_rejected`, which review screens use to show them with their status."""
        found = propagate(_DirectHits(self, as_of), self._graph.graph, self._index.rules, entity_ids)
        return {eid: with_decisions(hits, self._decisions, keep_rejected) for eid, hits in found.items()}

    def direct_hits(self, entity_id: int, as_of: date) -> list[Hit]:
        """The entity's own hits as of the date, decisions applied (rejected ones left out)."""
        candidates = self._candidates.get(entity_id)
        if candidates is None:
            entity = self._graph.entities[entity_id]
            subject = Subject(entity_id, entity.name, tuple(entity.aliases), entity.country)
            candidates = self._candidates[entity_id] = self._index.candidates(subject)
        if not candidates:  # most parties: nothing to pick on any date
            return []
        key = (entity_id, as_of)
        found = self._direct.get(key)
        if found is None:
            hits = FuzzyMatcher.pick(entity_id, candidates, as_of)
            found = self._direct[key] = with_decisions(hits, self._decisions)
        return found


class _DirectHits(Mapping[int, Sequence[Hit]]):
    """Every graph entity's direct hits as of a date, as `propagate` reads them, each screened when first read."""

    def __init__(self, screener: Screener, as_of: date) -> None:
        self._screener = screener
        self._as_of = as_of

    def __getitem__(self, entity_id: int) -> Sequence[Hit]:
        if entity_id not in self._screener.graph.entities:
            raise KeyError(entity_id)
        return self._screener.direct_hits(entity_id, self._as_of)

    def __iter__(self) -> Iterator[int]:
        return iter(self._screener.graph.entities)

    def __len__(self) -> int:
        return len(self._screener.graph.entities)


def screen_entity(session: Session, entity_id: int, as_of: date) -> list[Hit]:
    """An entity's hits as of a date, inherited ones included, rejected ones shown with their status."""
    graph = load_graph(session, [entity_id])
    if entity_id not in graph.entities:
        raise NotFound(f"Entity {entity_id} does not exist.")
    decisions = load_decisions(session, graph.entities)
    index = load_index(session)
    screener = Screener(index, graph, decisions)
    hits = screener.screen([entity_id], as_of, keep_rejected=True)[entity_id]
    # A rejected direct hit is gone before propagation; list it too, so the analyst can see and revisit it.
    entity = graph.entities[entity_id]
    subject = Subject(entity_id, entity.name, tuple(entity.aliases), entity.country)
    rejected = [
        h
        for h in with_decisions(index.matcher.match(subject, as_of), decisions, keep_rejected=True)
        if h.status == "rejected"
    ]
    # One line per entry: a direct hit stands for any inherited one by the same entry.
    out: dict[tuple[str, str], Hit] = {}
    for hit in [*rejected, *hits]:
        key = (hit.list_code, hit.entry_key)
        if key not in out or (hit.direct and not out[key].direct):
            out[key] = hit
    return sorted(out.values(), key=lambda h: (-h.score, h.list_code, h.entry_name))


def screen_name(
    session: Session,
    name: str,
    aliases: Sequence[str],
    country: str | None,
    as_of: date | None,
    lists: Sequence[str] | None,
    threshold: float | None,
    limit: int,
) -> list[Hit]:
    """Hits for a name that is not stored (no ownership, no decisions)."""
    index = load_index(session)
    subject = Subject(0, name, tuple(aliases), country)
    return index.matcher.match(subject, as_of, threshold=threshold, lists=lists, limit=limit)


def decide(
    session: Session, entity_id: int, entry_id: int, status: str, note: str | None, actor: str
) -> ScreeningDecision:
    """Record (or replace) an analyst's decision on an entity's hit by an entry."""
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"Entity {entity_id} does not exist.")
    found = session.exec(
        select(ScreeningEntry, ScreeningList.code)
        .join(ListVersion, col(ListVersion.id) == col(ScreeningEntry.list_version_id))
        .join(ScreeningList, col(ScreeningList.id) == col(ListVersion.list_id))
        .where(col(ScreeningEntry.id) == entry_id)
    ).first()
    if found is None:
        raise NotFound(f"List entry {entry_id} does not exist.")
    entry, code = found
    key = Entry(entry.id, code, entry.name, tuple(entry.aliases)).key  # type: ignore[arg-type]
    row = session.exec(
        select(ScreeningDecision).where(ScreeningDecision.entity_id == entity_id, ScreeningDecision.entry_key == key)
    ).first()
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = ScreeningDecision(
            entity_id=entity_id, list_code=code, entry_key=key, entry_name=entry.name, status=status, decided_by=actor
        )
    row.entry_id = entry.id
    row.status = status
    row.note = note
    row.decided_by = actor
    row.decided_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="decide",
        object_type="screening_decision",
        object_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    return row
