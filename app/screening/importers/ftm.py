"""OpenSanctions / FollowTheMoney (FtM) entities as JSON lines: one JSON object per line.

Each line is `{"id", "schema", "properties": {prop: [str, ...]}, ...}`; OpenSanctions exports add "caption",
"datasets", "referents", "first_seen", "last_seen", "last_change" and "target". Files run to millions of lines,
so the content is read line by line from the bytes (each line decoded on its own, so a bad byte is reported
with its offset in the file) and only the entries are kept.

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

Links to other lines, resolved once the whole file is read (they may come before or after the entity):
- In real OpenSanctions exports the listing dates and programs are not on the entity but on `Sanction` lines
  that name it in `entity`. An entity without its own dates or programs takes them from its Sanctions:
  `program` (else `programId`), the earliest `startDate` (else `listingDate`), and an end date only when every
  Sanction has ended (the latest `endDate`), since one open Sanction keeps the entity listed.
- `parent` (an entity id) and `Ownership` lines (`owner` -> `asset`) give `parent_name`: the name of the first
  parent or owner found in the same file, whether or not it is a target. An id that names nothing in the file
  gives no parent name.

Dates: FtM dates may be partial. "2021-06-03" (and timestamps such as "2021-06-03T12:00:00Z", whose date part
is taken) is used as is; a partial date is read as the FIRST day of its period: "2021" -> 2021-01-01 and
"2021-06" -> 2021-06-01. That is exact for a start date; for an end date it ends the listing up to a year
early, which is noted here because no choice is right for both. Anything else rejects the line with a reason.

Whole-file refusals (ImportRejected): a file that is empty, is not UTF-8 (byte offset given), or whose first
non-blank line is not an FtM object (a CSV, a JSON array or a pretty-printed JSON document). After the first
line, a line that is not valid JSON, not an object, lacks "schema" or "properties", or is an entity without a
name is a rejected row with its line number.
"""

import io
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from app.core.errors import ImportRejected
from app.screening.importers.base import MAX_NAME_LENGTH, ParsedEntry, ParseResult, RejectedRow
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
class _Sanction:
    programs: list[str]
    start: date | None
    end: date | None
    source_url: str | None


