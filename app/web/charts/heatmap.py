"""The portfolio heat map: sectors down, counterparty countries across, deals in each cell. Pure."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.web.charts.svg import document, el, text, title, truncate

CELL_W, CELL_H = 56, 30
LEFT, TOP = 190, 40
SHADES = 5  # heat-1 .. heat-5; heat-0 is an empty cell


@dataclass(frozen=True, slots=True)
class Axis:
    """One row or column: the code written into data-* attributes and the label a reader sees."""

    code: str
    label: str


def shade(count: int, largest: int) -> int:
    """0 for an empty cell, else 1..SHADES in proportion to the largest cell."""
    if count <= 0 or largest <= 0:
        return 0
    return max(1, min(SHADES, -(-count * SHADES // largest)))


def heatmap_svg(
    rows: Sequence[Axis],
    columns: Sequence[Axis],
    counts: Mapping[tuple[str, str], int],
    notes: Mapping[tuple[str, str], str] | None = None,
    svg_id: str = "heatmap",
) -> Markup:
    """Every cell of the grid, empty ones included, as `rect[data-sector][data-country][data-count]`."""
    notes = notes or {}
    width = LEFT + CELL_W * max(len(columns), 1) + 8
    height = TOP + CELL_H * max(len(rows), 1) + 8
    if not rows or not columns:
        empty = text({"class": "empty", "x": width / 2, "y": height / 2, "text-anchor": "middle"}, "No deals yet")
        return document(svg_id, max(width, 320), max(height, 80), "Heat map: no deals yet", empty)
    largest = max(counts.values(), default=0)
    parts: list[str] = []
    for j, column in enumerate(columns):
        parts.append(
            text(
                {"class": "axis-label", "x": LEFT + CELL_W * j + CELL_W / 2, "y": TOP - 10, "text-anchor": "middle"},
                column.label,
            )
        )
    for i, row in enumerate(rows):
        y = TOP + CELL_H * i
        parts.append(
            el(
                "text",
                {"class": "axis-label", "x": LEFT - 8, "y": y + CELL_H / 2 + 4, "text-anchor": "end"},
                title(row.label),
                str(escape(truncate(row.label, 30))),
            )
        )
        for j, column in enumerate(columns):
            count = counts.get((row.code, column.code), 0)
            x = LEFT + CELL_W * j
            tooltip = f"{row.label} \u00d7 {column.label}: {count} deal{'s' if count != 1 else ''}"
            if (row.code, column.code) in notes:
                tooltip += f" ({notes[(row.code, column.code)]})"
            parts.append(
                el(
                    "rect",
                    {
                        "class": f"cell heat-{shade(count, largest)}",
                        "x": x + 1,
                        "y": y + 1,
                        "width": CELL_W - 2,
                        "height": CELL_H - 2,
                        "data-sector": row.code,
                        "data-country": column.code,
                        "data-count": count,
                    },
                    title(tooltip),
                )
            )
            if count:
                parts.append(
                    text(
                        {
                            "class": f"cell-count on-{shade(count, largest)}",
                            "x": x + CELL_W / 2,
                            "y": y + CELL_H / 2 + 4,
                            "text-anchor": "middle",
                        },
                        count,
                    )
                )
    cells = sum(1 for v in counts.values() if v)
    label = f"Heat map of deals by sector and counterparty country: {cells} non-empty cells"
    return document(svg_id, width, height, label, *parts)
