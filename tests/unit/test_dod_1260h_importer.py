"""The 1260H CSV importer on the real list file and on broken variants."""

from datetime import date
from pathlib import Path

import pytest

from app.core.errors import ImportRejected
from app.screening.importers.dod_1260h import parse

REAL = Path(__file__).resolve().parents[2] / "seeds" / "lists" / "us_dod_1260h.csv"
HEADER = "Name,Clean Name,Alias,Previous Name,Parent Name,Note,Start date,End date,Source Url\n"


def test_every_row_of_the_real_file_imports() -> None:
    result = parse(REAL.read_bytes())
    assert len(result.entries) == 397
    assert result.rejected == []


def test_crrc_is_listed_from_the_2022_edition_with_its_acronym_as_alias() -> None:
    crrc = [e for e in parse(REAL.read_bytes()).entries if e.name == "CRRC Corporation Limited"]
    assert sorted(e.start_date for e in crrc if e.start_date) == [date(2022, 10, 5), date(2025, 1, 7), date(2026, 6, 8)]
    assert all(e.aliases == ("CRRC",) for e in crrc)
    assert crrc[0].raw["Name"] == "CRRC Corporation Limited (CRRC)*"


def test_parent_names_end_dates_and_previous_names_are_kept() -> None:
    entries = parse(REAL.read_bytes()).entries
    finance = next(e for e in entries if e.name == "COSCO SHIPPING Finance Co., Ltd.")
    assert finance.parent_name == "China COSCO SHIPPING Corporation Limited"
    assert finance.end_date == date(2026, 2, 17)
    cetc = next(e for e in entries if e.name == "CETC Digital Technology Co., Ltd.")
    assert cetc.aliases == ("Shanghai East China Computer Co., Ltd.",)
    byd = next(e for e in entries if e.name == "BYD Company Limited")
    assert byd.start_date == date(2026, 6, 8)


def test_bad_rows_are_rejected_with_their_line_numbers() -> None:
    content = (
        HEADER
        + "Good Co. (GC),Good Co.,GC,,,,2024-01-31,,\n"
        + ",,,,,,2024-01-31,,\n"
        + "Bad Date Co.,Bad Date Co.,,,,,31/01/2024,,\n"
        + "Backwards Co.,Backwards Co.,,,,,2024-01-31,2023-01-01,\n"
    ).encode()
    result = parse(content)
    assert [e.name for e in result.entries] == ["Good Co."]
    assert [(r.line, r.reason) for r in result.rejected] == [
        (3, "Name is empty"),
        (4, "Start date '31/01/2024' is not a date (YYYY-MM-DD)"),
        (5, "End date 2023-01-01 is before Start date 2024-01-31"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name;start\nfoo;2024-01-01\n", "header lacks"),
        (HEADER.encode() + "Caf\xe9 Ltd,,,,,,2024-01-01,,\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        parse(content)
