"""The waterfall of a score: each factor's points stacked on a running total, then the score itself. Pure.

A positive factor rises from the running total, a mitigation falls from it (drawn downwards), a factor with no
points is a flat mark, and the last bar (`data-factor="total"`) stands on zero at the score. The score is the
sum clamped to 0-100, so when the running total leaves that range the total bar says so in its tooltip.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from app.web.charts.svg import document, el, signed, text, title

HEIGHT = 280
TOP, BOTTOM, LEFT, RIGHT = 24, 44, 40, 96
SLOT = 96  # horizontal room per bar
BAR = 56


@dataclass(frozen=True, slots=True)
class FactorBar:
    """One factor's clamped total and its cap, as a snapshot stores them."""

    factor: str
    points: int
    cap: int | None = None


@dataclass(frozen=True, slots=True)
class Threshold:
    """The lowest score of a tier, drawn as a dashed line across the chart."""

    tier: str
    min_score: int


@dataclass(frozen=True, slots=True)
class Step:
    """A bar's place in the waterfall: where it starts and ends on the points axis."""

    factor: str
    points: int
    start: int
    end: int


def steps(factors: Sequence[FactorBar], total: int) -> list[Step]:
    """The running total through the factors, then the total bar from zero to the score."""
    out: list[Step] = []
    running = 0
    for factor in factors:
        out.append(Step(factor.factor, factor.points, running, running + factor.points))
        running += factor.points
    out.append(Step("total", total, 0, total))
    return out


def waterfall_svg(
    factors: Sequence[FactorBar], total: int, thresholds: Sequence[Threshold] = (), svg_id: str = "waterfall"
) -> Markup:
    """The chart as an <svg> element, one `g.bar[data-factor][data-points]` per factor and one for the total."""
    bars = steps(factors, total)
    low = min(0, *(min(s.start, s.end) for s in bars))
    high = max(100, *(max(s.start, s.end) for s in bars))
    plot = HEIGHT - TOP - BOTTOM
    width = LEFT + SLOT * len(bars) + RIGHT

    def y(points: float) -> float:
        return TOP + (high - points) / (high - low) * plot

    parts: list[str] = []
    for mark in range(0, high + 1, 20):
        parts.append(el("line", {"class": "grid", "x1": LEFT, "x2": width - RIGHT, "y1": y(mark), "y2": y(mark)}))
        parts.append(text({"class": "axis-label", "x": LEFT - 6, "y": y(mark) + 4, "text-anchor": "end"}, mark))
    for threshold in thresholds:
        if threshold.min_score <= 0:
            continue
        at = y(threshold.min_score)
        parts.append(
            el(
                "line",
                {"class": f"threshold tier-{threshold.tier}", "x1": LEFT, "x2": width - RIGHT + 4, "y1": at, "y2": at},
            )
        )
        parts.append(
            text(
                {"class": f"threshold-label tier-{threshold.tier}", "x": width - RIGHT + 8, "y": at + 4},
                f"{threshold.tier} {threshold.min_score}",
            )
        )
    parts.append(el("line", {"class": "baseline", "x1": LEFT, "x2": width - RIGHT, "y1": y(0), "y2": y(0)}))
    running_sum = bars[-2].end if len(bars) > 1 else 0
    for i, step in enumerate(bars):
        x = LEFT + SLOT * i + (SLOT - BAR) / 2
        top, bottom = y(max(step.start, step.end)), y(min(step.start, step.end))
        kind = _kind(step)
        height = max(bottom - top, 1.5)
        label_y = top - 6 if kind != "down" else bottom + 14
        tooltip = _tooltip(step, factors[i].cap if i < len(factors) else None, running_sum)
        parts.append(
            el(
                "g",
                {"class": f"bar {kind}", "data-factor": step.factor, "data-points": step.points},
                title(tooltip),
                el(
                    "rect",
                    {"x": x, "y": top if kind != "zero" else y(step.start) - 0.75, "width": BAR, "height": height},
                ),
                text(
                    {"class": "value", "x": x + BAR / 2, "y": label_y, "text-anchor": "middle"},
                    step.points if kind == "total" else signed(step.points),
                ),
                text(
                    {"class": "axis-label", "x": x + BAR / 2, "y": HEIGHT - BOTTOM + 18, "text-anchor": "middle"},
                    step.factor.replace("_", " "),
                ),
            )
        )
        if i + 1 < len(bars) and bars[i + 1].factor != "total":
            level = y(step.end)
            parts.append(el("line", {"class": "connector", "x1": x + BAR, "x2": x + SLOT, "y1": level, "y2": level}))
    label = f"Score waterfall: {', '.join(f'{s.factor} {signed(s.points)}' for s in bars[:-1])}; score {total}"
    return document(svg_id, width, HEIGHT, label, *parts)


def _kind(step: Step) -> str:
    """The bar's class: the total, a rise, a fall (mitigation) or a flat mark for a factor with no points."""
    if step.factor == "total":
        return "total"
    return "up" if step.points > 0 else "down" if step.points < 0 else "zero"


def _tooltip(step: Step, cap: int | None, running_sum: int) -> str:
    if step.factor == "total":
        if running_sum != step.points:
            return f"score {step.points} (the factors sum to {running_sum}, clamped to 0-100)"
        return f"score {step.points}"
    capped = f", cap {cap}" if cap is not None else ""
    return f"{step.factor.replace('_', ' ')}: {signed(step.points)} points{capped} (running total {step.end})"
