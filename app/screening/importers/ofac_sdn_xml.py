"""OFAC's SDN list as `sdn.xml`, the classic (non-"advanced") XML schema.

    <sdnList xmlns="http://tempuri.org/sdnList.xsd">
      <publshInformation><Publish_Date/><Record_Count/></publshInformation>
      <sdnEntry>
        <uid/><firstName/><lastName/><title/><sdnType/>
        <programList><program/>...</programList>
        <akaList><aka><uid/><type/><category/><lastName/><firstName/></aka>...</akaList>
        <addressList><address><uid/><address1/><city/><postalCode/><country/></address>...</addressList>
        <idList/><nationalityList/><dateOfBirthList/><placeOfBirthList/><vesselInfo/><remarks/>
      </sdnEntry>...
    </sdnList>

The namespace has been `http://tempuri.org/sdnList.xsd`, its https variant and, since OFAC's Sanctions List
Service (2024), `https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML`; the root is
recognised by its local name `sdnList` whatever the namespace.

An entry's name is `lastName` for entities, vessels and aircraft and `firstName lastName` for individuals;
aliases likewise. Akas of category `strong` (every a.k.a. / f.k.a. / n.k.a.) are aliases; `weak` ones go to
`raw["weak_aliases"]`, as the CSV importer does with the weak a.k.a.s of the legacy Remarks. sdnType maps to
kind (Entity -> company, Individual -> person, Vessel, Aircraft). The country is that of the entry's
addresses when they name exactly one (mapped as in `ofac_sdn_csv`). The list has no listing dates. `raw` is
the whole sdnEntry as nested dicts and lists; `source_line` is the line of its `<sdnEntry>` tag.

Safety: parsed with defusedxml, streaming (iterparse, each entry dropped once read), so a large file never
becomes a whole tree. Any DTD is refused, hence entity expansion (XML bombs) and external entities (XXE)
too: OFAC's file has none. Malformed or truncated XML and a root other than <sdnList> are refused with the
line and column. An entry whose elements nest deeper than MAX_RAW_DEPTH is a rejected row (OFAC's nest four).
"""

import io
import re
from collections import deque
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from app.core.errors import ImportRejected
from app.screening.importers.base import MAX_RAW_DEPTH, ParsedEntry, ParseResult, RejectedRow
from app.screening.importers.ofac_sdn_csv import BINARY_SIGNATURES, CountryLookup

