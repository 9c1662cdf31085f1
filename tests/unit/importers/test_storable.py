"""What every importer's entries must be before they are stored: names that fit their column, no character
PostgreSQL refuses, no bidi trick in a name, a source record of bounded depth; otherwise a rejected row."""

from typing import Any

import pytest

from app.screening.importers import ftm, ofac_sdn_xml
from app.screening.importers.base import (
    MAX_NAME_LENGTH,
    MAX_RAW_DEPTH,
    ParsedEntry,
    ParseResult,
    RejectedRow,
    entry_problem,
)


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (ParsedEntry("n" * (MAX_NAME_LENGTH + 1)), "name is 1,001 characters long; the limit is 1,000"),
        (ParsedEntry("Acme", parent_name="p" * (MAX_NAME_LENGTH + 1)), "parent name is 1,001 characters long"),
        (ParsedEntry("Ac\x00me"), "name 'Ac\\x00me' must not contain U+0000 (NUL)"),
        (ParsedEntry("Acme", aliases=("ok", "A\u202eB")), "alias 'A\\u202eB' must not contain U+202E"),
        (ParsedEntry("Acme", parent_name="Two\nlines"), "parent name 'Two\\nlines' must not contain U+000A"),
        (ParsedEntry("Acme", remarks="bad\x00remark"), "the source record must not contain U+0000 (NUL)"),
        (ParsedEntry("Acme", programs=("SDGT", "\udc80")), "the source record must not contain U+DC80"),
        (ParsedEntry("Acme", raw={"Note": "a\x00b"}), "the source record must not contain U+0000 (NUL)"),
        (ParsedEntry("Acme", raw={"k\x00": "v"}), "the source record must not contain U+0000 (NUL)"),
        (ParsedEntry("Acme", raw={"a": _nested(MAX_RAW_DEPTH)}), "nests deeper than 16 levels"),
        (ParsedEntry("Acme", raw={"a": _nested(100_000)}), "nests deeper than 16 levels"),
    ],
)
def test_an_entry_that_cannot_be_stored_says_why(entry: ParsedEntry, says: str) -> None:
    problem = entry_problem(entry)
    assert problem is not None and says in problem


@pytest.mark.parametrize(
    "entry",
    [
        ParsedEntry("n" * MAX_NAME_LENGTH),
        ParsedEntry("中国远洋海运集团有限公司", aliases=("COSCO 中远 נמל",)),
        ParsedEntry("Acme", remarks="line one\nline two\tand a tab", raw={"a": _nested(MAX_RAW_DEPTH - 1)}),
        ParsedEntry("Acme", raw={"sdn": {"akaList": [{"aka": {"lastName": "X"}}]}, "n": None, "i": 3}),
    ],
)
def test_an_entry_within_the_limits_can_be_stored(entry: ParsedEntry) -> None:
    assert entry_problem(entry) is None


def test_storable_turns_bad_entries_into_rejected_rows_in_line_order() -> None:
    parsed = ParseResult(
        entries=[ParsedEntry("Good", source_line=2), ParsedEntry("Ba\x00d", source_line=3), ParsedEntry("Ok")],
        rejected=[RejectedRow(4, "End date before Start date")],
    )
    kept = parsed.storable()
    assert [e.name for e in kept.entries] == ["Good", "Ok"]
    assert [r.line for r in kept.rejected] == [3, 4]
    clean = ParseResult(entries=[ParsedEntry("Good")])
    assert clean.storable() is clean


def test_ftm_line_too_deep_to_read_is_a_rejected_row_after_the_first() -> None:
    good = b'{"id": "a", "schema": "Company", "properties": {"name": ["Acme"]}}\n'
    deep = b'{"id": "b", "schema": "Company", "properties": {"name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}}\n"
    result = ftm.parse(good + deep)
    assert [e.name for e in result.entries] == ["Acme"]
    assert result.rejected == [RejectedRow(2, "JSON nested too deeply to be read")]


def test_sdn_entry_nested_too_deeply_is_a_rejected_row() -> None:
    deep = b"<a>" * 20_000 + b"</a>" * 20_000
    xml = (
        b"<sdnList><sdnEntry><uid>1</uid><lastName>ACME</lastName></sdnEntry>\n"
        b"<sdnEntry><uid>2</uid><lastName>DEEP</lastName>" + deep + b"</sdnEntry></sdnList>"
    )
    result = ofac_sdn_xml.parse(xml)
    assert [e.name for e in result.entries] == ["ACME"]
    assert result.rejected == [RejectedRow(2, "sdnEntry at line 2 nests elements deeper than 16 levels")]
