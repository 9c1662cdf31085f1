"""The trade.gov CSL importer on both real layouts and on broken variants."""

import csv
import hashlib
import io
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.core.errors import ImportRejected
from app.screening.importers.countries import COUNTRY_NAMES, ISO_3166_ALPHA2
from app.screening.importers.csl import CURRENT_COLUMNS, OLDER_COLUMNS, SOURCE_CODES, parse, source_list_code

TESTS = Path(__file__).resolve().parents[2]
FIXTURES = TESTS / "fixtures" / "lists"
CURRENT = FIXTURES / "csl_consolidated_29col.csv"
OLDER = FIXTURES / "csl_older_28col.csv"


def _csv(columns: tuple[str, ...], *rows: dict[str, str]) -> bytes:
    """A CSL file with the given layout; each row gives only the cells it cares about."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode()


def _by_name(path: Path) -> dict[str, list]:
    entries: dict[str, list] = {}
    for entry in parse(path.read_bytes()).entries:
        entries.setdefault(entry.name, []).append(entry)
    return entries


def test_fixtures_are_the_untouched_real_files() -> None:
    assert hashlib.sha256(CURRENT.read_bytes()).hexdigest() == (
        "dc1c71ee8e97f9ead0880649000c3eab20a2af2cfa8a7d9c4ff6c20a69b0613f"
    )
    assert hashlib.sha256(OLDER.read_bytes()).hexdigest() == (
        "aa18b1d784f61dc86519a4481fa7326a9343c01d6bf39e2ac1cec92267247c0f"
    )


def test_current_layout_with_id_imports_all_13_rows_into_their_lists() -> None:
    result = parse(CURRENT.read_bytes())
    assert len(result.entries) == 13
    assert result.rejected == []
    assert Counter(e.source_list for e in result.entries) == {
        "US-OFAC-SSI": 3,
        "US-OFAC-PLC": 2,
        "US-STATE-ISN": 1,
        "US-BIS-UVL": 1,
        "US-BIS-MEU": 1,
        "US-OFAC-SDN": 1,
        "US-STATE-DTC": 1,
        "US-BIS-DPL": 1,
        "US-OFAC-FSE": 1,
        "US-BIS-EL": 1,
    }
    # One entry per data line, numbered from line 2 (the file has no multi-line fields).
    assert [e.source_line for e in result.entries] == list(range(2, 15))


def test_older_layout_without_id_is_accepted() -> None:
    result = parse(OLDER.read_bytes())
    assert len(result.entries) == 115
    assert result.rejected == []
    assert Counter(e.source_list for e in result.entries) == {
        "US-OFAC-SDN": 28,
        "US-OFAC-SSI": 26,
        "US-BIS-EL": 22,
        "US-OFAC-PLC": 13,
        "US-STATE-DTC": 10,
        "US-BIS-DPL": 8,
        "US-BIS-UVL": 4,
        "US-STATE-ISN": 3,
        "US-OFAC-CAPTA": 1,
    }
    assert Counter(e.kind for e in result.entries) == {"other": 47, "company": 46, "person": 20, "vessel": 2}
    assert "_id" not in result.entries[0].raw


def test_entity_list_row_keeps_aliases_start_date_and_address_country() -> None:
    [cetc] = _by_name(CURRENT)["China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"]
    assert cetc.source_list == "US-BIS-EL"
    assert cetc.kind == "other"  # the BIS lists leave `type` empty
    # The alias list is prose ("...; and CETC Research Institute 13"): the "and " is dropped.
    assert cetc.aliases == (
        "Hebei Semiconductor Research Institute",
        "HSRI",
        "Hebei Institute of Semiconductors",
        "Hebei Semiconductor Institute",
        "Hebei Semiconductor",
        "CETC Research Institute 13",
    )
    assert cetc.programs == ()
    assert cetc.start_date == date(2018, 8, 1)
    assert cetc.end_date is None
    assert cetc.country == "CN"
    assert (
        cetc.source_url == "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/entity-list"
    )
    assert cetc.source_line == 13
    assert cetc.raw["_id"] == "99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"
    assert cetc.raw["federal_register_notice"] == "83 FR 37423; 87 FR 77505"


def test_sdn_individual_takes_the_nationality_when_addresses_name_two_countries() -> None:
    [rim] = _by_name(CURRENT)["RIM, Ryong Nam"]
    assert (rim.source_list, rim.kind, rim.programs) == ("US-OFAC-SDN", "person", ("NPWMD",))
    assert rim.raw["addresses"] == "Shenyang, CN; Pyongyang, KP"
    assert rim.country == "KP"


def test_sectoral_sanctions_entity_keeps_both_programs_in_order() -> None:
    [tnk] = _by_name(CURRENT)["TNK Trading International S.A."]
    assert tnk.source_list == "US-OFAC-SSI"
    assert tnk.kind == "company"
    assert tnk.programs == ("VENEZUELA-EO13850", "UKRAINE-EO13662")
    assert tnk.country == "CH"
    assert tnk.remarks is not None and tnk.remarks.startswith("For more information on directives")


def test_denied_persons_row_has_its_denial_period() -> None:
    [ash] = _by_name(CURRENT)["I. ASH"]
    assert ash.source_list == "US-BIS-DPL"
    assert (ash.start_date, ash.end_date) == (date(2002, 3, 4), date(2056, 6, 29))
    assert ash.country == "US"
    assert ash.remarks == "50 YEAR DENIAL"


def test_nonproliferation_successor_clause_moves_from_the_name_to_the_remarks() -> None:
    [sinobright] = _by_name(CURRENT)["Sinobright Import and Export Company"]
    assert sinobright.source_list == "US-STATE-ISN"
    assert sinobright.programs == ("INKSNA",)
    assert sinobright.start_date == date(2023, 7, 19)
    assert sinobright.remarks == (
        "Listed as: Sinobright Import and Export Company; and any successor, sub-unit, or subsidiary thereof"
    )


def test_older_layout_vessel_has_no_country_from_its_flag_name() -> None:
    [vessel] = _by_name(OLDER)["7-28"]
    assert (vessel.kind, vessel.source_list, vessel.programs) == ("vessel", "US-OFAC-SDN", ("DPRK4",))
    assert vessel.raw["vessel_flag"] == "Democratic People's Republic of Korea"
    assert vessel.country is None
    assert vessel.remarks == "(Linked To: YUSONG SHIPPING CO)"


def test_capta_row_maps_to_the_ofac_capta_list() -> None:
    [kunlun] = _by_name(OLDER)["BANK OF KUNLUN CO LTD"]
    assert kunlun.source_list == "US-OFAC-CAPTA"
    assert kunlun.programs == ("561-Related",)
    assert kunlun.aliases == ("KARAMAY URBAN CREDIT COOPERATIVES", "KARAMAY CITY COMMERCIAL BANK CO LTD.")
    assert kunlun.country == "CN"


def test_cp1252_bytes_and_stray_spaces_in_the_older_file_are_cleaned() -> None:
    entries = _by_name(OLDER)
    [guian] = entries["Gui\u2019an New District Huawei Investment Co., Ltd., Guiyang, Guizhou"]
    assert "\x92" in guian.raw["name"]  # the raw row is left as the file has it
    [hernandez] = entries["ADRIAN MANUEL HERNANDEZ"]
    assert hernandez.raw["name"] == " ADRIAN MANUEL HERNANDEZ"
    assert hernandez.source_line == 2


def test_country_is_none_when_addresses_disagree_or_end_in_a_postal_code() -> None:
    entries = _by_name(OLDER)
    [akhtar] = entries["AL-AKHTAR TRUST INTERNATIONAL"]  # offices in PK and AF
    assert akhtar.country is None
    [hernandez] = entries["ADRIAN MANUEL HERNANDEZ"]  # "..., PHONEIX, AZ, 85043": not Azerbaijan
    assert hernandez.country is None
    # The same person listed five times, once per address (ZA, then four in NO): each row has its own country.
    assert [e.country for e in entries["Gunther Migeotte"]] == ["ZA", "NO", "NO", "NO", "NO"]


def test_the_same_plc_person_is_named_differently_in_the_two_layouts() -> None:
    [current] = _by_name(CURRENT)["Mohammed ABU JHEISHEH"]
    [older] = _by_name(OLDER)["ABU JHEISHEH, Mohammed"]
    assert current.source_list == older.source_list == "US-OFAC-PLC"
    assert current.aliases == ("Mohammad Mutlaq ABU JHESHEH", "Mohammed ABU JEHEISHA")
    assert older.aliases == ("ABU JHESHEH, Mohammad Mutlaq", "ABU JEHEISHA, Mohammed")


def test_source_codes_cover_the_13_csl_lists() -> None:
    assert set(SOURCE_CODES) == {
        "DPL",
        "EL",
        "MEU",
        "UVL",
        "ISN",
        "DTC",
        "CAP",
        "CMIC",
        "FSE",
        "MBS",
        "PLC",
        "SSI",
        "SDN",
    }
    assert len(set(SOURCE_CODES.values())) == 13


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("Entity List (EL) - Bureau of Industry and Security", "US-BIS-EL"),
        ("Military End User (MEU) List - Bureau of Industry and Security", "US-BIS-MEU"),
        ("Specially Designated Nationals (SDN) - Treasury Department", "US-OFAC-SDN"),
        ("Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department", "US-OFAC-NS-CMIC"),
        ("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department", "US-OFAC-MBS"),
        (
            "Non-SDN Chinese Military-Industrial Complex Companies List (NS-CMIC) - Treasury Department",
            "US-OFAC-NS-CMIC",
        ),
        ("CAPTA (Correspondent Account or Payable-Through Account) - Treasury Department", "US-OFAC-CAPTA"),
        ("Capta List (CAP) - Treasury Department", "US-OFAC-CAPTA"),
        ("  entity list ( el )  - bureau of industry and security ", "US-BIS-EL"),
        ("Denied Persons List(dpl)", "US-BIS-DPL"),
        ("SDN", "US-OFAC-SDN"),
    ],
)
def test_source_is_matched_on_its_abbreviation_whatever_the_case_and_spacing(source: str, code: str) -> None:
    assert source_list_code(source) == code


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("   ", "source is empty"),
        ("(EL) and (SDN)", "source '(EL) and (SDN)' names more than one list (['US-BIS-EL', 'US-OFAC-SDN'])"),
        ("Foreign End User (FEU) List", "source 'Foreign End User (FEU) List' is not one of the 13 CSL lists"),
    ],
)
def test_source_naming_no_single_known_list_is_refused(source: str, reason: str) -> None:
    with pytest.raises(ValueError) as exc:
        source_list_code(source)
    assert str(exc.value).startswith(reason)


def test_bad_rows_are_rejected_with_their_line_numbers_and_reasons() -> None:
    el = "Entity List (EL) - Bureau of Industry and Security"
    content = (
        _csv(
            OLDER_COLUMNS,
            {"source": el, "name": "Good Co.", "start_date": "2018-08-01", "addresses": "Beijing, CN"},
            {"source": "Foreign Agents Registration (FARA) - Justice", "name": "Unknown List Co."},
            {"source": "", "name": "No Source Co."},
            {"source": el, "name": "  "},
            {"source": el, "name": "Slash Date Co.", "start_date": "08/01/2018"},
            {"source": el, "name": "Backwards Co.", "start_date": "2020-01-01", "end_date": "2019-01-01"},
            {"source": el, "name": "Long Co. " * 120},
        )
        + (el + ",Short Row Co.\n").encode()
    )
    result = parse(content)
    assert [(e.name, e.country, e.source_line) for e in result.entries] == [("Good Co.", "CN", 2)]
    assert [(r.line, r.reason) for r in result.rejected] == [
        (
            3,
            "source 'Foreign Agents Registration (FARA) - Justice' is not one of the 13 CSL lists "
            "(DPL, EL, MEU, UVL, ISN, DTC, CAP, CMIC, FSE, MBS, PLC, SSI, SDN)",
        ),
        (4, "source is empty"),
        (5, "name is empty"),
        (6, "start_date '08/01/2018' is not a date (YYYY-MM-DD)"),
        (7, "end_date 2019-01-01 is before start_date 2020-01-01"),
        (8, "name is 1079 characters long; the limit is 1000"),
        (9, "2 fields, header has 28"),
    ]


def test_source_line_is_where_a_record_with_a_multiline_field_starts() -> None:
    el = "Entity List (EL) - Bureau of Industry and Security"
    third = _csv(CURRENT_COLUMNS, {"_id": "c", "source": el, "name": "Third Co."}).split(b"\n", 1)[1]
    content = (
        _csv(
            CURRENT_COLUMNS,
            {"_id": "a", "source": el, "name": "First Co.", "remarks": "line one\nline two\nline three"},
            {"_id": "b", "source": el, "name": "Second Co."},
        )
        + b"\n"  # a blank line: skipped, but it still counts as a line
        + third
    )
    result = parse(content)
    assert [(e.name, e.source_line) for e in result.entries] == [("First Co.", 2), ("Second Co.", 5), ("Third Co.", 7)]
    assert result.entries[0].remarks == "line one\nline two\nline three"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            (FIXTURES / "us_dod_1260h.csv").read_bytes(),
            "Line 1: the header lacks column(s) ['source', 'type', 'programs', 'name', 'addresses', 'start_date', "
            "'end_date', 'remarks', 'source_list_url', 'alt_names', 'citizenships', 'nationalities', "
            "'source_information_url']; expected the older 28-column CSL layout (without _id): source, entity_number,",
        ),
        (
            b"_id,source,name,type\n1,SDN,ACME,Entity\n",
            "Line 1: the header lacks column(s) ['programs', 'addresses', 'start_date', 'end_date', 'remarks', "
            "'source_list_url', 'alt_names', 'citizenships', 'nationalities', 'source_information_url']; "
            "expected the current 29-column CSL layout (with _id): _id, source, entity_number,",
        ),
        (
            (FIXTURES / "ftm_sample.jsonl").read_bytes(),
            "The CSL file looks like JSON; expected the trade.gov consolidated.csv (CSV) export.",
        ),
        (
            ",".join(OLDER_COLUMNS).encode() + "\nEntity List (EL),Café".encode("latin-1"),
            "The CSL file is not UTF-8 text (invalid byte at offset 375).",
        ),
        (b"", "The CSL file is empty."),
        (b"\xef\xbb\xbf \n\n", "The CSL file is empty."),
        (",".join(CURRENT_COLUMNS).encode() + b"\n\n", "The CSL file has a header but no rows."),
        (
            CURRENT.read_bytes()[: CURRENT.read_bytes().index(b"Mohammed ABU JHEISHEH") + 8],
            "Line 5: not a readable CSV (unexpected end of data; read up to line 5). "
            "The file may be truncated or have an unbalanced quote.",
        ),
        (
            CURRENT.read_bytes().replace(b'"Atlas Sanatgaran"', b'"Atlas "Sanatgaran"'),
            "Line 3: not a readable CSV (',' expected after '\"'; read up to line 3).",
        ),
    ],
    ids=[
        "1260h-csv",
        "missing-columns-current-layout",
        "json",
        "latin-1",
        "empty",
        "bom-and-blank-lines",
        "header-only",
        "truncated-inside-a-quote",
        "stray-quote",
    ],
)
def test_files_that_cannot_be_imported_are_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as exc:
        parse(content)
    assert str(exc.value).startswith(message)


def test_unterminated_quote_is_reported_from_the_line_where_it_opens() -> None:
    header = ",".join(OLDER_COLUMNS).encode()
    row = b"Entity List (EL) - Bureau of Industry and Security,,,," + b'"Never Closed Co.\n'
    with pytest.raises(
        ImportRejected, match=r"^Line 2: not a readable CSV \(unexpected end of data; read up to line 6\)"
    ):
        parse(header + b"\n" + row + b"more\n" * 4)


def test_country_codes_and_names_match_the_project_country_table() -> None:
    countries = yaml.safe_load((TESTS.parent / "seeds" / "countries.yaml").read_text(encoding="utf-8"))
    assert {c["code"] for c in countries["countries"]} == ISO_3166_ALPHA2
    assert {c["code"]: c["name"] for c in countries["countries"]} == COUNTRY_NAMES
