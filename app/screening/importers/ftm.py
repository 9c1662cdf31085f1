"""OpenSanctions / FollowTheMoney (FtM) entities as JSON lines: one JSON object per line.

Each line is `{"id", "schema", "properties": {prop: [str, ...]}, ...}`; OpenSanctions exports add "caption",
"datasets", "referents", "first_seen", "last_seen", "last_change" and "target". Files run to millions of lines,
so `read` streams them: it reads a seekable file twice, line by line (each line decoded on its own, so a bad
byte is reported with its offset in the file). The first pass keeps only what links lines to each other (see
below) and where each entity's line starts; the second yields the entries one at a time, so a caller can store
them as they come and never hold the file or its entries. `parse` collects the same entries from bytes.

Entity-like schemas become entries: Company, Organization, LegalEntity, PublicBody (kind company), Person
(person), Vessel (vessel), Airplane (aircraft). Every other schema (Sanction, Ownership, Address,
Identification, Passport, Directorship, Family, ...) is not an entry; such lines are counted per schema in
`FtmParseResult.skipped`. So are entities with `"target": false`: OpenSanctions marks with it the entities that
are only there because a listed one points at them (a parent company, a relative), and importing those as list
entries would flag parties that are not listed. Lines without "target" (plain FtM) are all imported.

Per entity: the first `name` is the name; the other names, then `alias`, `previousName` and `weakAlias`, are the
aliases (deduplicated, order kept). Country: the first value of `country`, `jurisdiction`, `nationality`,
`citizenship`, `mainCountry`, `flag` that is an ISO 3166-1 alpha-2 code, upper-cased (FtM also has codes such as
"suhh", "eu" or "zz" that are not countries; they are passed over). Programs: `program` (else `programId`);
OpenSanctions `topics` ("sanction", "debarment") are tags, not programs, and stay in the raw object. Remarks:
`notes` and `summary`. Source URL: the first `sourceUrl`. Start: `startDate` (else `createdAt`); end: `endDate`.

Links to other lines, gathered by the first pass, so they may come before or after the entity (the names of
parents are read back from their own lines):
- In real OpenSanctions exports the listing dates and programs are not on the entity but on `Sanction` lines
  that name it in `entity`. An entity without its own dates or programs takes them from its Sanctions:
  `program` (else `programId`), the earliest `startDate` (else `listingDate`), and an end date only when every
  Sanction has ended (the latest `endDate`), since one open Sanction keeps the entity listed.
- `parent` (an entity id) and `Ownership` lines (`owner` -> `asset`) give `parent_name`: the name of the first
  parent or owner found in the same file, whether or not it is a target. An id that names nothing in the file
  gives no parent name. Each line's own `parent` counts, even when another line repeats its id.

Dates: FtM dates may be partial. "2021-06-03" (and timestamps such as "2021-06-03T12:00:00Z", whose date part
is taken) is used as is; a partial date is read as the FIRST day of its period: "2021" -> 2021-01-01 and
"2021-06" -> 2021-06-01. That is exact for a start date; for an end date it ends the listing up to a year
early, which is noted here because no choice is right for both. Anything else rejects the line with a reason.

Whole-file refusals (ImportRejected, raised by the first pass, before any entry comes out): a file that is empty,
is not UTF-8 (byte offset given), or whose first non-blank line is not an FtM object (a CSV, a JSON array or a
pretty-printed JSON document). After the first line, a line that is not valid JSON, not an object, lacks
"schema" or "properties", or is an entity without a name is a rejected row with its line number.
"""

import io
import json
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, BinaryIO

from app.core.errors import ImportRejected
from app.screening.importers.base import MAX_NAME_LENGTH, EntryStream, ParsedEntry, ParseResult, RejectedRow
from app.screening.importers.countries import iso_country

FORMAT = "ftm_jsonl"

