"""The ownership graph of a deal's parties: who owns them up every chain, which of them a list hits, and the
path an inherited hit came down. Pure.

Owners sit above what they own: a node's row is the length of the longest chain of holdings below it in the
graph, so the parties that own nothing here sit on the bottom row and a state owner at the top. Each edge runs
from the owner (`data-from`) to the owned entity (`data-to`); the edges an inherited hit came through carry
`data-carries-hit="true"`.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from app.web.charts.svg import document, el, num, text, title, truncate

NODE_W, NODE_H = 220, 48
GAP_X, GAP_Y = 28, 64
MARGIN = 16


@dataclass(frozen=True, slots=True)
class GraphNode:
    """An entity: `detail` is the second line (country, roles), `note` the tooltip (its hits)."""

    entity_id: int
    name: str
    detail: str = ""
    hit: bool = False
    party: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """`owner_id` holds `percent` of `owned_id`; `control` marks control beyond the share."""

    owner_id: int
    owned_id: int
    percent: float
    control: bool = False
    carries_hit: bool = False


@dataclass(frozen=True, slots=True)
class HitPath:
    """One list hit of a party, readable without the picture: the party, then each owner it came through."""

    entity_id: int
    list_code: str
    names: tuple[str, ...]
    listed_since: str | None
    via: tuple[int, ...]

    @property
    def text(self) -> str:
        since = f" since {self.listed_since}" if self.listed_since else ""
        return f"{' ← '.join(self.names)}: {self.list_code}{since}"


def hit_paths(hits: Iterable[Mapping[str, Any]], names: Mapping[int, str]) -> list[HitPath]:
    """Hits as a snapshot's `screening` holds them (entity_id, list_code, listed_since, via), one line each."""
    out: dict[tuple[int, str, tuple[int, ...]], HitPath] = {}
    for hit in hits:
        entity_id = int(hit["entity_id"])
        via = tuple(int(v) for v in hit.get("via") or ())
        chain = (entity_id, *via)
        since = hit.get("listed_since")
        path = HitPath(
            entity_id=entity_id,
            list_code=str(hit["list_code"]),
            names=tuple(names.get(e, f"entity {e}") for e in chain),
            listed_since=str(since) if since else None,
            via=via,
        )
        out.setdefault((entity_id, path.list_code, via), path)
    return list(out.values())


def carrying_edges(paths: Iterable[HitPath]) -> set[tuple[int, int]]:
    """The (owner, owned) edges the inherited hits came down."""
    edges: set[tuple[int, int]] = set()
    for path in paths:
        chain = (path.entity_id, *path.via)
        edges.update((chain[i + 1], chain[i]) for i in range(len(chain) - 1))
    return edges


