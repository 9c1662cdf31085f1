"""The score history: a circle per stored snapshot, oldest first, with its score and date."""

from datetime import date

from app.web.charts.history import HistoryPoint, history_svg
from tests.unit.web.svg import find, parse


def test_one_circle_per_snapshot_in_order_joined_by_a_line() -> None:
    points = [HistoryPoint(date(2025, 3, 31), 52, "elevated"), HistoryPoint(date(2026, 11, 24), 82, "critical")]
    root = parse(history_svg(points))
    assert root.get("id") == "history"
    circles = find(root, "circle")
    assert [(c.get("data-score"), c.get("data-as-of")) for c in circles] == [("52", "2025-03-31"), ("82", "2026-11-24")]
    assert float(circles[1].get("cy") or 0) < float(circles[0].get("cy") or 0), "a higher score sits higher"
    assert len(find(root, "polyline")) == 1


def test_no_snapshot_yet_is_an_empty_chart_that_says_so() -> None:
    root = parse(history_svg([]))
    assert not find(root, "circle") and "No stored scores yet" in "".join(root.itertext())