ENTITY_KINDS: dict[str, str] = {
    "Company": "company",
    "Organization": "company",
    "LegalEntity": "company",
    "PublicBody": "company",
    "Person": "person",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
ALIAS_PROPERTIES = ("alias", "previousName", "weakAlias")
COUNTRY_PROPERTIES = ("country", "jurisdiction", "nationality", "citizenship", "mainCountry", "flag")

_BOM = b"\xef\xbb\xbf"
_FTM_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?")


@dataclass
class FtmParseResult(ParseResult):
    """A ParseResult that also says which lines were not entries: schema name -> line count."""

    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class FtmStream(EntryStream):
    """An EntryStream that also counts the lines that were not entries, per schema, once `entries` is done."""

    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Listing:
    """An entity's Sanction lines folded in file order: their programs, earliest start, latest end, whether every
    one has ended, and the first source URL."""

    programs: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    ended: bool = True
    source_url: str | None = None

    def add(self, programs: list[str], start: date | None, end: date | None, source_url: str | None) -> None:
        self.programs = tuple(dict.fromkeys((*self.programs, *programs)))
        if start is not None and (self.start is None or start < self.start):
            self.start = start
        if end is None:
            self.ended = False
        elif self.end is None or end > self.end:
            self.end = end
        if self.source_url is None:
            self.source_url = source_url


@dataclass
class _Links:
    """What the first pass keeps: Sanctions and owners per entity id, the ids named as a parent or owner, and
    where each entity line with an id starts (its id's hash and byte offset: 16 bytes a line, not the line)."""

    listings: dict[str, _Listing] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)  # asset id -> owner ids, in file order
    wanted: set[str] = field(default_factory=set)
    id_hashes: "array[int]" = field(default_factory=lambda: array("q"))
    offsets: "array[int]" = field(default_factory=lambda: array("q"))


def parse_ftm_date(value: str, prop: str) -> date:
    """An FtM date, full or partial (first day of the period); ValueError naming the property otherwise."""
    match = _FTM_DATE.fullmatch(value.strip())
    if match:
        year, month, day = match.groups()
        try:
            return date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            pass
    raise ValueError(f"{prop} {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")


def _values(props: dict[str, Any], prop: str) -> list[str]:
    """A property's non-blank string values; a bare string (not FtM, but seen in hand-made files) counts as one."""
    raw = props.get(prop)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return [text for v in items if isinstance(v, str) and (text := v.strip())]


def _dates(props: dict[str, Any], label: str, *names: str) -> list[date]:
    """The dates of the first property in `names` that has any values; ValueError naming the object otherwise."""
    for prop in names:
        values = _values(props, prop)
        if values:
            try:
                return [parse_ftm_date(v, prop) for v in values]
            except ValueError as exc:
                raise ValueError(f"{label}: {exc}") from None
    return []


def _programs(props: dict[str, Any]) -> list[str]:
    return _values(props, "program") or _values(props, "programId")


def _label(obj: dict[str, Any]) -> str:
    """How a rejection names the object: its schema and id."""
    entity_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    return f"{obj['schema']} {entity_id!r}" if entity_id else obj["schema"]


def _first_line_problem(number: int, line: str, problem: str) -> ImportRejected:
    """The whole-file refusal when the first non-blank line is not an FtM object, with a guess at what it is."""
    first = line.lstrip()[:1]
    if first == "[":
        hint = " (it starts a JSON array; expected one object per line)"
    elif first == "{" and problem.startswith("not valid JSON"):
        hint = " (a JSON document spread over several lines? expected one object per line)"
    elif first != "{":
        hint = f" (it starts with {line.strip()[:40]!r}: another format, such as a CSV?)"
    else:
        hint = ""
    return ImportRejected(f"Line {number}: {problem}{hint}. Expected FollowTheMoney JSON lines.")


def _check_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The line as an FtM object, or the reason it is not one."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, "JSON nested too deeply to be read"
    if not isinstance(obj, dict):
        return None, f"not a JSON object (a JSON {type(obj).__name__})"
    if not isinstance(obj.get("schema"), str) or not obj["schema"].strip():
        return None, 'the object has no "schema"'
    if not isinstance(obj.get("properties"), dict):
        return None, 'the object has no "properties" object'
    return obj, None


def parse(content: bytes) -> FtmParseResult:
    """Every entry of an FtM file at once (what `read` streams, collected)."""
    stream = read(io.BytesIO(content))
    entries = list(stream.entries)
    return FtmParseResult(entries=entries, rejected=stream.rejected, skipped=stream.skipped)


