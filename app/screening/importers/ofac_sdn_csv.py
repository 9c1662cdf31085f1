"""OFAC's SDN list in its legacy CSV form: one zip archive holding `sdn.csv` and, optionally, `alt.csv`,
`add.csv` and `sdn_comments.csv` (as OFAC publishes them side by side).

The files have no header row, and `-0-` (often followed by a space) stands for an empty field:

- sdn.csv: `ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag,
  Vess_owner, Remarks`. SDN_Type is `-0-` for an entity, else `individual`, `vessel` or `aircraft`.
  Program may hold several programs, written `IRAN] [SDGT`. Individuals are printed `LAST, First`; the
  entry takes `First LAST`, the order the SDN XML gives (`firstName lastName`), so both formats of the same
  list produce the same names; the printed form stays in `raw`.
- alt.csv: `ent_num, alt_num, alt_type, alt_name, alt_remarks`: every aka / fka / nka becomes an alias (the
  type stays in `raw`). Weak a.k.a.s are not in alt.csv; the legacy format writes them into Remarks
  (`a.k.a. 'HESA'`): they are collected into `raw["weak_aliases"]`, not aliases, since OFAC itself calls them
  broad or generic (nicknames, short forms) and they would raise false hits.
- add.csv: `ent_num, add_num, address, city_state_postal, country, add_remarks`: the entry's country is the
  ISO 3166-1 code of the one country its addresses give; none when they give none, several, or a name that
  has no ISO code (Kosovo, "Region: Crimea"). Names are matched against the `name`s of seeds/countries.yaml
  (read once per process from the configured seeds folder) plus OFAC_COUNTRY_SPELLINGS.
- sdn_comments.csv: `ent_num, remarks_extension`: OFAC cuts Remarks at 1,000 characters and continues them
  here, mid-word, so the extension is appended without a separator.

Alias, address and comment rows whose ent_num is not an accepted sdn.csv row are rejected rows, named by file
and line (RejectedRow.line is the line in that file). The format carries no listing dates, so entries have no
start date. A bare `sdn.csv` (not zipped) is accepted too; it has no aliases or addresses then.

Encoding: each file is read as UTF-8 (with or without BOM) and, failing that, as Windows-1252, which older
OFAC legacy files used; bytes that are neither (0x81, 0x8D, 0x8F, 0x90, 0x9D) are refused with their offset.
OFAC ends each file with a DOS end-of-file mark (Ctrl-Z, 0x1A), which is skipped.

Archives are checked before anything is decompressed: at most MAX_ARCHIVE_MEMBERS members, at most
MAX_UNCOMPRESSED_BYTES declared in all, no large member compressed more than MAX_COMPRESSION_RATIO times
(zip bombs), and members are read with the declared size as a cap.
"""

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.core.errors import ImportRejected
from app.screening.importers.base import ParsedEntry, ParseResult, RejectedRow
from app.screening.importers.countries import COUNTRY_NAMES

FORMAT = "ofac_sdn_csv"
NULL = "-0-"
SDN_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
COMMENTS_COLUMNS = ("ent_num", "remarks_extension")
SDN_FILE, ALT_FILE, ADD_FILE, COMMENTS_FILE = "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"

# Zip-bomb limits. The full SDN CSV set is about 10 MB uncompressed and deflates about 5:1.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # tiny members may legitimately compress very well
MAX_ARCHIVE_MEMBERS = 1000

KINDS = {"": "company", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}

# OFAC's spellings of country names that differ from the ISO short names in seeds/countries.yaml (which are
# matched too, ignoring case, accents and punctuation, so "Cote d Ivoire" and "Curacao" need no entry here).
# Deliberately absent, so they give no country: "Kosovo" (XK is not an ISO 3166-1 code), "Netherlands
# Antilles" (AN, withdrawn in 2010), "Region: Crimea" and "Region: Kafia Kingi" (disputed), "undetermined".
OFAC_COUNTRY_SPELLINGS = {
    "Bahamas, The": "BS",
    "Bolivia": "BO",
    "Brunei": "BN",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo, Democratic Republic of the": "CD",
    "Congo, Republic of the": "CG",
    "Czech Republic": "CZ",
    "Gambia, The": "GM",
    "The Gambia": "GM",
    "Iran": "IR",
    "Korea, North": "KP",
    "North Korea": "KP",
    "Korea, South": "KR",
    "South Korea": "KR",
    "Laos": "LA",
    "Macau": "MO",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Moldova": "MD",
    "Palestinian": "PS",
    "West Bank": "PS",
    "Region: Gaza": "PS",
    "Region: Northern Mali": "ML",
    "Russia": "RU",
    "Sint Maarten": "SX",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tanzania": "TZ",
    "Turkey": "TR",
    "Vatican City": "VA",
    "Venezuela": "VE",
    "Vietnam": "VN",
}

