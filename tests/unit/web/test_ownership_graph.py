"""The ownership graph: owners above what they own, hit entities marked, and the edges an inherited hit came
down; and the same paths as text."""

from app.web.charts.ownership import (
    GraphEdge,
    GraphNode,
    carrying_edges,
    hit_paths,
    layout,
    levels,
    ownership_svg,
)
from tests.unit.web.svg import classes, find, parse

SASAC, GROUP, CRRC, CRRC_MA, DENYA = 1, 2, 3, 4, 5
NAMES = {
    SASAC: "SASAC",
    GROUP: "CRRC Group Co., Ltd.",
    CRRC: "CRRC Corporation Limited",
    CRRC_MA: "CRRC MA Corporation",
    DENYA: "Denya Cebus Ltd.",
}
EDGES = [
    GraphEdge(SASAC, GROUP, 100, True),
    GraphEdge(GROUP, CRRC, 55.91, True),
    GraphEdge(CRRC, CRRC_MA, 100, True),
]
HITS = [
    {"entity_id": CRRC, "list_code": "US-DOD-1260H", "listed_since": "2022-10-05", "via": []},
    {"entity_id": CRRC_MA, "list_code": "US-DOD-1260H", "listed_since": "2022-10-05", "via": [CRRC]},
]


def nodes(hit: set[int]) -> list[GraphNode]:
    order = [DENYA, CRRC, CRRC_MA, GROUP, SASAC]
    return [GraphNode(e, NAMES[e], hit=e in hit, party=e in (DENYA, CRRC, CRRC_MA)) for e in order]


def test_the_hit_paths_read_up_the_chain() -> None:
    paths = hit_paths(HITS, NAMES)
    assert [p.text for p in paths] == [
        "CRRC Corporation Limited: US-DOD-1260H since 2022-10-05",
        "CRRC MA Corporation ← CRRC Corporation Limited: US-DOD-1260H since 2022-10-05",
    ]
    assert carrying_edges(paths) == {(CRRC, CRRC_MA)}


def test_a_longer_path_carries_every_edge_it_came_down() -> None:
    paths = hit_paths([{"entity_id": CRRC_MA, "list_code": "X", "via": [CRRC, GROUP]}], NAMES)
    assert paths[0].text == "CRRC MA Corporation ← CRRC Corporation Limited ← CRRC Group Co., Ltd.: X"
    assert carrying_edges(paths) == {(CRRC, CRRC_MA), (GROUP, CRRC)}


def test_owners_sit_above_what_they_own() -> None:
    drawn = nodes(set())
    assert levels(drawn, EDGES) == {DENYA: 0, CRRC_MA: 0, CRRC: 1, GROUP: 2, SASAC: 3}
    position = layout(drawn, EDGES)
    assert position[SASAC][1] < position[GROUP][1] < position[CRRC][1] < position[CRRC_MA][1]
    assert position[DENYA][1] == position[CRRC_MA][1]


def test_a_cycle_does_not_loop_forever() -> None:
    cycle = [GraphEdge(1, 2, 60), GraphEdge(2, 1, 60)]
    assert set(levels([GraphNode(1, "a"), GraphNode(2, "b")], cycle)) == {1, 2}
    assert find(parse(ownership_svg([GraphNode(1, "a"), GraphNode(2, "b")], cycle)), "path")


def test_nodes_and_edges_carry_the_contract_attributes() -> None:
    carrying = carrying_edges(hit_paths(HITS, NAMES))
    edges = [
        GraphEdge(e.owner_id, e.owned_id, e.percent, e.control, (e.owner_id, e.owned_id) in carrying) for e in EDGES
    ]
    root = parse(ownership_svg(nodes({CRRC, CRRC_MA, GROUP}), edges))
    assert root.get("id") == "ownership"
    drawn = {int(g.get("data-entity-id") or 0): g.get("data-hit") for g in find(root, "g") if "node" in classes(g)}
    assert drawn == {DENYA: "false", CRRC: "true", CRRC_MA: "true", GROUP: "true", SASAC: "false"}
    paths = {
        (int(p.get("data-from") or 0), int(p.get("data-to") or 0)): p.get("data-carries-hit")
        for p in find(root, "path")
        if "edge" in classes(p)
    }
    assert paths == {(SASAC, GROUP): "false", (GROUP, CRRC): "false", (CRRC, CRRC_MA): "true"}


def test_names_are_escaped() -> None:
    svg = str(ownership_svg([GraphNode(1, "<script>alert(1)</script>", detail='"><b>')], []))
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;" in svg
