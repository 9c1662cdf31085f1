"""Importing a list a batch at a time: from an open file as from bytes, identical content still writes nothing
once batches were written, and a file with nothing storable leaves no version behind."""

import io
import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.core.errors import ImportRejected
from app.db.session import unit_of_work
from app.models import AuditEvent, ListVersion, ScreeningEntry
from app.services import lists
from app.services.paging import PageRequest
from tests.factories import count_rows


def ftm(*names: str) -> bytes:
    objects: list[dict[str, Any]] = [
        {"id": f"e{i}", "schema": "Company", "properties": {"name": [name], "country": ["cn"]}}
        for i, name in enumerate(names)
    ]
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def counts(engine: Engine) -> tuple[int, int, int]:
    return tuple(count_rows(engine, m) for m in (ListVersion, ScreeningEntry, AuditEvent))  # type: ignore[return-value]


COMPANIES = ftm(*(f"Company {i}" for i in range(7)))


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists, "_INSERT_BATCH", 3)


def test_an_open_file_imports_as_its_bytes_do(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first = lists.import_list(session, "US-BIS-EL", "ftm_jsonl", io.BytesIO(COMPANIES), "test", "el.json")
        version = lists.get_list(session, "US-BIS-EL")
        stored = [e.name for e in lists.list_entries(session, "US-BIS-EL", PageRequest(limit=100, offset=0)).items]
    assert (first.created, first.version, first.entries) == (True, 1, 7)
    assert stored == [f"Company {i}" for i in range(7)]
    with unit_of_work(engine) as session:
        again = lists.import_list(session, "US-BIS-EL", "ftm_jsonl", COMPANIES, "test", "el.json")
        assert lists.get_list(session, "US-BIS-EL").content_digest == version.content_digest
    assert (again.created, again.version, again.entries) == (False, 1, 7)


def test_identical_content_writes_nothing_even_after_batches_were_written(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        lists.import_list(session, "US-BIS-EL", "ftm_jsonl", COMPANIES, "test")
    before = counts(engine)
    with unit_of_work(engine) as session:
        outcome = lists.import_list(session, "US-BIS-EL", "ftm_jsonl", io.BytesIO(COMPANIES), "test")
    assert (outcome.created, outcome.version, outcome.entries) == (False, 1, 7)
    assert counts(engine) == before


def test_the_version_counts_the_whole_file(engine: Engine) -> None:
    content = COMPANIES + b"not json\n" + ftm("Company \x00 with a NUL")
    with unit_of_work(engine) as session:
        outcome = lists.import_list(session, "US-BIS-EL", "ftm_jsonl", io.BytesIO(content), "test")
        lst = lists.get_list(session, "US-BIS-EL")
        version = session.exec(select(ListVersion).where(ListVersion.list_id == lst.id)).one()
    assert outcome.entries == 7 and [r.line for r in outcome.rejected] == [8, 9]
    assert (version.version, version.entry_count, version.rejected_count) == (1, 7, 2)
    assert version.content_digest == lst.content_digest and len(version.content_digest) == 64


def test_a_file_with_nothing_storable_leaves_no_version(engine: Engine) -> None:
    before = counts(engine)
    with pytest.raises(ImportRejected, match="No importable rows"), unit_of_work(engine) as session:
        lists.import_list(session, "US-BIS-EL", "ftm_jsonl", io.BytesIO(ftm(*(["Bad \x00 name"] * 5))), "test")
    assert counts(engine) == before
