"""The OpenSanctions / FollowTheMoney JSON-lines importer on the sample export and on broken variants."""

import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ImportRejected
from app.screening.importers.base import ParsedEntry
from app.screening.importers.ftm import parse, parse_ftm_date

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "lists" / "ftm_sample.jsonl"


def _lines(*objects: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objects)


def _company(entity_id: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Company", "properties": {"name": [entity_id.upper()], **props}}


def _sample() -> dict[str, ParsedEntry]:
    return {e.name: e for e in parse(SAMPLE.read_bytes()).entries}


def test_sample_imports_nine_entities_and_counts_the_other_lines() -> None:
    result = parse(SAMPLE.read_bytes())
    assert [(e.source_line, e.kind, e.name) for e in result.entries] == [
        (1, "company", "Aviation Industry Corporation of China Ltd."),
        (4, "company", "AVIC Xi\u2019an Aircraft Industry Group Company Ltd."),
        (7, "company", "COSCO SHIPPING Finance Co., Ltd."),
        (9, "person", "Dmitry Yuryevich KHOROSHEV"),
        (12, "vessel", "IRIS MAKRAN"),
        (13, "company", "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"),
        (16, "aircraft", "EP-PUS"),
        (17, "company", "GADDAFI INTERNATIONAL CHARITY AND DEVELOPMENT FOUNDATION"),
        (18, "company", "SUEX OTC, S.R.O."),
    ]
    assert result.rejected == []
    assert result.skipped == {
        "Sanction": 5,
        "Ownership": 1,
        "Passport": 1,
        "Address": 1,
        "Company (not a target)": 1,
    }


def test_person_has_aliases_nationality_and_a_partial_sanction_date_read_as_the_first_of_the_month() -> None:
    person = _sample()["Dmitry Yuryevich KHOROSHEV"]
    assert person.aliases == (
        "KHOROSHEV, Dmitriy Yurevich",
        "YURIEVICH, Dmitry",
        "KHOROSHEV, Dmitrii Yuryevich",
        "Дмитрий Юрьевич Хорошев",
        "LOCKBITSUPP",  # weakAlias comes last
    )
    assert person.country == "RU"
    assert person.programs == ("CYBER2",)
    assert person.start_date == date(2024, 5, 1)  # the Sanction says "2024-05"
    assert person.end_date is None
    assert person.source_url == (
        "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists"
    )
    assert person.raw["id"] == "ofac-48603"
    assert person.raw["properties"]["birthDate"] == ["1993-04-17"]


def test_sanction_lines_give_their_entity_its_program_earliest_start_and_source_url() -> None:
    avic = _sample()["Aviation Industry Corporation of China Ltd."]
    assert avic.programs == ("US-DOD-1260H",)
    assert avic.start_date == date(2021, 6, 3)  # earliest of 2021-06-03, 2025-01-07, 2026-06-08
    assert avic.end_date is None
    assert avic.source_url is not None and avic.source_url.startswith("https://media.defense.gov/2026/Jun/08/")
    assert avic.aliases == (
        "Aviation Industry Corporation of China Ltd. (AVIC)*",
        "AVIC",
        "Aviation Industry Corporation of China Ltd. (AVIC)",
    )
    assert avic.remarks is not None and avic.remarks.startswith("AVIC is directly owned and controlled by SASAC")
    assert avic.country is None  # the 1260H list names no countries
    assert avic.parent_name is None


def test_a_sanction_that_ended_gives_the_end_date() -> None:
    finance = _sample()["COSCO SHIPPING Finance Co., Ltd."]
    assert (finance.start_date, finance.end_date) == (date(2025, 1, 7), date(2026, 2, 17))


def test_ownership_gives_the_parent_name_even_when_the_owner_is_not_a_target() -> None:
    xian = _sample()["AVIC Xi\u2019an Aircraft Industry Group Company Ltd."]
    assert xian.parent_name == "Aviation Industry Corporation of China, Ltd."
    assert xian.aliases == (
        "AVIC Xi\u2019an Aircraft Industry Group Company Ltd. (AVIC Xi\u2019an)*",
        "AVIC Xi\u2019an",
        "Xi\u2019an Aircraft Industry Group Co., Ltd.",  # previousName
    )
    assert "Aviation Industry Corporation of China, Ltd." not in _sample()  # the parent itself is not an entry


def test_vessel_takes_its_flag_as_country_and_airplane_keeps_its_own_programs() -> None:
    entries = _sample()
    vessel = entries["IRIS MAKRAN"]
    assert (vessel.kind, vessel.country, vessel.aliases, vessel.programs) == ("vessel", "IR", ("MAKRAN",), ("IRAN",))
    assert vessel.remarks == "Additional Sanctions Information - Subject to Secondary Sanctions"
    plane = entries["EP-PUS"]
    assert (plane.kind, plane.country, plane.programs) == ("aircraft", None, ("SDGT", "NPWMD", "IRGC", "IFSR"))
    assert plane.start_date is None  # buildDate "1992" is not a listing date


def test_non_ascii_aliases_survive_and_duplicates_are_dropped_in_order() -> None:
    hesa = _sample()["IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"]
    assert hesa.aliases[:3] == ("HESA", "HTC", "IAMI")
    assert hesa.aliases.count("HESA") == 1
    assert hesa.aliases[-1] == "صنایع هواپیماسازی ایران"
    assert len(hesa.aliases) == 10
    assert hesa.programs == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")
    assert hesa.country == "IR"


def test_country_is_the_first_iso_code_in_property_order() -> None:
    entries = _sample()
    assert entries["GADDAFI INTERNATIONAL CHARITY AND DEVELOPMENT FOUNDATION"].country == "LY"  # country: ly, ch
    assert entries["SUEX OTC, S.R.O."].country == "RU"  # country (ru, cz) comes before jurisdiction (cz)
    codes = _company("a", country=["suhh", "eu", "zz", "ge-ab"], jurisdiction=["ua"])
    [entry] = parse(_lines(codes)).entries
    assert entry.country == "UA"  # FtM codes that are not ISO 3166-1 countries are passed over


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021", date(2021, 1, 1)),
        ("2021-06", date(2021, 6, 1)),
        ("2021-06-03", date(2021, 6, 3)),
        ("2021-06-03T12:00:00Z", date(2021, 6, 3)),
        ("2021-06-03T12:00:00.123+02:00", date(2021, 6, 3)),
        (" 2021-06-03 ", date(2021, 6, 3)),
    ],
)
def test_ftm_dates_may_be_partial_or_timestamps(value: str, expected: date) -> None:
    assert parse_ftm_date(value, "startDate") == expected


