"""The few pieces every chart builder shares: numbers, attributes and elements written as escaped SVG. Pure.

Everything that comes from data (names, codes, labels) goes through `escape`, so a name such as
`<script>alert(1)</script>` is drawn as text and never parsed as markup.
"""

from collections.abc import Mapping

from markupsafe import Markup, escape

Attrs = Mapping[str, object]
MINUS = "\u2212"


def num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing `.0`."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attr_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return num(value)
    return str(value)


def el(name: str, attrs: Attrs, *children: str) -> str:
    """One element; attributes whose value is None are left out, children are already-escaped SVG."""
    rendered = "".join(f' {key}="{escape(_attr_value(value))}"' for key, value in attrs.items() if value is not None)
    if not children:
        return f"<{name}{rendered}/>"
    return f"<{name}{rendered}>{''.join(children)}</{name}>"


def text(attrs: Attrs, content: object) -> str:
    """A <text> element holding escaped content."""
    return el("text", attrs, str(escape(str(content))))


def title(content: object) -> str:
    """A <title> child: the tooltip a browser shows, and the name a screen reader reads."""
    return el("title", {}, str(escape(str(content))))


def document(svg_id: str, width: float, height: float, label: str, *children: str) -> Markup:
    """The <svg> element, sized by its viewBox so CSS can scale it, labelled for screen readers."""
    return Markup(
        el(
            "svg",
            {
                "id": svg_id,
                "xmlns": "http://www.w3.org/2000/svg",
                "viewBox": f"0 0 {num(width)} {num(height)}",
                "width": num(width),
                "height": num(height),
                "role": "img",
                "aria-label": label,
                "class": "chart",
            },
            title(label),
            *children,
        )
    )


def truncate(value: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def signed(points: int) -> str:
    """Points with their sign, a typographic minus (U+2212) for negatives: +30, \u221213, 0."""
    if points > 0:
        return f"+{points}"
    if points < 0:
        return f"{MINUS}{-points}"
    return "0"
