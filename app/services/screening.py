"""Screening use cases: the in-memory index of current list entries, entity and name screening, decisions.

The index lives in each worker process, is built from the database, and is rebuilt when any list's current
version changes (another worker may have imported it), so several API replicas stay consistent.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.core.errors import NotFound
from app.models import Entity, ListVersion, Ownership, ScreeningDecision, ScreeningEntry, ScreeningList
from app.models._columns import utcnow
from app.screening.decisions import Decisions, with_decisions
from app.screening.match import FuzzyMatcher
from app.screening.model import Edge, Entry, Hit, ListRule, Subject
from app.screening.ownership import OwnershipGraph, propagate
from app.services import audit
from app.vocabulary import EntityKind, ListCategory, OwnershipRule

CHUNK = 500


@dataclass(frozen=True, slots=True)
class ScreeningIndex:
    matcher: FuzzyMatcher
    rules: Mapping[str, ListRule]


_indexes: dict[tuple[object, ...], ScreeningIndex] = {}


def load_index(session: Session) -> ScreeningIndex:
    """The matcher over every list's current version, built once per database and set of list versions."""
    lists = list(session.exec(select(ScreeningList).order_by(col(ScreeningList.code))))
    key = (str(session.get_bind().engine.url), *((s.code, s.current_version, s.content_digest) for s in lists))
    found = _indexes.get(key)
    if found is not None:
        return found
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
    _indexes.clear()  # only the newest versions are ever needed again
    _indexes[key] = index
    return index


@dataclass
class EntityGraph:
    """Some entities, their owners up every chain, and the ownership edges between them."""

    entities: dict[int, Entity]
    graph: OwnershipGraph

    def state_controlled(self, entity_id: int) -> bool:
        """State-owned itself, or controlled up a chain by a state body or a state-owned entity."""
        return any(_is_state(self.entities[e]) for e in (entity_id, *self.graph.controllers(entity_id)))


def _is_state(entity: Entity) -> bool:
    return entity.state_owned or entity.kind == EntityKind.state_body


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def load_graph(session: Session, entity_ids: Iterable[int]) -> EntityGraph:
    """Walk ownership upwards from the given entities, a level per query, and load every entity met."""
    entities: dict[int, Entity] = {}
    edges: list[Edge] = []
    frontier = set(entity_ids)
    seen: set[int] = set()
    while frontier:
        seen |= frontier
        for chunk in chunks(sorted(frontier)):
            for entity in session.exec(select(Entity).where(col(Entity.id).in_(chunk))):
                entities[entity.id] = entity  # type: ignore[index]
        rows = [
            row
            for chunk in chunks(sorted(frontier))
            for row in session.exec(select(Ownership).where(col(Ownership.owned_id).in_(chunk)))
        ]
        edges += [Edge(r.owner_id, r.owned_id, float(r.percent), r.control) for r in rows]
        frontier = {r.owner_id for r in rows} - seen
    return EntityGraph(entities, OwnershipGraph(edges))


def load_decisions(session: Session, entity_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    ids = sorted({i for i in entity_ids if i > 0})
    out: dict[tuple[int, str], str] = {}
    for chunk in chunks(ids):
        for row in session.exec(select(ScreeningDecision).where(col(ScreeningDecision.entity_id).in_(chunk))):
            out[(row.entity_id, row.entry_key)] = row.status
    return out


class Screener:
    """Screens the entities of one graph, remembering direct hits per (entity, date) across many deals."""

    def __init__(self, index: ScreeningIndex, graph: EntityGraph, decisions: Decisions) -> None:
        self._index = index
        self._graph = graph
        self._decisions = decisions
        self._direct: dict[tuple[int, date], list[Hit]] = {}

    def screen(self, entity_ids: Sequence[int], as_of: date, keep_rejected: bool = False) -> dict[int, list[Hit]]:
        """Direct and inherited hits of each entity as of the date. Rejected hits are left out (they never fire
        again) unless `keep_rejected`, which review screens use to show them with their status."""
        direct = {eid: self._direct_hits(eid, as_of) for eid in self._graph.entities}
        found = propagate(direct, self._graph.graph, self._index.rules, entity_ids)
        return {eid: with_decisions(hits, self._decisions, keep_rejected) for eid, hits in found.items()}

    def _direct_hits(self, entity_id: int, as_of: date) -> list[Hit]:
        key = (entity_id, as_of)
        if key not in self._direct:
            entity = self._graph.entities[entity_id]
            subject = Subject(entity_id, entity.name, tuple(entity.aliases), entity.country)
            hits = self._index.matcher.match(subject, as_of)
            self._direct[key] = with_decisions(hits, self._decisions)
        return self._direct[key]


def screen_entity(session: Session, entity_id: int, as_of: date) -> list[Hit]:
    """An entity's hits as of a date, inherited ones included, rejected ones shown with their status."""
    graph = load_graph(session, [entity_id])
    if entity_id not in graph.entities:
        raise NotFound(f"Entity {entity_id} does not exist.")
    decisions = load_decisions(session, graph.entities)
    screener = Screener(load_index(session), graph, decisions)
    hits = screener.screen([entity_id], as_of, keep_rejected=True)[entity_id]
    # A rejected direct hit is gone before propagation; list it too, so the analyst can see and revisit it.
    entity = graph.entities[entity_id]
    subject = Subject(entity_id, entity.name, tuple(entity.aliases), entity.country)
    rejected = [
        h
        for h in with_decisions(load_index(session).matcher.match(subject, as_of), decisions, keep_rejected=True)
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