@pytest.mark.parametrize("value", ["2021-13", "2021-02-30", "03/06/2021", "20210603", "soon", "21-06-03"])
def test_ftm_dates_that_are_not_dates_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"^startDate .* is not a date \(YYYY, YYYY-MM or YYYY-MM-DD\)$"):
        parse_ftm_date(value, "startDate")


def test_entity_dates_win_over_sanction_dates_and_created_at_is_a_start() -> None:
    content = _lines(
        _company("own", startDate=["2020"], endDate=["2022-06"]),
        _company("created", createdAt=["2019-03-04T08:00:00"]),
        {"id": "s1", "schema": "Sanction", "properties": {"entity": ["own", "created"], "startDate": ["2010-01-01"]}},
    )
    entries = {e.raw["id"]: e for e in parse(content).entries}
    assert (entries["own"].start_date, entries["own"].end_date) == (date(2020, 1, 1), date(2022, 6, 1))
    assert entries["created"].start_date == date(2019, 3, 4)


def test_one_open_sanction_keeps_the_entity_listed() -> None:
    content = _lines(
        _company("a"),
        {"id": "s1", "schema": "Sanction", "properties": {"entity": ["a"], "program": ["EU"], "endDate": ["2020"]}},
        {"id": "s2", "schema": "Sanction", "properties": {"entity": ["a"], "program": ["UK"], "listingDate": ["2018"]}},
    )
    [entry] = parse(content).entries
    assert (entry.start_date, entry.end_date, entry.programs) == (date(2018, 1, 1), None, ("EU", "UK"))


def test_parent_property_names_the_parent_when_it_is_in_the_file() -> None:
    content = _lines(
        _company("child", parent=["mother"]),
        _company("mother"),
        _company("orphan", parent=["nobody-here"]),
    )
    entries = {e.raw["id"]: e for e in parse(content).entries}
    assert entries["child"].parent_name == "MOTHER"
    assert entries["orphan"].parent_name is None


def test_plain_ftm_without_target_flags_imports_every_entity_schema() -> None:
    schemas = ["Company", "Organization", "LegalEntity", "PublicBody", "Person", "Vessel", "Airplane"]
    content = _lines(*({"schema": s, "properties": {"name": [f"{s} One"]}} for s in schemas))
    result = parse(content)
    assert [(e.name, e.kind) for e in result.entries] == [
        ("Company One", "company"),
        ("Organization One", "company"),
        ("LegalEntity One", "company"),
        ("PublicBody One", "company"),
        ("Person One", "person"),
        ("Vessel One", "vessel"),
        ("Airplane One", "aircraft"),
    ]
    assert result.skipped == {}


