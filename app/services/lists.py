"""Screening lists: reading them, and writing a new version from an importer's output. Flush, never commit."""

import hashlib
import io
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import String, Table, cast, delete, func, insert, or_
from sqlmodel import Session, col, select

from app.core.errors import FieldProblem, ImportRejected, NotFound
from app.models import ListVersion, ScreeningEntry, ScreeningList
from app.models._columns import utcnow
from app.schemas.screening_list import ScreeningListPublic
from app.screening.importers import PARSERS, READERS
from app.screening.importers.base import EntryStream, ParsedEntry, ParseResult, RejectedRow, digest_line, entry_problem
from app.services import audit, search
from app.services.paging import PageRequest, PageResult, count

_INSERT_BATCH = 10_000  # entries written per statement; also how many a small file's import holds before writing
_ENTRY_TABLE: Table = ScreeningEntry.__table__  # type: ignore[attr-defined]
SOURCE_NAME_MAX_LENGTH = 500  # list_version.source_name
MAX_REPORTED_REJECTIONS = 100  # rejected rows listed in the 422 of a file with no importable row


@dataclass(frozen=True)
class ImportOutcome:
    list_code: str
    version: int
    entries: int
    rejected: list[RejectedRow]
    created: bool  # False when the content equals the current version's


def get_list(session: Session, code: str) -> ScreeningList:
    found = session.exec(select(ScreeningList).where(ScreeningList.code == code)).first()
    if found is None:
        raise NotFound(f"Screening list {code!r} does not exist (see GET /v1/lists).")
    return found


def _current_version_id(session: Session, lst: ScreeningList) -> int | None:
    if lst.current_version is None:
        return None
    return session.exec(
        select(ListVersion.id).where(ListVersion.list_id == lst.id, ListVersion.version == lst.current_version)
    ).one()


def to_public(session: Session, lst: ScreeningList) -> ScreeningListPublic:
    version_id = _current_version_id(session, lst)
    entries = 0
    if version_id is not None:
        entries = session.exec(
            select(func.count()).select_from(ScreeningEntry).where(ScreeningEntry.list_version_id == version_id)
        ).one()
    return ScreeningListPublic(
        code=lst.code,
        name=lst.name,
        authority=lst.authority,
        category=lst.category,
        ownership_rule=lst.ownership_rule,
        source_url=lst.source_url,
        description=lst.description,
        version=lst.current_version,
        imported_at=lst.imported_at,
        content_digest=lst.content_digest,
        entries=entries,
    )


def all_lists(session: Session) -> list[ScreeningListPublic]:
    return [to_public(session, lst) for lst in session.exec(select(ScreeningList).order_by(col(ScreeningList.code)))]


def list_entries(session: Session, code: str, page: PageRequest, q: str | None = None) -> PageResult[ScreeningEntry]:
    lst = get_list(session, code)
    version_id = _current_version_id(session, lst)
    if version_id is None:
        return PageResult([], 0, page.limit, page.offset)
    query = select(ScreeningEntry).where(ScreeningEntry.list_version_id == version_id)
    if q:
        needle = search.needle(q)
        query = query.where(
            or_(
                func.lower(ScreeningEntry.name).contains(needle, autoescape=True),
                func.lower(cast(ScreeningEntry.aliases, String)).contains(needle, autoescape=True),
            )
        )
    total = count(session, query)
    rows = session.exec(query.order_by(col(ScreeningEntry.id)).limit(page.limit).offset(page.offset))
    return PageResult(list(rows), total, page.limit, page.offset)


def _for_list(parsed: ParseResult, code: str) -> ParseResult:
    """Keep the rows of a multi-list file (the CSL) that belong to `code`; single-list files pass whole."""
    if not any(e.source_list for e in parsed.entries):
        return parsed
    mine = [e for e in parsed.entries if e.source_list == code]
    if not mine:
        present = sorted({e.source_list for e in parsed.entries if e.source_list})
        raise ImportRejected(f"The file has no rows for list {code}; it has rows for {present}.")
    return ParseResult(entries=mine, rejected=parsed.rejected)


def _source_name(name: str | None) -> str | None:
    """The uploaded file's name as kept with the version: what is not printable dropped, cut to the column."""
    kept = "".join(ch for ch in name or "" if ch.isprintable())[:SOURCE_NAME_MAX_LENGTH]
    return kept or None


