"""The DoD Section 1260H list as a CSV: one row per listing period of a company.

Header: Name, Clean Name, Alias, Previous Name, Parent Name, Note, Start date, End date, Source Url.
`Name` is the printed form, with the acronym in parentheses and a trailing `*` in early editions; the entry
takes `Clean Name` (or Name without the `*` and acronym) as its name, and the acronym, `Alias` and
`Previous Name` as aliases. The list names no countries, so entries carry none.
"""

import csv
import io
import re

from app.core.errors import ImportRejected
from app.screening.importers.base import ParsedEntry, ParseResult, RejectedRow, decode_text, parse_iso_date

FORMAT = "dod_1260h_csv"
REQUIRED_COLUMNS = ("Name", "Start date")
KNOWN_COLUMNS = (
    "Name",
    "Clean Name",
    "Alias",
    "Previous Name",
    "Parent Name",
    "Note",
    "Start date",
    "End date",
    "Source Url",
)
PROGRAM = "NDAA FY2021 s.1260H"
_TRAILING_ACRONYM = re.compile(r"\s*\(([^()]+)\)\s*$")
_FORMERLY = re.compile(r"^(formerly|previously)\s+", re.IGNORECASE)


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def parse(content: bytes) -> ParseResult:
    text = decode_text(content, "The 1260H file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportRejected(
            f"Line 1: the header lacks column(s) {missing}; expected the 1260H layout {list(KNOWN_COLUMNS)}."
        )
    result = ParseResult()
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                result.rejected.append(
                    RejectedRow(line, f"{len(header) + len(row[None])} fields, header has {len(header)}")
                )  # type: ignore[index]
                continue
            printed = (row.get("Name") or "").strip()
            if not printed:
                result.rejected.append(RejectedRow(line, "Name is empty"))
                continue
            try:
                start = parse_iso_date(row.get("Start date") or "", "Start date")
                end = parse_iso_date(row.get("End date") or "", "End date")
            except ValueError as exc:
                result.rejected.append(RejectedRow(line, str(exc)))
                continue
            if start and end and end < start:
                result.rejected.append(RejectedRow(line, f"End date {end} is before Start date {start}"))
                continue
            bare = printed.rstrip("*").strip()
            acronym = _TRAILING_ACRONYM.search(bare)
            name = (row.get("Clean Name") or "").strip() or _TRAILING_ACRONYM.sub("", bare).strip() or bare
            aliases: list[str] = []
            for alias in [
                *([_FORMERLY.sub("", acronym.group(1)).strip()] if acronym else []),
                *_split_names(row.get("Alias") or ""),
                *_split_names(row.get("Previous Name") or ""),
            ]:
                if alias and alias != name and alias not in aliases:
                    aliases.append(alias)
            result.entries.append(
                ParsedEntry(
                    name=name,
                    aliases=tuple(aliases),
                    programs=(PROGRAM,),
                    start_date=start,
                    end_date=end,
                    parent_name=(row.get("Parent Name") or "").strip() or None,
                    remarks=(row.get("Note") or "").strip() or None,
                    source_url=(row.get("Source Url") or "").strip() or None,
                    source_line=line,
                    raw={k: v for k, v in row.items() if k is not None},
                )
            )
    except csv.Error as exc:
        raise ImportRejected(f"Line {reader.line_num}: not a readable CSV ({exc}).") from exc
    return result