def test_bad_lines_are_rejected_with_their_line_numbers_and_reasons() -> None:
    content = (
        _lines(_company("good"))
        + b"\n"  # blank lines are skipped
        + b"not json\n"
        + b"[1, 2]\n"
        + b'{"id": "no-schema", "properties": {}}\n'
        + b'{"id": "no-props", "schema": "Company"}\n'
        + _lines(
            {"id": "nameless", "schema": "Person", "properties": {"alias": ["Only An Alias"]}},
            _company("bad-date", startDate=["2021-13"]),
            _company("backwards", startDate=["2022-01-01"], endDate=["2021-01-01"]),
            {"id": "s-bad", "schema": "Sanction", "properties": {"entity": ["good"], "startDate": ["soon"]}},
            _company("long", name=["X" * 1001]),
        )
    )
    result = parse(content)
    assert [e.raw["id"] for e in result.entries] == ["good"]
    assert [(r.line, r.reason) for r in result.rejected] == [
        (3, "not valid JSON (Expecting value at column 1)"),
        (4, "not a JSON object (a JSON list)"),
        (5, 'the object has no "schema"'),
        (6, 'the object has no "properties" object'),
        (7, "Person 'nameless' has no name"),
        (8, "Company 'bad-date': startDate '2021-13' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
        (9, "Company 'backwards': endDate 2021-01-01 is before startDate 2022-01-01"),
        (10, "Sanction 's-bad': startDate 'soon' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
        (11, "Company 'long': name is 1001 characters long; the limit is 1000"),
    ]


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted() -> None:
    content = b"\xef\xbb\xbf" + _lines(_company("a"), _company("b")).replace(b"\n", b"\r\n")
    assert [e.name for e in parse(content).entries] == ["A", "B"]


def test_non_utf8_byte_is_reported_with_its_offset_in_the_file() -> None:
    first = _lines(_company("a"))
    content = first + '{"schema": "Company", "properties": {"name": ["Café"]}}\n'.encode("latin-1")
    offset = len(first) + content[len(first) :].index(b"\xe9")
    with pytest.raises(ImportRejected) as exc:
        parse(content)
    assert str(exc.value) == f"The FtM file is not UTF-8 text (invalid byte at offset {offset}, line 2)."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            (SAMPLE.parent / "csl_older_28col.csv").read_bytes(),
            "Line 1: not valid JSON (Expecting value at column 1) (it starts with "
            "'source,entity_number,type,programs,name,': another format, such as a CSV?). "
            "Expected FollowTheMoney JSON lines.",
        ),
        (
            json.dumps([_company("a")]).encode(),
            "Line 1: not a JSON object (a JSON list) (it starts a JSON array; expected one object per line). "
            "Expected FollowTheMoney JSON lines.",
        ),
        (
            json.dumps(_company("a"), indent=2).encode(),
            "Line 1: not valid JSON (Expecting property name enclosed in double quotes at column 1) "
            "(a JSON document spread over several lines? expected one object per line). "
            "Expected FollowTheMoney JSON lines.",
        ),
        (
            b'\n\n{"entities": []}\n',
            'Line 3: the object has no "schema". Expected FollowTheMoney JSON lines.',
        ),
        (b"", "The FtM file is empty."),
        (b"\xef\xbb\xbf\n  \n\r\n", "The FtM file is empty."),
    ],
    ids=["csv", "json-array", "pretty-printed-json", "other-json-lines", "empty", "blank-lines"],
)
def test_files_that_are_not_ftm_json_lines_are_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as exc:
        parse(content)
    assert str(exc.value) == message


def test_lines_are_read_one_at_a_time_without_a_decoded_copy_of_the_file() -> None:
    # 20,000 Address lines (2.4 MB): nothing is kept, so the peak is a line or two, not the file.
    address = {"schema": "Address", "properties": {"full": ["P.O. Box 83145-311, Shahin Shahr, Esfahan, Iran"]}}
    content = _lines(*({**address, "id": f"addr-{i:06d}"} for i in range(20_000)))
    tracemalloc.start()
    try:
        result = parse(content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.skipped == {"Address": 20_000}
    assert peak < len(content) / 20
