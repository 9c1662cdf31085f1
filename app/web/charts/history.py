"""A deal's stored scores over time: a small line chart, one circle per snapshot. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from app.web.charts.svg import document, el, num, text, title
from app.web.charts.waterfall import Threshold

HEIGHT = 200
TOP, BOTTOM, LEFT, RIGHT = 16, 36, 36, 88
STEP = 64  # horizontal room per snapshot
MIN_WIDTH = 360


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One stored snapshot: the date it was scored as of, its score and tier, and when it was computed."""

    as_of: date
    score: int
    tier: str
    computed: str = ""


def history_svg(
    points: Sequence[HistoryPoint], thresholds: Sequence[Threshold] = (), svg_id: str = "history"
) -> Markup:
    """Snapshots in the order given (oldest first), evenly spaced; the score axis is always 0-100."""
    width = max(MIN_WIDTH, LEFT + STEP * max(len(points), 1) + RIGHT)
    plot = HEIGHT - TOP - BOTTOM

    def y(score: float) -> float:
        return TOP + (100 - score) / 100 * plot

    def x(i: int) -> float:
        return LEFT + STEP * i + STEP / 2

    parts: list[str] = []
    for mark in (0, 50, 100):
        parts.append(el("line", {"class": "grid", "x1": LEFT, "x2": width - RIGHT, "y1": y(mark), "y2": y(mark)}))
        parts.append(text({"class": "axis-label", "x": LEFT - 6, "y": y(mark) + 4, "text-anchor": "end"}, mark))
    for threshold in thresholds:
        if 0 < threshold.min_score <= 100:
            at = y(threshold.min_score)
            parts.append(
                el(
                    "line",
                    {"class": f"threshold tier-{threshold.tier}", "x1": LEFT, "x2": width - RIGHT, "y1": at, "y2": at},
                )
            )
            parts.append(
                text(
                    {"class": f"threshold-label tier-{threshold.tier}", "x": width - RIGHT + 6, "y": at + 4},
                    f"{threshold.tier} {threshold.min_score}",
                )
            )
    if not points:
        parts.append(
            text({"class": "empty", "x": width / 2, "y": HEIGHT / 2, "text-anchor": "middle"}, "No stored scores yet")
        )
        return document(svg_id, width, HEIGHT, "Score history: no stored scores yet", *parts)
    if len(points) > 1:
        line = " ".join(f"{num(x(i))},{num(y(p.score))}" for i, p in enumerate(points))
        parts.append(el("polyline", {"class": "line", "points": line}))
    for i, point in enumerate(points):
        tooltip = f"{point.score} ({point.tier}) as of {point.as_of.isoformat()}"
        if point.computed:
            tooltip += f", computed {point.computed}"
        parts.append(
            el(
                "circle",
                {
                    "class": f"point tier-{point.tier}",
                    "cx": x(i),
                    "cy": y(point.score),
                    "r": 5,
                    "data-score": point.score,
                    "data-as-of": point.as_of.isoformat(),
                },
                title(tooltip),
            )
        )
        parts.append(
            text(
                {"class": "axis-label", "x": x(i), "y": HEIGHT - BOTTOM + 16, "text-anchor": "middle"},
                point.as_of.isoformat(),
            )
        )
    label = "Score history: " + ", ".join(f"{p.score} as of {p.as_of.isoformat()}" for p in points)
    return document(svg_id, width, HEIGHT, label, *parts)