FORMAT = "ofac_sdn_xml"
ROOT = "sdnList"
ENTRY = "sdnEntry"
# The namespaces OFAC has published sdn.xml under (for reference: the root is recognised by its local name).
KNOWN_NAMESPACES = (
    "http://tempuri.org/sdnList.xsd",
    "https://tempuri.org/sdnList.xsd",
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML",
)
KINDS = {"entity": "company", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
WHAT = "The SDN XML"
_TRUNCATED_CODES = {3, 5, 6}  # expat: no element found, unclosed token, partial character
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(?:%\s+)?([^\s>]+)\s+(?:(SYSTEM|PUBLIC)\s+(?:\"[^\"]*\"\s+)?[\"']([^\"']*))?")
_ERROR_POSITION = re.compile(r": line \d+, column \d+$")


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag `{ns}name`."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class _StreamBuilder(TreeBuilder):
    """A TreeBuilder that checks the root as soon as it opens and notes each child of the root as it closes,
    with the line of its opening tag (for `source_line`).

    iterparse hands events over in batches after each chunk, when expat has moved on, so lines are taken here,
    while expat is still at the tag; a wrong root is refused before the rest of the file is read.
    """

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.depth = 0
        self.root: Element | None = None
        self.namespace = ""
        self.entry_tag = ENTRY
        self.child_line = 0
        self.closed_children: deque[tuple[Element, int]] = deque()

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.depth += 1
        if self.depth == 1:
            ns, local = _local(tag)
            if local != ROOT:
                hint = " (that is OFAC's advanced XML; import sdn.xml)" if local == "Sanctions" else ""
                in_ns = f" in namespace {ns!r}" if ns else ""
                raise ImportRejected(f"{WHAT}'s root element is <{local}>{in_ns}, not <{ROOT}>{hint}.")
            self.namespace = ns
            self.entry_tag = f"{{{ns}}}{ENTRY}" if ns else ENTRY
        elif self.depth == 2:
            self.child_line = self.expat.CurrentLineNumber
        elem = super().start(tag, attrs)
        if self.depth == 1:
            self.root = elem
        return elem

    def end(self, tag: str) -> Element:
        elem = super().end(tag)
        if self.depth == 2:
            self.closed_children.append((elem, self.child_line))
        self.depth -= 1
        return elem


def _to_python(elem: Element) -> Any:
    """An element as plain data: text for a leaf, a list for a `...List` container, else a dict by tag."""
    if not len(elem):
        return (elem.text or "").strip() or None
    if elem.tag.endswith("List"):
        return [_to_python(child) for child in elem]
    return {child.tag.rpartition("}")[2]: _to_python(child) for child in elem}


def _depth(elem: Element) -> int:
    """Levels of elements under and including `elem`, counted without recursion (`_to_python` recurses)."""
    deepest = 0
    stack = [(elem, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def _records(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _full_name(record: dict[str, Any]) -> str | None:
    parts = [p for p in (_text(record.get("firstName")), _text(record.get("lastName"))) if p]
    return " ".join(parts) or None


def _sniff(content: bytes) -> None:
    """Refuse what is plainly not an XML document before parsing it."""
    if not content.strip():
        raise ImportRejected(f"{WHAT} file is empty.")
    if content.startswith(b"PK\x03\x04"):
        raise ImportRejected(
            f"{WHAT} file is a zip archive; upload sdn.xml itself, or the legacy CSV set with the format "
            "'ofac_sdn_csv'."
        )
    for signature, kind in BINARY_SIGNATURES:
        if content.startswith(signature):
            raise ImportRejected(f"{WHAT} file is {kind}, not XML.")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: expat reads it
        return
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        raise ImportRejected(f"{WHAT} file is not XML: it starts with {head[:16]!r}.")


def _where(builder: _StreamBuilder) -> str:
    line = builder.expat.CurrentLineNumber
    column = builder.expat.CurrentColumnNumber + 1
    return f"line {line}, column {column}"


def _dtd_refusal(content: bytes, exc: DTDForbidden, where: str) -> ImportRejected:
    """Say what the refused DTD was for: entity expansion (a bomb), external entities (XXE) or neither."""
    declared = _ENTITY_DECL.findall(content[:1_000_000])
    external = [(name.decode(errors="replace"), ref.decode(errors="replace")) for name, kind, ref in declared if kind]
    if external:
        name, ref = external[0]
        return ImportRejected(
            f"{WHAT} declares an external entity {name!r} (referring to {ref!r}) in a DTD at {where}; external "
            "entities (XXE) and DTDs are refused for safety."
        )
    if declared:
        names = [name.decode(errors="replace") for name, _, _ in declared]
        shown = ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        return ImportRejected(
            f"{WHAT} declares entities ({shown}) in a DTD at {where}; entity expansion (an XML bomb) and DTDs "
            "are refused for safety."
        )
    if exc.sysid or exc.pubid:
        return ImportRejected(
            f"{WHAT} declares a DTD <!DOCTYPE {exc.name}> referring to {exc.sysid or exc.pubid!r} at {where}; "
            "external DTDs are refused for safety."
        )
    return ImportRejected(
        f"{WHAT} declares a DTD <!DOCTYPE {exc.name}> at {where}, which is refused for safety (OFAC's sdn.xml has "
        "none)."
    )


class _Entries:
    """Turns each <sdnEntry> into a ParsedEntry or a RejectedRow."""

    def __init__(self) -> None:
        self.result = ParseResult()
        self.countries = CountryLookup()
        self.seen_uids: dict[str, int] = {}

    def add(self, data: Any, line: int) -> None:
        where = f"sdnEntry at line {line}"
        if not isinstance(data, dict):
            self.result.rejected.append(RejectedRow(line, f"{where} has no fields"))
            return
        uid = _text(data.get("uid"))
        if not uid or not uid.isdigit():
            self.result.rejected.append(RejectedRow(line, f"{where}: uid {uid!r} is not a number"))
            return
        where = f"sdnEntry uid {uid} at line {line}"
        if uid in self.seen_uids:
            self.result.rejected.append(RejectedRow(line, f"{where}: uid repeats line {self.seen_uids[uid]}"))
            return
        last = _text(data.get("lastName"))
        if not last:
            self.result.rejected.append(RejectedRow(line, f"{where}: lastName is empty"))
            return
        self.seen_uids[uid] = line
        name = _full_name(data) or last
        aliases: list[str] = []
        weak: list[str] = []
        seen = {name.casefold()}
        for aka in _records(data.get("akaList")):
            alias = _full_name(aka)
            if not alias:
                continue
            if (_text(aka.get("category")) or "strong").lower() == "weak":
                weak.append(alias)
            elif alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        programs = data.get("programList")
        raw = dict(data)
        if weak:
            raw["weak_aliases"] = weak
        self.result.entries.append(
            ParsedEntry(
                name=name,
                aliases=tuple(aliases),
                country=self.countries.single([_text(a.get("country")) for a in _records(data.get("addressList"))]),
                programs=tuple(p for p in map(_text, programs) if p) if isinstance(programs, list) else (),
                remarks=_text(data.get("remarks")),
                source_line=line,
                raw=raw,
                kind=KINDS.get((_text(data.get("sdnType")) or "").lower(), "other"),
            )
        )


def parse(content: bytes) -> ParseResult:
    """Stream sdn.xml into one entry per <sdnEntry>; refuse unsafe, malformed or foreign XML as a whole."""
    _sniff(content)
    builder = _StreamBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    entries = _Entries()
    closed = builder.closed_children
    try:
        for _event, elem in iterparse(io.BytesIO(content), events=("end",), parser=parser):
            if not closed or closed[0][0] is not elem:
                continue  # an element inside an entry: read with its entry
            _, line = closed.popleft()
            if elem.tag == builder.entry_tag:
                if _depth(elem) > MAX_RAW_DEPTH:
                    reason = f"sdnEntry at line {line} nests elements deeper than {MAX_RAW_DEPTH} levels"
                    entries.result.rejected.append(RejectedRow(line, reason))
                else:
                    entries.add(_to_python(elem), line)
            assert builder.root is not None
            builder.root.clear()  # drop what has been read: memory stays flat however long the list
    except DTDForbidden as exc:
        raise _dtd_refusal(content, exc, _where(builder)) from exc
    except EntitiesForbidden as exc:
        raise ImportRejected(
            f"{WHAT} declares the entity {exc.name!r} at {_where(builder)}; entities are refused for safety."
        ) from exc
    except ExternalReferenceForbidden as exc:
        raise ImportRejected(
            f"{WHAT} refers to the external resource {exc.sysid!r} at {_where(builder)}; refused for safety."
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        reason = _ERROR_POSITION.sub("", str(exc))
        if exc.code in _TRUNCATED_CODES:
            reason += "; the file ends before the document does (truncated?)"
        elif b"encoding=" not in content[:200]:
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as bad:
                reason += (
                    f"; the file is not UTF-8 (byte 0x{content[bad.start]:02X} at offset {bad.start}) and its XML "
                    "declaration names no other encoding"
                )
        raise ImportRejected(f"{WHAT} is malformed at line {line}, column {column + 1}: {reason}.") from exc
    if not entries.result.entries and not entries.result.rejected:
        in_ns = f" in namespace {builder.namespace!r}" if builder.namespace else ""
        raise ImportRejected(f"{WHAT} has no <{ENTRY}> elements{in_ns}.")
    return entries.result
