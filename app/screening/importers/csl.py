"""The trade.gov Consolidated Screening List (CSL) as a CSV: 13 US export-control and sanctions lists in one file.

Two real layouts are accepted: the current one, 29 columns starting with `_id`, and the older one, the same 28
columns without `_id`. Multi-valued cells join their values with "; ". Each row belongs to one source list,
named in the `source` column ("Entity List (EL) - Bureau of Industry and Security"); the abbreviation in
parentheses (case and spacing aside, also "NS-MBS List" and the "CAPTA (...)" spelling) picks the fdi-risk list
code in `SOURCE_CODES`, and a row whose source names no known list, or two, is rejected rather than filed under
a guess.

Per row: `name` is the name, `alt_names` the aliases, `programs` the programs, `start_date`/`end_date` ISO dates
(the only date form either real file uses; anything else rejects the row), `remarks` the remarks,
`source_list_url` (or else `source_information_url`) the source URL, and `type` the kind (Entity -> company,
Individual -> person, Vessel -> vessel, Aircraft -> aircraft; anything else, including the empty type that
every non-OFAC list has, -> other). `source_line` is the physical line on which the record starts.

Country: only a code the row itself states, and only when it states one. Citizenships and nationalities come
first (they say who an individual is; an address may only say where they were seen), then the last part of
each address, which is where the CSL puts the ISO country code ("Komitas 26/114, Yerevan, Armenia, AM").
Values that are not ISO 3166-1 codes (postal codes, "China") are passed over; if what is left names two
countries ("Shenyang, CN; Pyongyang, KP") that source decides nothing and the next one is tried; if nothing
decides, the entry has no country. Vessel flags are full country names and are not turned into codes.

Cleaning, done here because the source files are never edited (the raw row is kept untouched):
- C1 control characters are cp1252 bytes decoded as Latin-1 upstream; the older file has "Gui\\x92an" for
  "Gui\\u2019an" (right single quotation mark). They are mapped back to the cp1252 character.
- Leading/trailing spaces are stripped (the older file has " ADRIAN MANUEL HERNANDEZ").
- Entity List alias lists are prose: "...; Hebei Semiconductor; and CETC Research Institute 13". A leading
  "and " is dropped from an alias.
- Nonproliferation (ISN) names carry "; and any successor, sub-unit, or subsidiary thereof". That clause is
  cut from the name (it would spoil every match against the bare company name) and the name as listed goes
  into the remarks, so the scope of the listing is not lost.
"""

import csv
import io
import re
from collections.abc import Iterable

from app.core.errors import ImportRejected
from app.screening.importers.base import (
    MAX_NAME_LENGTH,
    ParsedEntry,
    ParseResult,
    RejectedRow,
    decode_text,
    parse_iso_date,
)
from app.screening.importers.countries import iso_country

FORMAT = "csl_csv"

# The abbreviation in parentheses in the `source` column -> fdi-risk list code.
SOURCE_CODES: dict[str, str] = {
    "DPL": "US-BIS-DPL",
    "EL": "US-BIS-EL",
    "MEU": "US-BIS-MEU",
    "UVL": "US-BIS-UVL",
    "ISN": "US-STATE-ISN",
    "DTC": "US-STATE-DTC",
    "CAP": "US-OFAC-CAPTA",
    "CMIC": "US-OFAC-NS-CMIC",
    "FSE": "US-OFAC-FSE",
    "MBS": "US-OFAC-MBS",
    "PLC": "US-OFAC-PLC",
    "SSI": "US-OFAC-SSI",
    "SDN": "US-OFAC-SDN",
}

CURRENT_COLUMNS: tuple[str, ...] = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
OLDER_COLUMNS: tuple[str, ...] = CURRENT_COLUMNS[1:]
# The columns the importer reads; other columns may come and go without breaking an import.
REQUIRED_COLUMNS = (
    "source",
    "type",
    "programs",
    "name",
    "addresses",
    "start_date",
    "end_date",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "nationalities",
    "source_information_url",
)
KINDS = {"entity": "company", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}

_PARENTHESES = re.compile(r"\(([^()]*)\)")
# Spellings of an abbreviation seen in real CSL files and mirrors besides the plain one.
_ABBREVIATION_ALIASES = {"CAPTA": "CAP"}
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_LEADING_AND = re.compile(r"^and\s+")
_SUCCESSOR_CLAUSE = re.compile(r"\s*;\s*and any successors?\b.*$", re.IGNORECASE | re.DOTALL)


def _abbreviation(text: str) -> str:
    """The list abbreviation a fragment of `source` names: "NS-MBS List" -> "MBS", " el " -> "EL", "CAPTA" -> "CAP"."""
    key = " ".join(text.split()).upper()
    key = re.sub(r"^NS-\s*", "", re.sub(r"\s+LIST$", "", key))
    return _ABBREVIATION_ALIASES.get(key, key)