def read(source: BinaryIO) -> FtmStream:
    """Stream the entries of a seekable FtM file from its current position.

    The first pass runs now and raises ImportRejected when the file cannot be imported at all; the entries come
    from a second pass as `entries` is iterated, with their links resolved, and the rejected rows and skipped
    counts are complete once it is exhausted. The caller keeps `source` open until then.
    """
    start = source.tell()
    links = _scan(source)
    names = _parent_names(source, start, links)
    stream = FtmStream(entries=iter(()))
    stream.entries = _entries(source, start, links, names, stream)
    return stream


def _lines(source: BinaryIO) -> Iterator[tuple[int, int, str]]:
    """(line number, byte offset of its text from where reading began, text) of each non-blank line."""
    offset = 0
    for number, line_bytes in enumerate(source, start=1):
        line_offset, offset = offset, offset + len(line_bytes)
        if number == 1 and line_bytes.startswith(_BOM):
            line_bytes, line_offset = line_bytes[len(_BOM) :], line_offset + len(_BOM)
        try:
            text = line_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"The FtM file is not UTF-8 text (invalid byte at offset {line_offset + exc.start}, line {number})."
            ) from exc
        if text.strip():
            yield number, line_offset, text


def _scan(source: BinaryIO) -> _Links:
    """First pass: refuse a file that is not FtM JSON lines, and keep the links and where entity lines start."""
    links = _Links()
    seen_object = False
    for number, offset, text in _lines(source):
        obj, problem = _check_object(text)
        if obj is None:
            if not seen_object:
                raise _first_line_problem(number, text, problem or "")
            continue  # rejected, with its line number, by the second pass
        seen_object = True
        schema, props = obj["schema"], obj["properties"]
        if schema in ENTITY_KINDS:
            if isinstance(obj.get("id"), str):
                links.id_hashes.append(hash(obj["id"]))
                links.offsets.append(offset)
                links.wanted.update(_values(props, "parent"))
        elif schema == "Sanction":
            try:
                programs, start, end, source_url = _sanction(obj)
            except ValueError:
                continue  # rejected by the second pass
            for target in _values(props, "entity"):
                links.listings.setdefault(target, _Listing()).add(programs, start, end, source_url)
        elif schema == "Ownership":
            for asset in _values(props, "asset"):
                links.owners.setdefault(asset, []).extend(_values(props, "owner"))
    if not seen_object:
        raise ImportRejected("The FtM file is empty.")
    links.wanted.update(owner for owners in links.owners.values() for owner in owners)
    return links


def _sanction(obj: dict[str, Any]) -> tuple[list[str], date | None, date | None, str | None]:
    """A Sanction's programs, earliest start, latest end and first source URL; ValueError for a bad date."""
    props, label = obj["properties"], _label(obj)
    programs = [sys.intern(p) for p in _programs(props)]
    start = min(_dates(props, label, "startDate", "listingDate"), default=None)
    end = max(_dates(props, label, "endDate"), default=None)
    source_url = next(iter(_values(props, "sourceUrl")), None)
    return programs, start, end, None if source_url is None else sys.intern(source_url)


def _parent_names(source: BinaryIO, start: int, links: _Links) -> dict[str, str]:
    """The name of every entity named as a parent or owner, read back from its own lines: the last entry with
    that id, else the last entity that is not a target, as if the whole file had been kept."""
    if not links.wanted:
        return {}
    keys = {hash(i) for i in links.wanted}
    entries: dict[str, str] = {}
    others: dict[str, str] = {}
    for key, offset in zip(links.id_hashes, links.offsets, strict=True):
        if key not in keys:
            continue
        source.seek(start + offset)
        obj, _ = _check_object(source.readline().decode("utf-8"))
        if obj is None or obj.get("id") not in links.wanted:
            continue  # another id with the same hash
        if obj.get("target") is False:
            names = _values(obj["properties"], "name")
            if names:
                others[obj["id"]] = names[0]
            continue
        try:
            entries[obj["id"]] = _entry(obj, ENTITY_KINDS[obj["schema"]], 0).name
        except ValueError:
            continue  # a rejected line names nothing
    return {**others, **entries}