# A weak a.k.a. in Remarks: `a.k.a. 'HESA';` or `... 'HESA'.` at the end (names may contain apostrophes).
_WEAK_AKA = re.compile(r"\b[afn]\.k\.a\.,? '(.+?)'(?=[;.]|$)")
BINARY_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


# -- countries --------------------------------------------------------------------------------------------


def _country_key(name: str) -> str:
    """Case-, accent- and punctuation-blind key: "Côte d'Ivoire" and "Cote d Ivoire" meet."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded.casefold()).split())


@cache
def _country_codes() -> dict[str, str]:
    """Country-name key -> ISO code, from the ISO short names plus OFAC_COUNTRY_SPELLINGS."""
    codes = {_country_key(name): code for code, name in COUNTRY_NAMES.items()}
    codes.update({_country_key(name): code for name, code in OFAC_COUNTRY_SPELLINGS.items()})
    return codes


class CountryLookup:
    """Maps OFAC country names to ISO codes for one parse, remembering each distinct name it has seen."""

    def __init__(self) -> None:
        self._codes = _country_codes()
        self._seen: dict[str, str | None] = {}

    def code(self, name: str | None) -> str | None:
        """The ISO 3166-1 alpha-2 code for a country as OFAC names it, or None when it has none."""
        if not name:
            return None
        if name not in self._seen:
            self._seen[name] = self._codes.get(_country_key(name))
        return self._seen[name]

    def single(self, names: list[str | None]) -> str | None:
        """The code of the one country the addresses give; None for none, several, or any without a code."""
        codes = {self.code(n) for n in names if n}
        return codes.pop() if len(codes) == 1 and None not in codes else None


def country_code(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country as OFAC names it, or None when it has none."""
    return CountryLookup().code(name)


def person_name(printed: str) -> str:
    """`LAST, First` -> `First LAST` (OFAC prints the last name first, up to the first comma)."""
    last, sep, first = printed.partition(",")
    return f"{first.strip()} {last.strip()}" if sep and first.strip() and last.strip() else printed


def weak_aliases(remarks: str | None) -> list[str]:
    """The weak a.k.a.s the legacy format writes into Remarks. A few are quoted twice (`''FOOPIE''`): the inner
    pair goes; a lone leading apostrophe (`''ABD AL-RAHMAN'`, an ayn) stays."""
    names = []
    for match in _WEAK_AKA.finditer(remarks or ""):
        name = match.group(1).strip()
        if len(name) > 2 and name[0] == name[-1] == "'":
            name = name[1:-1].strip()
        names.append(name)
    return names


# -- bytes to rows ------------------------------------------------------------------------------------------


def _refuse_binary(content: bytes, what: str) -> None:
    for signature, kind in BINARY_SIGNATURES:
        if content.startswith(signature):
            raise ImportRejected(f"{what} is {kind}, not OFAC's SDN CSV set.")
    nul = content.find(b"\0", 0, 8192)
    if nul >= 0:
        raise ImportRejected(f"{what} is binary data (a NUL byte at offset {nul}), not CSV text.")
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if head.startswith((b"<?xml", b"<sdnlist")):
        raise ImportRejected(f"{what} is XML, not CSV; import OFAC's sdn.xml with the format 'ofac_sdn_xml'.")


