"""What every list importer produces: parsed entries and rejected rows with line numbers. Pure, no database."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from app.core.errors import ImportRejected
from app.core.text import line_problem, text_problem

MAX_NAME_LENGTH = 1000  # screening_entry.name and parent_name
MAX_RAW_DEPTH = 16  # nesting of an entry's `raw` source record; real ones nest 4 levels at most
_CONTAINERS = (dict, list, tuple)


@dataclass(frozen=True)
class ParsedEntry:
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    programs: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    parent_name: str | None = None
    remarks: str | None = None
    source_url: str | None = None
    source_line: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # Entity type as the source gives it, normalised to company | person | vessel | aircraft | other.
    kind: str | None = None
    # For files that merge several lists (the trade.gov CSL): the fdi-risk list code this row belongs to.
    source_list: str | None = None


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ParseResult:
    entries: list[ParsedEntry] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def storable(self) -> "ParseResult":
        """The entries that can be stored as they are; each other one becomes a rejected row saying why."""
        entries: list[ParsedEntry] = []
        rejected = list(self.rejected)
        for entry in self.entries:
            problem = entry_problem(entry)
            if problem is None:
                entries.append(entry)
            else:
                rejected.append(RejectedRow(entry.source_line or 0, problem))
        if len(rejected) == len(self.rejected):
            return self
        return ParseResult(entries=entries, rejected=sorted(rejected, key=lambda r: r.line))

    def digest(self) -> str:
        """Content digest of the parsed entries: identical content imports to the same digest."""
        h = hashlib.sha256()
        for entry in self.entries:
            h.update(digest_line(entry))
        return h.hexdigest()


@dataclass
class EntryStream:
    """Entries read one at a time, for files too big to hold: `entries` can be iterated once, and `rejected`
    is complete when it is exhausted."""

    entries: Iterator[ParsedEntry]
    rejected: list[RejectedRow] = field(default_factory=list)


_FIELDS = tuple(f.name for f in fields(ParsedEntry))
_LATE_FIELDS = ("kind", "source_list")


def digest_line(entry: ParsedEntry) -> bytes:
    """An entry's share of a content digest: its fields as canonical JSON and a newline. Fields added later count
    only when set, so content imported before they existed keeps its digest."""
    values = {name: getattr(entry, name) for name in _FIELDS}
    for late in _LATE_FIELDS:
        if values[late] is None:
            del values[late]
    return json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode() + b"\n"


def entry_problem(entry: ParsedEntry) -> str | None:
    """Why an entry cannot be stored, or None: a name longer than its column, a name holding control or bidi
    characters, a NUL or lone surrogate anywhere (PostgreSQL refuses them), a source record nested too deeply."""
    for label, name in (("name", entry.name), ("parent name", entry.parent_name)):
        if name is not None and len(name) > MAX_NAME_LENGTH:
            return f"{label} is {len(name):,} characters long; the limit is {MAX_NAME_LENGTH:,}"
    named = [("name", entry.name), *(("alias", alias) for alias in entry.aliases)]
    if entry.parent_name is not None:
        named.append(("parent name", entry.parent_name))
    for label, name in named:
        problem = line_problem(name)
        if problem:
            return f"{label} {name[:60]!r} {problem}"
    other = [entry.remarks, entry.source_url, entry.country, entry.kind, *entry.programs]
    return _record_problem([entry.raw, [text for text in other if text is not None]])


def _record_problem(record: object) -> str | None:
    """Why the source record cannot be stored: a text PostgreSQL refuses, or nesting deeper than MAX_RAW_DEPTH.
    Walked level by level without recursion, its texts checked in one pass (one check per text would cost about
    as much as parsing the file)."""
    texts: list[str] = []
    level: list[Any] = [record]
    for _ in range(MAX_RAW_DEPTH + 1):
        parts = [part for value in level for part in (value.values() if isinstance(value, dict) else value)]
        texts += [key for value in level if isinstance(value, dict) for key in value]
        texts += [part for part in parts if isinstance(part, str)]
        level = [part for part in parts if isinstance(part, _CONTAINERS)]
        if not level:
            break
    else:
        return f"the source record nests deeper than {MAX_RAW_DEPTH} levels"
    if text_problem("".join(texts)) is None:
        return None
    problem = next(p for p in map(text_problem, texts) if p is not None)
    return f"the source record {problem}"


def decode_text(content: bytes, what: str) -> str:
    """Decode UTF-8 (with or without BOM); refuse other encodings with the byte offset that failed."""
    if not content.strip():
        raise ImportRejected(f"{what} is empty.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"{what} is not UTF-8 text (invalid byte at offset {exc.start}).") from exc


def parse_iso_date(value: str, column: str) -> date | None:
    """An ISO date or empty; raises ValueError naming the column otherwise."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date (YYYY-MM-DD)") from None