def _entries(
    source: BinaryIO, start: int, links: _Links, names: dict[str, str], stream: FtmStream
) -> Iterator[ParsedEntry]:
    """Second pass: each entry with its links resolved; every other line rejected or counted as skipped."""
    source.seek(start)
    for number, _, text in _lines(source):
        obj, problem = _check_object(text)
        if obj is None:
            stream.rejected.append(RejectedRow(number, problem or ""))
            continue
        try:
            entry = _take(obj, number, stream.skipped)
        except ValueError as exc:
            stream.rejected.append(RejectedRow(number, str(exc)))
            continue
        if entry is None:
            continue
        linked = _linked(entry, links, names)
        if isinstance(linked, RejectedRow):
            stream.rejected.append(linked)
        else:
            yield linked


def _take(obj: dict[str, Any], line: int, skipped: Counter[str]) -> ParsedEntry | None:
    """One FtM object as an entry, or None for a line that is not one (counted in `skipped`). ValueError
    rejects the line."""
    schema: str = obj["schema"]
    kind = ENTITY_KINDS.get(schema)
    if kind is None:
        if schema == "Sanction":
            _sanction(obj)  # the first pass kept it; a bad date rejects the line
        skipped[schema] += 1
        return None
    if obj.get("target") is False:
        skipped[f"{schema} (not a target)"] += 1
        return None
    return _entry(obj, kind, line)


def _entry(obj: dict[str, Any], kind: str, line: int) -> ParsedEntry:
    """The entry an entity line gives, before links; ValueError rejects the line."""
    props: dict[str, Any] = obj["properties"]
    label = _label(obj)
    names = _values(props, "name")
    if not names:
        raise ValueError(f"{label} has no name")
    name = names[0]
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{label}: name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}")
    starts, ends = _dates(props, label, "startDate", "createdAt"), _dates(props, label, "endDate")
    start, end = min(starts, default=None), max(ends, default=None)
    if start and end and end < start:
        raise ValueError(f"{label}: endDate {end} is before startDate {start}")
    aliases = dict.fromkeys([*names[1:], *(v for p in ALIAS_PROPERTIES for v in _values(props, p))])
    country = next(
        (code for p in COUNTRY_PROPERTIES for code in map(iso_country, _values(props, p)) if code is not None), None
    )
    remarks = list(dict.fromkeys([*_values(props, "notes"), *_values(props, "summary")]))
    return ParsedEntry(
        name=name,
        aliases=tuple(a for a in aliases if a != name),
        country=country,
        programs=tuple(dict.fromkeys(_programs(props))),
        start_date=start,
        end_date=end,
        remarks="\n".join(remarks) or None,
        source_url=next(iter(_values(props, "sourceUrl")), None),
        source_line=line,
        raw=obj,
        kind=kind,
    )


def _linked(entry: ParsedEntry, links: _Links, names: dict[str, str]) -> ParsedEntry | RejectedRow:
    """The entry with dates, programs and source URL from its Sanctions and its parent's name (see module doc);
    a rejected row when its Sanctions end before they start."""
    entity_id = entry.raw.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        return entry
    changes: dict[str, Any] = {}
    listing = links.listings.get(entity_id)
    if listing is not None:
        if not entry.programs:
            changes["programs"] = listing.programs
        if entry.start_date is None and entry.end_date is None:
            changes["start_date"] = listing.start
            changes["end_date"] = listing.end if listing.ended else None
        if entry.source_url is None:
            changes["source_url"] = listing.source_url
    if names:
        parents = [*_values(entry.raw["properties"], "parent"), *links.owners.get(entity_id, ())]
        parent = next(
            (names[p] for p in parents if p in names and names[p] != entry.name and len(names[p]) <= MAX_NAME_LENGTH),
            None,
        )
        if parent:
            changes["parent_name"] = parent
    if not changes:
        return entry
    entry = replace(entry, **changes)
    if entry.start_date and entry.end_date and entry.end_date < entry.start_date:
        return RejectedRow(
            entry.source_line or 0, f"its Sanctions end ({entry.end_date}) before they start ({entry.start_date})"
        )
    return entry