@dataclass
class _Links:
    """What other lines say about entities, kept until the whole file has been read."""

    sanctions: dict[str, list[_Sanction]] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)  # asset id -> owner ids, in file order
    other_names: dict[str, str] = field(default_factory=dict)  # id -> name of entities that are not entries


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
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return [v.strip() for v in items if isinstance(v, str) and v.strip()]


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


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with its keys interned: every kept entry repeats the same few dozen keys, and sharing them
    saves about a third of the memory the raw objects take (measured on OpenSanctions-shaped lines)."""
    compact = {sys.intern(k): v for k, v in obj.items()}
    compact["properties"] = {sys.intern(k): v for k, v in obj["properties"].items()}
    return compact


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
    result = FtmParseResult()
    links = _Links()
    offset = 0
    seen_object = False
    # BytesIO shares the caller's buffer; iterating it yields one line at a time, so the file is never held
    # twice (as bytes and as text).
    for number, line_bytes in enumerate(io.BytesIO(content), start=1):
        line_offset, offset = offset, offset + len(line_bytes)
        if number == 1 and line_bytes.startswith(_BOM):
            line_bytes, line_offset = line_bytes[len(_BOM) :], line_offset + len(_BOM)
        try:
            text = line_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"The FtM file is not UTF-8 text (invalid byte at offset {line_offset + exc.start}, line {number})."
            ) from exc
        if not text.strip():
            continue
        obj, problem = _check_object(text)
        if obj is None:
            if not seen_object:
                raise _first_line_problem(number, text, problem or "")
            result.rejected.append(RejectedRow(number, problem or ""))
            continue
        seen_object = True
        try:
            _take(obj, number, result, links)
        except ValueError as exc:
            result.rejected.append(RejectedRow(number, str(exc)))
    if not seen_object:
        raise ImportRejected("The FtM file is empty.")
    _resolve_links(result, links)
    return result


def _take(obj: dict[str, Any], line: int, result: FtmParseResult, links: _Links) -> None:
    """File one FtM object: an entry, a link for later, or a skipped line. ValueError rejects the line."""
    schema: str = obj["schema"]
    props: dict[str, Any] = obj["properties"]
    kind = ENTITY_KINDS.get(schema)
    entity_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    label = f"{schema} {entity_id!r}" if entity_id else schema
    if kind is None:
        if schema == "Sanction":
            sanction = _Sanction(
                programs=_programs(props),
                start=min(_dates(props, label, "startDate", "listingDate"), default=None),
                end=max(_dates(props, label, "endDate"), default=None),
                source_url=next(iter(_values(props, "sourceUrl")), None),
            )
            for target in _values(props, "entity"):
                links.sanctions.setdefault(target, []).append(sanction)
        elif schema == "Ownership":
            for asset in _values(props, "asset"):
                links.owners.setdefault(asset, []).extend(_values(props, "owner"))
        result.skipped[schema] += 1
        return
    names = _values(props, "name")
    if obj.get("target") is False:
        if entity_id and names:
            links.other_names[entity_id] = names[0]
        result.skipped[f"{schema} (not a target)"] += 1
        return
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
    result.entries.append(
        ParsedEntry(
            name=name,
            aliases=tuple(a for a in aliases if a != name),
            country=country,
            programs=tuple(dict.fromkeys(_programs(props))),
            start_date=start,
            end_date=end,
            remarks="\n".join(remarks) or None,
            source_url=next(iter(_values(props, "sourceUrl")), None),
            source_line=line,
            raw=_compact(obj),
            kind=kind,
        )
    )


def _parents(entry: ParsedEntry) -> list[str]:
    return _values(entry.raw["properties"], "parent")


def _resolve_links(result: FtmParseResult, links: _Links) -> None:
    """Fill dates, programs and parent names from Sanction, Ownership and `parent` links (see module doc)."""
    # Only entities that point at a parent are indexed: a dict over every entry would cost memory for nothing.
    parent_ids = {e.raw["id"]: ids for e in result.entries if isinstance(e.raw.get("id"), str) and (ids := _parents(e))}
    if not (links.sanctions or links.owners or parent_ids):
        return
    wanted = {i for ids in parent_ids.values() for i in ids} | {i for ids in links.owners.values() for i in ids}
    names = {e.raw["id"]: e.name for e in result.entries if e.raw.get("id") in wanted}
    names.update((i, n) for i, n in links.other_names.items() if i in wanted and i not in names)
    kept: list[ParsedEntry] = []
    for entry in result.entries:
        entity_id = entry.raw.get("id")
        changes: dict[str, Any] = {}
        sanctions = links.sanctions.get(entity_id, []) if isinstance(entity_id, str) else []
        if sanctions:
            if not entry.programs:
                changes["programs"] = tuple(dict.fromkeys(p for s in sanctions for p in s.programs))
            if entry.start_date is None and entry.end_date is None:
                changes["start_date"] = min((s.start for s in sanctions if s.start), default=None)
                ended = all(s.end for s in sanctions)
                changes["end_date"] = max(s.end for s in sanctions if s.end) if ended else None
            if entry.source_url is None:
                changes["source_url"] = next((s.source_url for s in sanctions if s.source_url), None)
        parents = [*parent_ids.get(entity_id, []), *links.owners.get(entity_id, [])] if entity_id else []
        parent = next(
            (names[p] for p in parents if p in names and names[p] != entry.name and len(names[p]) <= MAX_NAME_LENGTH),
            None,
        )
        if parent:
            changes["parent_name"] = parent
        if changes:
            entry = replace(entry, **changes)
        if entry.start_date and entry.end_date and entry.end_date < entry.start_date:
            result.rejected.append(
                RejectedRow(
                    entry.source_line or 0,
                    f"its Sanctions end ({entry.end_date}) before they start ({entry.start_date})",
                )
            )
            continue
        kept.append(entry)
    result.entries[:] = kept
    result.rejected.sort(key=lambda r: r.line)