def import_list(
    session: Session, code: str, fmt: str, content: bytes | BinaryIO, actor: str, source_name: str | None = None
) -> ImportOutcome:
    """Parse `content` (bytes, or a seekable binary file) and write it as the list's next version, all or nothing.

    A file that cannot be imported raises ImportRejected; identical content to the current version writes
    nothing. Entries are stored as they are read, a batch at a time, and formats with a streaming reader (FtM)
    are read that way too, so memory stays flat however big the file. The version is written with the first
    full batch; if the whole file then turns out identical to the current version, it is deleted again.
    """
    lst = get_list(session, code)
    stream = _read(fmt, content, code)
    digest = hashlib.sha256()
    batch: list[ParsedEntry] = []
    unstorable: list[RejectedRow] = []
    version: ListVersion | None = None
    entries = 0
    for entry in stream.entries:
        problem = entry_problem(entry)
        if problem is not None:
            unstorable.append(RejectedRow(entry.source_line or 0, problem))
            continue
        digest.update(digest_line(entry))
        batch.append(entry)
        entries += 1
        if len(batch) == _INSERT_BATCH:
            version = version or _new_version(session, lst, fmt, source_name)
            _insert_entries(session, version, batch)
            batch.clear()
    rejected = stream.rejected + unstorable
    if unstorable:
        rejected.sort(key=lambda r: r.line)
    if not entries:  # nothing was written: a version is written with its first full batch
        raise ImportRejected(
            f"No importable rows in the file ({len(rejected)} rejected).",
            [FieldProblem(f"line {r.line}", r.reason) for r in rejected[:MAX_REPORTED_REJECTIONS]],
        )
    content_digest = digest.hexdigest()
    if lst.current_version is not None and lst.content_digest == content_digest:
        if version is not None:
            _discard(session, version)
        return ImportOutcome(code, lst.current_version, entries, rejected, created=False)
    version = version or _new_version(session, lst, fmt, source_name)
    _insert_entries(session, version, batch)
    version.content_digest = content_digest
    version.entry_count = entries
    version.rejected_count = len(rejected)
    session.add(version)
    before = audit.snapshot(lst)
    lst.current_version = version.version
    lst.content_digest = content_digest
    lst.imported_at = utcnow()
    session.add(lst)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="import",
        object_type="screening_list",
        object_id=code,
        before=before,
        after=audit.snapshot(lst),
    )
    return ImportOutcome(code, version.version, entries, rejected, created=True)


def _read(fmt: str, content: bytes | BinaryIO, code: str) -> EntryStream:
    """The file's entries: streamed by the format's reader when it has one, else parsed whole."""
    reader = READERS.get(fmt)
    if reader is not None:
        return reader(io.BytesIO(content) if isinstance(content, bytes) else content)
    parser = PARSERS.get(fmt)
    if parser is None:
        raise ImportRejected(f"Unknown format {fmt!r}; known formats: {sorted(PARSERS)}.")
    parsed = _for_list(parser(content if isinstance(content, bytes) else content.read()), code)
    return EntryStream(iter(parsed.entries), parsed.rejected)


def _new_version(session: Session, lst: ScreeningList, fmt: str, source_name: str | None) -> ListVersion:
    """The next version's row; its digest and counts are filled in once every entry is written."""
    latest = session.exec(select(func.max(ListVersion.version)).where(ListVersion.list_id == lst.id)).one()
    version = ListVersion(
        list_id=lst.id,  # type: ignore[arg-type]
        version=(latest or 0) + 1,
        content_digest="",
        format=fmt,
        source_name=_source_name(source_name),
        entry_count=0,
    )
    session.add(version)
    session.flush()
    return version


def _insert_entries(session: Session, version: ListVersion, entries: list[ParsedEntry]) -> None:
    """One executemany of plain rows on the table: the ORM's bulk insert would split the batch wherever the
    rows' None columns differ (a statement every few rows), and its per-object bookkeeping costs more still."""
    if not entries:
        return
    rows = [
        {
            "list_version_id": version.id,
            "name": e.name,
            "aliases": list(e.aliases),
            "country": e.country,
            "programs": list(e.programs),
            "start_date": e.start_date,
            "end_date": e.end_date,
            "parent_name": e.parent_name,
            "remarks": e.remarks,
            "source_url": e.source_url,
            "source_line": e.source_line,
            "raw": e.raw,
            "kind": e.kind,
        }
        for e in entries
    ]
    session.execute(insert(_ENTRY_TABLE), rows)


def _discard(session: Session, version: ListVersion) -> None:
    """Remove a version written while its file was read, when it must not be kept after all."""
    session.execute(delete(_ENTRY_TABLE).where(_ENTRY_TABLE.c.list_version_id == version.id))
    session.delete(version)
    session.flush()
