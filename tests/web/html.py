"""A small HTML reader for page tests: the page as a tree of elements, found by tag, id, class and attributes."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: "Element | str") -> None:
            if isinstance(node, str):
                parts.append(node)
            else:
                for child in node.children:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def all(
        self, tag: str | None = None, *, id: str | None = None, cls: str | None = None, **attrs: str | bool
    ) -> list["Element"]:
        """Descendants matching every condition; an attribute given as True only has to be present."""
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if id is not None and element.attrs.get("id") != id:
                continue
            if cls is not None and cls not in element.classes:
                continue
            wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
            if all(
                (name in element.attrs) if value is True else element.attrs.get(name) == value
                for name, value in wanted.items()
            ):
                found.append(element)
        return found

    def one(self, tag: str | None = None, **conditions: str | bool) -> "Element":
        found = self.all(tag, **conditions)  # type: ignore[arg-type]
        assert len(found) == 1, f"expected one {tag} {conditions}, found {len(found)}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
