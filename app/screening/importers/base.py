"""What every list importer produces: parsed entries and rejected rows with line numbers. Pure, no database."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from app.core.errors import ImportRejected


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

    def digest(self) -> str:
        """Content digest of the parsed entries: identical content imports to the same digest."""
        h = hashlib.sha256()
        for entry in self.entries:
            fields = asdict(entry)
            # Fields added later count only when set, so content imported before they existed keeps its digest.
            for late in ("kind", "source_list"):
                if fields[late] is None:
                    del fields[late]
            h.update(json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False).encode())
            h.update(b"\n")
        return h.hexdigest()


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