def source_list_code(source: str) -> str:
    """The fdi-risk list code for a CSL `source` value; ValueError with the reason when there is none.

    The abbreviation is looked for in each parenthesis ("Entity List (EL) - ...", "Non-SDN Menu-Based Sanctions
    List (NS-MBS List) - ...") and in the first word, which covers a bare "SDN" and the "CAPTA (Correspondent
    Account or Payable-Through Account) - Treasury Department" spelling."""
    if not source.strip():
        raise ValueError("source is empty")
    first_word = source.split("(", 1)[0].split()[:1]
    fragments = [*_PARENTHESES.findall(source), *first_word]
    found = {SOURCE_CODES[a] for a in map(_abbreviation, fragments) if a in SOURCE_CODES}
    if len(found) > 1:
        raise ValueError(f"source {source!r} names more than one list ({sorted(found)})")
    if not found:
        raise ValueError(f"source {source!r} is not one of the 13 CSL lists ({', '.join(SOURCE_CODES)})")
    return found.pop()


def _repair_c1(char: str) -> str:
    try:
        return bytes([ord(char)]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D have no cp1252 character: leave them be
        return char


def _clean(value: str) -> str:
    return _C1_CONTROLS.sub(lambda m: _repair_c1(m.group()), value).strip()


def _split(value: str) -> list[str]:
    return [part for part in (_clean(p) for p in value.split(";")) if part]


def _single_country(values: Iterable[str]) -> str | None:
    codes = {code for code in (iso_country(v) for v in values) if code}
    return codes.pop() if len(codes) == 1 else None


def derive_country(row: dict[str, str]) -> str | None:
    """The one ISO country the row states (citizenship/nationality first, then addresses), else None."""
    people = _single_country([*_split(row["citizenships"]), *_split(row["nationalities"])])
    if people:
        return people
    return _single_country(address.rsplit(",", 1)[-1] for address in _split(row["addresses"]))


def _entry(row: dict[str, str], line: int) -> ParsedEntry:
    """One CSV row as an entry; ValueError with the reason when the row cannot be imported."""
    source_list = source_list_code(row["source"])
    listed_name = _clean(row["name"])
    if not listed_name:
        raise ValueError("name is empty")
    name = _SUCCESSOR_CLAUSE.sub("", listed_name) or listed_name
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}")
    start = parse_iso_date(row["start_date"], "start_date")
    end = parse_iso_date(row["end_date"], "end_date")
    if start and end and end < start:
        raise ValueError(f"end_date {end} is before start_date {start}")
    aliases: list[str] = []
    for alias in (_LEADING_AND.sub("", a) for a in _split(row["alt_names"])):
        if alias and alias != name and alias not in aliases:
            aliases.append(alias)
    remarks = [r for r in [_clean(row["remarks"])] if r]
    if name != listed_name:
        remarks.append(f"Listed as: {listed_name}")
    return ParsedEntry(
        name=name,
        aliases=tuple(aliases),
        country=derive_country(row),
        programs=tuple(dict.fromkeys(_split(row["programs"]))),
        start_date=start,
        end_date=end,
        remarks="\n".join(remarks) or None,
        source_url=row["source_list_url"].strip() or row["source_information_url"].strip() or None,
        source_line=line,
        raw=row,
        kind=KINDS.get(row["type"].strip().lower(), "other"),
        source_list=source_list,
    )


def parse(content: bytes) -> ParseResult:
    text = decode_text(content, "The CSL file")
    if not text.strip():  # decode_text lets a lone BOM through
        raise ImportRejected("The CSL file is empty.")
    if text.lstrip()[:1] in ("{", "["):
        raise ImportRejected("The CSL file looks like JSON; expected the trade.gov consolidated.csv (CSV) export.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result = ParseResult()
    header: list[str] | None = None
    rows = 0
    start = 1
    try:
        for fields in reader:
            # The record began on the line after the previous one ended: quoted fields may span lines.
            line, start = start, reader.line_num + 1
            if not fields:  # a blank line
                continue
            if header is None:
                header = [h.strip() for h in fields]
                _check_header(header, line)
                continue
            rows += 1
            if len(fields) != len(header):
                result.rejected.append(RejectedRow(line, f"{len(fields)} fields, header has {len(header)}"))
                continue
            try:
                result.entries.append(_entry(dict(zip(header, fields, strict=True)), line))
            except ValueError as exc:
                result.rejected.append(RejectedRow(line, str(exc)))
    except csv.Error as exc:
        raise ImportRejected(
            f"Line {start}: not a readable CSV ({exc}; read up to line {reader.line_num}). "
            "The file may be truncated or have an unbalanced quote."
        ) from exc
    if header is None:
        raise ImportRejected("The CSL file is empty.")
    if rows == 0:
        raise ImportRejected("The CSL file has a header but no rows.")
    return result


def _check_header(header: list[str], line: int) -> None:
    """Refuse a header that lacks a column the importer reads, naming the layout it was taken for."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not missing:
        return
    if "_id" in header:
        layout, columns = "current 29-column CSL layout (with _id)", CURRENT_COLUMNS
    else:
        layout, columns = "older 28-column CSL layout (without _id)", OLDER_COLUMNS
    raise ImportRejected(
        f"Line {line}: the header lacks column(s) {missing}; expected the {layout}: {', '.join(columns)}."
    )
