"""The heat map: every cell of sectors x countries, empty ones too, shaded by count."""

from app.web.charts.heatmap import Axis, heatmap_svg, shade
from tests.unit.web.svg import classes, find, parse


def test_every_cell_carries_its_sector_country_and_count() -> None:
    rows = [Axis("ports", "Maritime ports"), Axis("urban_rail", "Urban rail")]
    columns = [Axis("CN", "CN"), Axis("", "unknown")]
    root = parse(heatmap_svg(rows, columns, {("ports", "CN"): 3, ("urban_rail", ""): 1}))
    assert root.get("id") == "heatmap"
    cells = {(r.get("data-sector"), r.get("data-country")): r for r in find(root, "rect")}
    assert {k: int(r.get("data-count") or -1) for k, r in cells.items()} == {
        ("ports", "CN"): 3,
        ("ports", ""): 0,
        ("urban_rail", "CN"): 0,
        ("urban_rail", ""): 1,
    }
    assert "heat-5" in classes(cells[("ports", "CN")]) and "heat-0" in classes(cells[("ports", "")])
    assert "heat-2" in classes(cells[("urban_rail", "")])


def test_shades_grow_with_the_count_and_only_empty_cells_are_blank() -> None:
    assert [shade(n, 10) for n in (0, 1, 2, 5, 10)] == [0, 1, 1, 3, 5]
    assert shade(1, 1000) == 1 and shade(3, 0) == 0


def test_an_empty_portfolio_says_so() -> None:
    root = parse(heatmap_svg([], [], {}))
    assert not find(root, "rect") and "No deals yet" in "".join(root.itertext())


def test_names_are_escaped() -> None:
    svg = str(heatmap_svg([Axis("x", "<script>alert(1)</script>")], [Axis("CN", "CN")], {("x", "CN"): 1}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
