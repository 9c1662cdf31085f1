"""The waterfall: a bar per factor on the running total, mitigations drawn downwards, then the score."""

from app.web.charts.waterfall import FactorBar, Threshold, steps, waterfall_svg
from tests.unit.web.svg import NS, classes, find, parse

LIGHT_RAIL = [
    FactorBar("blacklist", 30, 40),
    FactorBar("sector", 14, 25),
    FactorBar("us_relations", 12, 20),
    FactorBar("foreign_control", 8, 20),
    FactorBar("data_technology", 0, 20),
    FactorBar("mitigation", -13, 20),
]


def test_each_bar_starts_where_the_last_one_ended_and_the_total_stands_on_zero() -> None:
    assert [(s.factor, s.start, s.end) for s in steps(LIGHT_RAIL, 51)] == [
        ("blacklist", 0, 30),
        ("sector", 30, 44),
        ("us_relations", 44, 56),
        ("foreign_control", 56, 64),
        ("data_technology", 64, 64),
        ("mitigation", 64, 51),
        ("total", 0, 51),
    ]


def test_one_bar_per_factor_and_a_total_with_their_points() -> None:
    root = parse(waterfall_svg(LIGHT_RAIL, 51, [Threshold("high", 60)]))
    assert root.get("id") == "waterfall"
    bars = [g for g in find(root, "g") if "bar" in classes(g)]
    assert [(g.get("data-factor"), g.get("data-points")) for g in bars] == [
        ("blacklist", "30"),
        ("sector", "14"),
        ("us_relations", "12"),
        ("foreign_control", "8"),
        ("data_technology", "0"),
        ("mitigation", "-13"),
        ("total", "51"),
    ]
    kinds = {g.get("data-factor"): classes(g) - {"bar"} for g in bars}
    assert kinds["blacklist"] == {"up"} and kinds["mitigation"] == {"down"}
    assert kinds["data_technology"] == {"zero"} and kinds["total"] == {"total"}


def test_a_mitigation_is_drawn_downwards_from_the_running_total() -> None:
    root = parse(waterfall_svg(LIGHT_RAIL, 51))
    rects = {g.get("data-factor"): g.find("svg:rect", NS) for g in find(root, "g") if "bar" in classes(g)}

    def top(name: str) -> float:
        return float(rects[name].get("y"))  # type: ignore[union-attr, arg-type]

    def bottom(name: str) -> float:
        rect = rects[name]
        return float(rect.get("y")) + float(rect.get("height"))  # type: ignore[union-attr, arg-type]

    assert abs(top("mitigation") - top("foreign_control")) < 0.01, "it starts at the running total (64)"
    assert bottom("mitigation") > top("mitigation") and abs(bottom("mitigation") - top("total")) < 0.01
    assert abs(bottom("total") - bottom("blacklist")) < 0.01, "both stand on zero"


def test_a_sum_beyond_100_is_explained_on_the_total_bar() -> None:
    root = parse(waterfall_svg([FactorBar("a", 70), FactorBar("b", 60)], 100))
    total = next(g for g in find(root, "g") if g.get("data-factor") == "total")
    assert "clamped" in (total.findtext("svg:title", namespaces=NS) or "")
    assert float(root.get("height")) > 0  # type: ignore[arg-type]


def test_labels_from_data_are_escaped() -> None:
    svg = str(waterfall_svg([FactorBar("<script>", 5)], 5))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