def _decode(content: bytes, what: str) -> str:
    """UTF-8 (BOM or not), else Windows-1252; refuse anything else with the offending offset."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"{what} is neither UTF-8 nor Windows-1252 text (byte 0x{content[exc.start]:02X} at offset {exc.start})."
        ) from exc


def _value(text: str) -> str | None:
    text = text.strip()
    return text if text and text != NULL else None


def _rows(text: str, what: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, fields) for each row, skipping blank lines and OFAC's trailing Ctrl-Z."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip(" \t\x1a")):
                continue
            yield start, row
    except csv.Error as exc:
        raise ImportRejected(f"{what} line {reader.line_num}: not a readable CSV ({exc}).") from exc


@dataclass
class _Files:
    """The decoded text of each file of the set; None for an optional file the upload does not have."""

    sdn: str
    alt: str | None = None
    add: str | None = None
    comments: str | None = None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except RuntimeError as exc:  # encrypted member
        raise ImportRejected(f"{info.filename} in the archive is encrypted; upload an unencrypted zip.") from exc
    except NotImplementedError as exc:
        raise ImportRejected(f"{info.filename} in the archive uses an unsupported compression method.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportRejected(f"The zip archive is truncated or corrupt ({info.filename}: {exc}).") from exc
    if len(data) > info.file_size:
        raise ImportRejected(f"{info.filename} in the archive is larger than its declared size; refused.")
    return data


def _unzip(content: bytes) -> _Files:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ImportRejected(f"The zip archive is truncated or corrupt ({exc}).") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ImportRejected(f"The zip archive has {len(members)} members; at most {MAX_ARCHIVE_MEMBERS}.")
        files = [m for m in members if not m.is_dir()]
        if not files:
            raise ImportRejected("The zip archive is empty (no files); it must contain sdn.csv.")
        declared = sum(m.file_size for m in files)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise ImportRejected(
                f"The zip archive declares {declared:,} bytes uncompressed, over the {MAX_UNCOMPRESSED_BYTES:,} "
                "byte limit (zip bomb?); refused."
            )
        for m in files:
            ratio = m.file_size / max(m.compress_size, 1)
            if m.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise ImportRejected(
                    f"{m.filename} in the archive is compressed {ratio:,.0f} to 1, over the "
                    f"{MAX_COMPRESSION_RATIO} to 1 limit (zip bomb?); refused."
                )
        by_name: dict[str, zipfile.ZipInfo] = {}
        for m in files:
            base = m.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if base in (SDN_FILE, ALT_FILE, ADD_FILE, COMMENTS_FILE):
                if base in by_name:
                    raise ImportRejected(
                        f"The zip archive holds {base} twice ({by_name[base].filename}, {m.filename}); "
                        "upload one SDN set."
                    )
                by_name[base] = m
        if SDN_FILE not in by_name:
            names = [m.filename for m in files]
            shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            hint = (
                " (for sdn.xml use the format 'ofac_sdn_xml')" if any(n.lower().endswith(".xml") for n in names) else ""
            )
            raise ImportRejected(f"The zip archive has no sdn.csv; it contains: {shown}{hint}.")
        texts: dict[str, str | None] = {}
        for base in (SDN_FILE, ALT_FILE, ADD_FILE, COMMENTS_FILE):
            info = by_name.get(base)
            if info is None:
                texts[base] = None
                continue
            data = _read_member(archive, info)
            what = f"{info.filename} in the archive"
            if base == SDN_FILE and not data.strip(b" \t\r\n\x1a"):
                raise ImportRejected(f"{what} is empty.")
            _refuse_binary(data, what)
            texts[base] = _decode(data, what)
    sdn = texts[SDN_FILE]
    assert sdn is not None
    return _Files(sdn=sdn, alt=texts[ALT_FILE], add=texts[ADD_FILE], comments=texts[COMMENTS_FILE])


def _files(content: bytes) -> _Files:
    if not content.strip(b" \t\r\n\x1a"):
        raise ImportRejected("The SDN upload is empty.")
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _unzip(content)
    _refuse_binary(content, "The SDN upload")
    return _Files(sdn=_decode(content, "sdn.csv"))


# -- rows to entries ----------------------------------------------------------------------------------------


def _sdn_row(fields: list[str]) -> dict[str, str | None]:
    return {column: _value(v) for column, v in zip(SDN_COLUMNS, fields, strict=True)}


def _programs(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip(" []") for p in (value or "").split("] [") if p.strip(" []"))


def _side_rows(
    text: str | None,
    file: str,
    columns: tuple[str, ...],
    accepted: set[str],
    refused: dict[str, int],
    required: str | None = None,
) -> tuple[dict[str, list[dict[str, str | None]]], list[RejectedRow]]:
    """Rows of alt/add/comments grouped by ent_num. Rows of the wrong width, for an ent_num that is not an
    accepted sdn.csv row, or with the `required` column empty are rejected, named by file and line."""
    grouped: dict[str, list[dict[str, str | None]]] = {}
    rejected: list[RejectedRow] = []
    if text is None:
        return grouped, rejected
    for line, fields in _rows(text, file):
        where = f"{file} line {line}"
        if len(fields) != len(columns):
            rejected.append(
                RejectedRow(line, f"{where}: {len(fields)} fields, expected {len(columns)} ({', '.join(columns)})")
            )
            continue
        row = {
            column: _value(v) if column != "remarks_extension" else v for column, v in zip(columns, fields, strict=True)
        }
        ent_num = (row["ent_num"] or "").strip()
        if ent_num not in accepted:
            why = f"rejected at sdn.csv line {refused[ent_num]}" if ent_num in refused else "not in sdn.csv"
            rejected.append(RejectedRow(line, f"{where}: ent_num {ent_num or '(empty)'} is {why}"))
            continue
        if required and not row[required]:
            rejected.append(RejectedRow(line, f"{where}: {required} is empty"))
            continue
        grouped.setdefault(ent_num, []).append(row)
    return grouped, rejected


def parse(content: bytes) -> ParseResult:
    """Parse a zip of the SDN CSV set (or a bare sdn.csv) into one entry per sdn.csv row."""
    files = _files(content)
    result = ParseResult()
    sdn_rows: list[tuple[int, dict[str, str | None], str]] = []
    accepted: dict[str, int] = {}
    refused: dict[str, int] = {}
    for line, fields in _rows(files.sdn, SDN_FILE):
        where = f"{SDN_FILE} line {line}"
        ent_num = fields[0].strip()
        if len(fields) != len(SDN_COLUMNS):
            result.rejected.append(RejectedRow(line, f"{where}: {len(fields)} fields, expected {len(SDN_COLUMNS)}"))
            refused.setdefault(ent_num, line)
            continue
        row = _sdn_row(fields)
        if not ent_num.isdigit():
            result.rejected.append(RejectedRow(line, f"{where}: ent_num {ent_num!r} is not a number"))
            continue
        if ent_num in accepted:
            result.rejected.append(RejectedRow(line, f"{where}: ent_num {ent_num} repeats line {accepted[ent_num]}"))
            continue
        if not row["SDN_Name"]:
            result.rejected.append(RejectedRow(line, f"{where}: SDN_Name is empty"))
            refused.setdefault(ent_num, line)
            continue
        accepted[ent_num] = line
        sdn_rows.append((line, row, fields[-1]))
    if not sdn_rows:
        first = f" (first problem: {result.rejected[0].reason})" if result.rejected else ""
        raise ImportRejected(
            f"sdn.csv has no row in the SDN layout of {len(SDN_COLUMNS)} fields ({', '.join(SDN_COLUMNS)}){first}."
        )

    ids = set(accepted)
    countries = CountryLookup()
    comments, rejected_comments = _side_rows(files.comments, COMMENTS_FILE, COMMENTS_COLUMNS, ids, refused)
    alts, rejected_alts = _side_rows(files.alt, ALT_FILE, ALT_COLUMNS, ids, refused, required="alt_name")
    adds, rejected_adds = _side_rows(files.add, ADD_FILE, ADD_COLUMNS, ids, refused)
    for line, row, remarks_field in sdn_rows:
        ent_num = row["ent_num"] or ""
        printed = row["SDN_Name"] or ""
        type_ = (row["SDN_Type"] or "").lower()
        kind = KINDS.get(type_, "other")
        is_person = kind == "person"
        name = person_name(printed) if is_person else printed
        # The cut falls anywhere, even on a space, so the unstripped texts are joined and then stripped.
        remarks_text = remarks_field if row["Remarks"] else ""
        for extension in comments.get(ent_num, []):
            remarks_text += extension["remarks_extension"] or ""
        remarks = _value(remarks_text)
        aliases: list[str] = []
        seen = {name.casefold()}
        alt_rows = alts.get(ent_num, [])
        for alt in alt_rows:
            alias = alt["alt_name"] or ""
            alias = person_name(alias) if is_person else alias
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        add_rows = adds.get(ent_num, [])
        raw: dict[str, Any] = {"sdn": row, "alt": alt_rows, "add": add_rows}
        if ent_num in comments:
            raw["comments"] = comments[ent_num]
        weak = [person_name(w) if is_person else w for w in weak_aliases(remarks)]
        if weak:
            raw["weak_aliases"] = weak
        result.entries.append(
            ParsedEntry(
                name=name,
                aliases=tuple(aliases),
                country=countries.single([a["country"] for a in add_rows]),
                programs=_programs(row["Program"]),
                remarks=remarks,
                source_line=line,
                raw=raw,
                kind=kind,
            )
        )
    result.rejected.extend(rejected_comments + rejected_alts + rejected_adds)
    return result
