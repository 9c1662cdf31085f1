"""Reading FtM files as a stream: the same entries as parsing the bytes, links resolved in either direction, a
refused file refused before any entry comes out, and memory that does not grow with the entries."""

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ImportRejected
from app.screening.importers.ftm import parse, read

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "ftm_sample.jsonl"


def _lines(*objects: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objects)


def _company(entity_id: str, **fields: Any) -> dict[str, Any]:
    props = fields.pop("props", {})
    return {"id": entity_id, "schema": "Company", "properties": {"name": [entity_id.upper()], **props}, **fields}


def _sanction(entity_id: str, start: str, program: str) -> dict[str, Any]:
    props = {"entity": [entity_id], "startDate": [start], "program": [program]}
    return {"id": f"s-{entity_id}-{start}", "schema": "Sanction", "properties": props}


def _ownership(owner: str, asset: str) -> dict[str, Any]:
    return {"id": f"o-{owner}-{asset}", "schema": "Ownership", "properties": {"owner": [owner], "asset": [asset]}}


LINKED = _lines(
    _sanction("late", "2021-05-01", "SDGT"),  # before its entity
    _company("early", props={"parent": ["parent-after"]}),  # parent named further down
    _ownership("owner-before", "late"),
    _company("owner-before", target=False),
    _company("late"),
    _sanction("early", "2020", "IRAN"),  # after its entity
    _sanction("early", "2019-02", "NPWMD"),
    _company("parent-after"),
    _company("bad-date", props={"startDate": ["soon"]}),
    _company("unlinked"),
)


def test_reading_a_file_gives_what_parsing_its_bytes_gives() -> None:
    for content in (SAMPLE.read_bytes(), LINKED):
        stream = read(io.BytesIO(content))
        entries = list(stream.entries)
        parsed = parse(content)
        assert entries == parsed.entries
        assert stream.rejected == parsed.rejected and stream.skipped == parsed.skipped


def test_links_resolve_whether_they_come_before_or_after_the_entity() -> None:
    entries = {e.raw["id"]: e for e in parse(LINKED).entries}
    assert set(entries) == {"early", "late", "parent-after", "unlinked"}
    early, late = entries["early"], entries["late"]
    assert early.programs == ("IRAN", "NPWMD") and str(early.start_date) == "2019-02-01"
    assert early.parent_name == "PARENT-AFTER"
    assert late.programs == ("SDGT",) and str(late.start_date) == "2021-05-01"
    assert late.parent_name == "OWNER-BEFORE"  # not a target, still a parent's name
    assert entries["unlinked"].parent_name is None and entries["unlinked"].programs == ()


def test_an_entry_takes_its_own_parent_when_another_line_repeats_its_id() -> None:
    content = _lines(
        _company("p1"),
        _company("p2"),
        _company("twin", props={"parent": ["p1"], "name": ["Twin One"]}),
        _company("twin", props={"parent": ["p2"], "name": ["Twin Two"]}),
    )
    parents = [(e.name, e.parent_name) for e in parse(content).entries if e.raw["id"] == "twin"]
    assert parents == [("Twin One", "P1"), ("Twin Two", "P2")]


def test_a_file_that_cannot_be_imported_is_refused_before_any_entry_comes_out() -> None:
    for content in (_lines(_company("a")) + b"\xff\n", b"sdn,csv\n" + _lines(_company("a")), b"\n\n"):
        with pytest.raises(ImportRejected):
            read(io.BytesIO(content))


def test_reading_starts_where_the_file_is_and_counts_from_there() -> None:
    content = _lines(_company("a")) + b"not json\n" + b'{"schema": "Company", "properties": {"name": ["\xff"]}}\n'
    handle = io.BytesIO(b"a header line\n" + content)
    handle.readline()
    offset = content.index(b"\xff")
    with pytest.raises(ImportRejected, match=rf"offset {offset}, line 3\)"):
        read(handle)
    handle = io.BytesIO(b"a header line\n" + _lines(_company("a")) + b"not json\n")
    handle.readline()
    stream = read(handle)
    assert [e.source_line for e in stream.entries] == [1] and [r.line for r in stream.rejected] == [2]


def test_entries_come_one_at_a_time_and_are_not_kept() -> None:
    # 20,000 companies (about 1.6 MB): the first pass keeps 16 bytes a line, the second holds one entry at a time.
    content = _lines(*(_company(f"company-{i:06d}", props={"alias": [f"Alias {i}"]}) for i in range(20_000)))
    tracemalloc.start()
    try:
        stream = read(io.BytesIO(content))
        count = sum(1 for _ in stream.entries)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < len(content) / 4
