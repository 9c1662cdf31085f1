"""Carry list hits down ownership chains by each list's rule, keeping the path as evidence. Pure, cycle-safe."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from app.screening.model import Edge, Hit, ListRule
from app.vocabulary import OwnershipRule


class OwnershipGraph:
    """Who owns whom, indexed both ways."""

    def __init__(self, edges: Iterable[Edge]) -> None:
        self.owners: dict[int, list[Edge]] = defaultdict(list)
        self.owned: dict[int, list[Edge]] = defaultdict(list)
        self.add(edges)

    def add(self, edges: Iterable[Edge]) -> None:
        """Add edges (each once: a repeated edge would count its share twice)."""
        for edge in edges:
            self.owners[edge.owned_id].append(edge)
            self.owned[edge.owner_id].append(edge)

    def controllers(self, entity_id: int) -> Iterable[int]:
        """Every entity that controls this one, directly or up a chain of controlling edges."""
        seen: set[int] = set()
        stack = [entity_id]
        while stack:
            for edge in self.owners.get(stack.pop(), ()):
                if edge.controlling and edge.owner_id not in seen and edge.owner_id != entity_id:
                    seen.add(edge.owner_id)
                    stack.append(edge.owner_id)
        return seen


def propagate(
    direct: Mapping[int, Sequence[Hit]],
    graph: OwnershipGraph,
    rules: Mapping[str, ListRule],
    entity_ids: Iterable[int],
) -> dict[int, list[Hit]]:
    """Direct hits plus those inherited through owners, for each of `entity_ids`.

    `listed_affiliates`: a subsidiary (controlling edge) of a hit entity is hit. `fifty_percent`: an entity
    is hit when hit owners together hold at least 50%. Inherited hits carry `via`, the owner path up to the
    listed entity, nearest owner first. A list with rule `none` is never inherited.
    """
    memo: dict[tuple[int, str], Hit | None] = {}
    result: dict[int, list[Hit]] = {}
    for entity_id in entity_ids:
        hits = list(direct.get(entity_id, ()))
        if not graph.owners.get(entity_id):
            result[entity_id] = hits  # nothing to inherit from
            continue
        listed = {h.list_code for h in hits}
        for code in sorted(rules):
            if code in listed or rules[code].ownership_rule is OwnershipRule.none:
                continue
            inherited = _inherited(entity_id, code, rules[code].ownership_rule, direct, graph, memo, frozenset())
            if inherited is not None:
                hits.append(inherited)
        result[entity_id] = hits
    return result


def _direct_hit(entity_id: int, code: str, direct: Mapping[int, Sequence[Hit]]) -> Hit | None:
    return next((h for h in direct.get(entity_id, ()) if h.list_code == code), None)


def _hit_for(
    entity_id: int,
    code: str,
    rule: OwnershipRule,
    direct: Mapping[int, Sequence[Hit]],
    graph: OwnershipGraph,
    memo: dict[tuple[int, str], Hit | None],
    path: frozenset[int],
) -> Hit | None:
    """The entity's own hit on the list, direct or inherited."""
    return _direct_hit(entity_id, code, direct) or _inherited(entity_id, code, rule, direct, graph, memo, path)


def _inherited(
    entity_id: int,
    code: str,
    rule: OwnershipRule,
    direct: Mapping[int, Sequence[Hit]],
    graph: OwnershipGraph,
    memo: dict[tuple[int, str], Hit | None],
    path: frozenset[int],
) -> Hit | None:
    key = (entity_id, code)
    if key in memo:
        return memo[key]
    path = path | {entity_id}
    found: Hit | None = None
    held = 0.0
    best: tuple[Edge, Hit] | None = None
    for edge in sorted(graph.owners.get(entity_id, ()), key=lambda e: (-e.percent, e.owner_id)):
        if edge.owner_id in path:
            continue  # an ownership cycle: the owner is already on this path
        owner_hit = _hit_for(edge.owner_id, code, rule, direct, graph, memo, path)
        if owner_hit is None:
            continue
        if rule is OwnershipRule.listed_affiliates and edge.controlling:
            best = (edge, owner_hit)
            break
        if rule is OwnershipRule.fifty_percent:
            held += edge.percent
            best = best or (edge, owner_hit)
    if best is not None and (rule is OwnershipRule.listed_affiliates or held >= 50):
        edge, owner_hit = best
        found = Hit(
            entity_id=entity_id,
            list_code=code,
            entry_id=owner_hit.entry_id,
            entry_name=owner_hit.entry_name,
            score=owner_hit.score,
            query=owner_hit.query,
            candidate=owner_hit.candidate,
            listed_since=owner_hit.listed_since,
            via=(edge.owner_id, *owner_hit.via),
            entry_key=owner_hit.entry_key,
            status=owner_hit.status,
        )
    # Results found while a cycle was cut short depend on the path, so only a path-free answer is memoised.
    if len(path) == 1:
        memo[key] = found
    return found
