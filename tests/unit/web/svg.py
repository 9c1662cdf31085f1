"""Read a chart the builders wrote: the SVG parsed as XML (which also proves it is well-formed)."""

from xml.etree import ElementTree

from markupsafe import Markup

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: Markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))


def find(root: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    return root.findall(f".//svg:{tag}", NS)


def classes(element: ElementTree.Element) -> set[str]:
    return set(element.get("class", "").split())