def levels(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> dict[int, int]:
    """Row of each node: 0 when it owns nothing in the graph, else one above the highest thing it owns.
    Cycles are cut: an edge back to a node on the current chain is ignored."""
    ids = {n.entity_id for n in nodes}
    owned: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        if edge.owner_id in ids and edge.owned_id in ids:
            owned[edge.owner_id].append(edge.owned_id)
    level: dict[int, int] = {}

    def visit(node: int, chain: frozenset[int]) -> int:
        if node in level:
            return level[node]
        below = [visit(child, chain | {node}) for child in owned[node] if child not in chain and child != node]
        level[node] = 1 + max(below) if below else 0
        return level[node]

    for node in nodes:
        visit(node.entity_id, frozenset())
    return level


def layout(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> dict[int, tuple[float, float]]:
    """Top-left corner of each node. The bottom row keeps the order given; each row above is ordered by where
    the things it owns sit, so edges cross as little as a simple rule allows."""
    level = levels(nodes, edges)
    rows: dict[int, list[int]] = defaultdict(list)
    for node in nodes:
        rows[level[node.entity_id]].append(node.entity_id)
    top = max(rows, default=0)
    widest = max((len(r) for r in rows.values()), default=1)
    owned: dict[int, list[int]] = defaultdict(list)
    for edge in edges:
        owned[edge.owner_id].append(edge.owned_id)
    position: dict[int, tuple[float, float]] = {}
    for row in range(top + 1):
        members = rows.get(row, [])
        if row > 0:
            order = {eid: i for i, eid in enumerate(members)}

            def centre(eid: int, order: dict[int, int] = order) -> tuple[float, int]:
                xs = [position[c][0] for c in owned[eid] if c in position]
                return (sum(xs) / len(xs) if xs else float("inf"), order[eid])

            members = sorted(members, key=centre)
        offset = (widest - len(members)) * (NODE_W + GAP_X) / 2
        y = MARGIN + (top - row) * (NODE_H + GAP_Y)
        for i, eid in enumerate(members):
            position[eid] = (MARGIN + offset + i * (NODE_W + GAP_X), y)
    return position


def _percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def _marker(marker_id: str, css_class: str) -> str:
    """An arrowhead of a fixed size, whatever the width of the edge it ends."""
    return el(
        "marker",
        {
            "id": marker_id,
            "viewBox": "0 0 10 10",
            "refX": 10,
            "refY": 5,
            "markerWidth": 9,
            "markerHeight": 9,
            "markerUnits": "userSpaceOnUse",
            "orient": "auto-start-reverse",
        },
        el("path", {"class": css_class, "d": "M 0 0 L 10 5 L 0 10 z"}),
    )


def ownership_svg(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], svg_id: str = "ownership") -> Markup:
    """`g.node[data-entity-id][data-hit]` per entity and `path.edge[data-from][data-to]` per ownership edge."""
    position = layout(nodes, edges)
    widest = max((x for x, _ in position.values()), default=0) + NODE_W + MARGIN
    deepest = max((y for _, y in position.values()), default=0) + NODE_H + MARGIN
    names = {n.entity_id: n.name for n in nodes}
    parts = [el("defs", {}, _marker(f"{svg_id}-arrow", "arrow"), _marker(f"{svg_id}-arrow-hit", "arrow hit"))]
    for edge in edges:
        if edge.owner_id not in position or edge.owned_id not in position:
            continue
        (ox, oy), (tx, ty) = position[edge.owner_id], position[edge.owned_id]
        x1, y1 = ox + NODE_W / 2, oy + NODE_H
        x2, y2 = tx + NODE_W / 2, ty
        if y2 <= y1:  # a cycle or a sideways edge: leave from the side
            x1, y1 = ox + NODE_W, oy + NODE_H / 2
        bend = max(abs(y2 - y1) / 2, 24)
        share = _percent(edge.percent) + (", control" if edge.control else "")
        tooltip = f"{names[edge.owner_id]} holds {share} of {names[edge.owned_id]}"
        if edge.carries_hit:
            tooltip += "; a list hit comes down this edge"
        parts.append(
            el(
                "path",
                {
                    "class": "edge carries-hit" if edge.carries_hit else "edge",
                    "d": f"M {num(x1)} {num(y1)} C {num(x1)} {num(y1 + bend)}, {num(x2)} {num(y2 - bend)}, "
                    f"{num(x2)} {num(y2)}",
                    "marker-end": f"url(#{svg_id}-arrow{'-hit' if edge.carries_hit else ''})",
                    "data-from": edge.owner_id,
                    "data-to": edge.owned_id,
                    "data-carries-hit": edge.carries_hit,
                },
                title(tooltip),
            )
        )
        parts.append(text({"class": "edge-label", "x": (x1 + x2) / 2 + 6, "y": (y1 + y2) / 2 + 4}, share))
    for node in nodes:
        x, y = position[node.entity_id]
        classes = ["node"]
        if node.hit:
            classes.append("hit")
        if node.party:
            classes.append("party")
        tooltip = node.name + (f" ({node.detail})" if node.detail else "") + (f": {node.note}" if node.note else "")
        parts.append(
            el(
                "g",
                {"class": " ".join(classes), "data-entity-id": node.entity_id, "data-hit": node.hit},
                title(tooltip),
                el("rect", {"x": x, "y": y, "width": NODE_W, "height": NODE_H, "rx": 6}),
                text({"class": "name", "x": x + 10, "y": y + 20}, truncate(node.name, 29)),
                text({"class": "detail", "x": x + 10, "y": y + 37}, truncate(node.detail, 36)),
            )
        )
    hits = sum(1 for n in nodes if n.hit)
    label = f"Ownership of the parties: {len(nodes)} entities, {len(edges)} holdings, {hits} hit by a list"
    return document(svg_id, max(widest, 320), max(deepest, 80), label, *parts)
