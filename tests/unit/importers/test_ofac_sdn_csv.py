"""The OFAC SDN legacy CSV importer on the real small and bench sets, on broken rows and on bad uploads.

Archives are built here, in memory, from the byte-identical copies in tests/fixtures/lists/ofac_sdn_small.
"""

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from app.core.config import REPO_ROOT
from app.core.errors import ImportRejected
from app.screening.importers.base import ParsedEntry, RejectedRow
from app.screening.importers.ofac_sdn_csv import (
    MAX_UNCOMPRESSED_BYTES,
    OFAC_COUNTRY_SPELLINGS,
    country_code,
    parse,
    person_name,
    weak_aliases,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lists"
SMALL = FIXTURES / "ofac_sdn_small"
BENCH_CANDIDATES = (FIXTURES / "ofac_sdn_bench", Path("/work/shared/data/lists/us_ofac_sdn_bench"))
SDN_ROW = b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'


def zip_bytes(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_folder(folder: Path) -> bytes:
    return zip_bytes({path.name: path.read_bytes() for path in sorted(folder.glob("*.csv"))})


def by_line(entries: list[ParsedEntry]) -> dict[int | None, ParsedEntry]:
    return {e.source_line: e for e in entries}


@pytest.fixture(scope="module")
def small() -> list[ParsedEntry]:
    return parse(zip_folder(SMALL)).entries


# -- the real small set -------------------------------------------------------------------------------------


def test_small_set_counts_and_the_orphan_rows_it_carries() -> None:
    result = parse(zip_folder(SMALL))
    # sdn.csv has 17 rows (SOURCES.md says 16 entries); moov-io cut alt.csv and add.csv by grepping ent_nums,
    # so it kept 9 rows whose alt_num / add_num (not ent_num) equals an ent_num of the set.
    assert len(result.entries) == 17
    assert [e.source_line for e in result.entries] == list(range(1, 18))
    assert sum(len(e.aliases) for e in result.entries) == 13
    assert result.rejected == [
        RejectedRow(1, "alt.csv line 1: ent_num 10416 is not in sdn.csv"),
        RejectedRow(6, "alt.csv line 6: ent_num 11935 is not in sdn.csv"),
        RejectedRow(10, "alt.csv line 10: ent_num 18820 is not in sdn.csv"),
        RejectedRow(11, "alt.csv line 11: ent_num 30221 is not in sdn.csv"),
        RejectedRow(15, "alt.csv line 15: ent_num 29445 is not in sdn.csv"),
        RejectedRow(12, "add.csv line 12: ent_num 12562 is not in sdn.csv"),
        RejectedRow(17, "add.csv line 17: ent_num 21765 is not in sdn.csv"),
        RejectedRow(24, "add.csv line 24: ent_num 33723 is not in sdn.csv"),
        RejectedRow(26, "add.csv line 26: ent_num 33997 is not in sdn.csv"),
    ]


def test_an_entity_with_aliases_programs_addresses_and_weak_akas(small: list[ParsedEntry]) -> None:
    hesa = by_line(small)[2]
    assert hesa.name == "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    assert hesa.kind == "company"
    assert hesa.programs == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")
    assert hesa.aliases == (
        "HESA TRADE CENTER",
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIES",
        "IRAN AIRCRAFT MANUFACTURING COMPANY",
        "KARKHANEJATE SANAYE HAVAPAYMAIE IRAN",
    )
    assert hesa.country == "IR"  # five addresses, all in Iran
    assert hesa.start_date is None and hesa.end_date is None
    assert hesa.raw["weak_aliases"] == [
        "HESA",
        "HTC",
        "IAMI",
        "IAMCO",
        "HAVA PEYMA SAZI-E IRAN",
        "HAVAPEYMA SAZI IRAN",
        "HAVAPEYMA SAZHRAN",
        "HEVAPEIMASAZI",
        "SHAHIN CO.",
    ]
    assert [a["alt_type"] for a in hesa.raw["alt"]] == ["aka"] * 4
    assert len(hesa.raw["add"]) == 5
    assert hesa.raw["sdn"]["ent_num"] == "11195"
    assert hesa.raw["sdn"]["SDN_Type"] is None  # `-0- ` is null
    assert hesa.remarks is not None and hesa.remarks.startswith("Additional Sanctions Information")


def test_an_individual_is_named_first_name_first_and_keeps_the_printed_form(small: list[ParsedEntry]) -> None:
    khoroshev = by_line(small)[13]
    assert khoroshev.name == "Dmitry Yuryevich KHOROSHEV"
    assert khoroshev.raw["sdn"]["SDN_Name"] == "KHOROSHEV, Dmitry Yuryevich"
    assert khoroshev.kind == "person"
    assert khoroshev.programs == ("CYBER2",)
    assert khoroshev.aliases == ("Dmitriy Yurevich KHOROSHEV", "Dmitry YURIEVICH", "Dmitrii Yuryevich KHOROSHEV")
    assert khoroshev.country == "RU"
    assert khoroshev.raw["weak_aliases"] == ["LOCKBITSUPP"]
    assert by_line(small)[4].aliases == ("Daniel Gonzalo MORENO JR.",)


def test_remarks_continue_in_sdn_comments_without_a_separator(small: list[ParsedEntry]) -> None:
    suex = by_line(small)[9]
    assert suex.name == "SUEX OTC, S.R.O."
    assert suex.remarks is not None
    # OFAC cut the remark at 1,000 characters inside a bitcoin address: the joined address is whole again.
    assert "alt. Digital Currency Address - XBT 1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi;" in suex.remarks
    assert suex.remarks.endswith("a.k.a. 'SUCCESSFUL EXCHANGE'.")
    assert suex.raw["weak_aliases"] == ["SUCCESSFUL EXCHANGE"]
    assert len(suex.raw["comments"]) == 1
    assert suex.country is None  # addresses in Russia and the Czech Republic


def test_kinds_and_countries_of_the_small_set(small: list[ParsedEntry]) -> None:
    assert [(e.name, e.kind, e.country) for e in small] == [
        ("Elvis Angus LOGAN MOREY", "person", None),  # one address, every field null
        ("IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY", "company", "IR"),
        ("GADDAFI INTERNATIONAL CHARITY AND DEVELOPMENT FOUNDATION", "company", None),  # Libya and Switzerland
        ("Daniel MORENO", "person", "BZ"),
        ("AIRCRAFT, AVIONICS, PARTS & SUPPORT LTD.", "company", "GB"),
        ("P-532", "aircraft", None),
        ("TNK TRADING INTERNATIONAL S.A.", "company", "CH"),
        ("Artem Mikhaylovich LIFSHITS", "person", "RU"),
        ("SUEX OTC, S.R.O.", "company", None),
        ("IRIS MAKRAN", "vessel", None),  # no address; the flag (Iran) stays in raw
        ("BEL-KAP-STEEL LLC", "company", "US"),
        ("NS LEADER", "vessel", None),
        ("Dmitry Yuryevich KHOROSHEV", "person", "RU"),
        ("EP-PUS", "aircraft", None),
        ("AUTONOMOUS NON-PROFIT ORGANIZATION DIALOG REGIONS", "company", "RU"),
        ("FRUNZE", "vessel", None),
        ("TASCA", "vessel", None),
    ]
    makran = by_line(small)[10]
    assert makran.raw["sdn"]["Vess_flag"] == "Iran"
    assert makran.raw["sdn"]["Vess_type"] == "Naval Auxiliary Vessel"


def test_a_bare_sdn_csv_is_accepted_without_aliases_or_addresses() -> None:
    result = parse((SMALL / "sdn.csv").read_bytes())
    assert len(result.entries) == 17
    assert result.rejected == []
    assert all(e.aliases == () and e.country is None for e in result.entries)
    assert result.entries[1].raw["weak_aliases"][0] == "HESA"  # weak akas come from sdn.csv itself


def test_file_names_match_case_insensitively_inside_folders() -> None:
    files = {f"SDN_SET/{path.name.upper()}": path.read_bytes() for path in SMALL.glob("*.csv")}
    files["SDN_SET/readme.txt"] = b"ignored"
    result = parse(zip_bytes(files))
    assert len(result.entries) == 17
    assert sum(len(e.aliases) for e in result.entries) == 13


def test_the_same_bytes_give_the_same_digest() -> None:
    assert parse(zip_folder(SMALL)).digest() == parse(zip_folder(SMALL)).digest()


# -- the bench set -------------------------------------------------------------------------------------------


def test_bench_set_imports_every_entry_and_alias_quickly() -> None:
    folder = next((f for f in BENCH_CANDIDATES if (f / "sdn.csv").exists()), None)
    if folder is None:
        pytest.skip("the OFAC bench set is not available")
    content = zip_folder(folder)
    started = time.perf_counter()
    result = parse(content)
    elapsed = time.perf_counter() - started
    assert len(result.entries) == 8976
    assert result.rejected == []
    assert sum(len(e.raw["alt"]) for e in result.entries) == 11910  # every alt.csv row is attached
    # 10 alt rows repeat the entry's own name or another alias of it (e.g. `GADDAFI, Mutassim`).
    assert sum(len(e.aliases) for e in result.entries) == 11900
    assert {e.kind for e in result.entries} == {"company", "person", "vessel", "aircraft"}
    assert sum(e.country is not None for e in result.entries) == 6089
    assert elapsed < 5, f"parsing the bench set took {elapsed:.2f}s"  # about 0.4 s; quadratic would be minutes
    bnc = next(e for e in result.entries if e.name == "BANCO NACIONAL DE CUBA")
    assert bnc.aliases == ("NATIONAL BANK OF CUBA",)
    assert bnc.programs == ("CUBA",)
    assert bnc.raw["weak_aliases"] == ["BNC"]


# -- countries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ofac", "iso"),
    [
        ("China", "CN"),
        ("Hong Kong", "HK"),
        ("Korea, North", "KP"),
        ("Korea, South", "KR"),
        ("Russia", "RU"),
        ("Iran", "IR"),
        ("Burma", "MM"),
        ("Macau", "MO"),
        ("Taiwan", "TW"),
        ("Cote d Ivoire", "CI"),  # matched to "Côte d'Ivoire" in seeds/countries.yaml
        ("Bahamas, The", "BS"),
        ("Congo, Democratic Republic of the", "CD"),
        ("united kingdom", "GB"),
        ("Kosovo", None),  # XK is not an ISO 3166-1 code
        ("Region: Crimea", None),
        ("undetermined", None),
        ("", None),
    ],
)
def test_ofac_country_names_map_to_iso_codes(ofac: str, iso: str | None) -> None:
    assert country_code(ofac) == iso


def test_every_extra_spelling_maps_to_a_code_of_the_seed_countries() -> None:
    seeded = {c["code"] for c in yaml.safe_load((REPO_ROOT / "seeds" / "countries.yaml").read_text())["countries"]}
    assert set(OFAC_COUNTRY_SPELLINGS.values()) <= seeded


def test_person_names_turn_around_at_the_first_comma() -> None:
    assert person_name("LOGAN MOREY, Elvis Angus") == "Elvis Angus LOGAN MOREY"
    assert person_name("DELOS REYES, Feliciano Semborio, Jr.") == "Feliciano Semborio, Jr. DELOS REYES"
    assert person_name("ZULKARNAEN") == "ZULKARNAEN"


# -- broken rows -------------------------------------------------------------------------------------------


def test_broken_rows_are_rejected_with_file_and_line() -> None:
    sdn = (
        SDN_ROW
        + b'173,"TOO FEW FIELDS",-0- ,"CUBA"\r\n'
        + b'X1,"NOT A NUMBER",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        + b'36,"REPEATED",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        + b'424,-0- ,-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        + b'475,"CASA DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a multi-line\r\nremark"\r\n'
        + b'480,"CECOEX, S.A.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        + b"\x1a"
    )
    alt = (
        b'36,12,"aka","AERO-CARIBBEAN",-0- \r\n'
        + b'173,57,"aka","AVIA IMPORT",-0- \r\n'
        + b'999,58,"aka","NOBODY",-0- \r\n'
        + b'36,59,"aka"\r\n'
        + b'36,60,"aka",-0- ,-0- \r\n'
        + b'36,61,"fka","aero-caribbean",-0- \r\n'
    )
    add = b'480,276,-0- ,"Panama City","Panama",-0- \r\n424,277,-0- ,-0- ,"Cuba",-0- \r\n'
    result = parse(zip_bytes({"sdn.csv": sdn, "alt.csv": alt, "add.csv": add}))
    assert [(e.source_line, e.name) for e in result.entries] == [
        (1, "AEROCARIBBEAN AIRLINES"),
        (6, "CASA DE CUBA"),
        (8, "CECOEX, S.A."),
    ]
    assert result.entries[0].aliases == ("AERO-CARIBBEAN",)  # the fka differs only in case
    assert result.entries[1].remarks == "a multi-line\r\nremark"
    assert result.entries[2].country == "PA"
    assert result.rejected == [
        RejectedRow(2, "sdn.csv line 2: 4 fields, expected 12"),
        RejectedRow(3, "sdn.csv line 3: ent_num 'X1' is not a number"),
        RejectedRow(4, "sdn.csv line 4: ent_num 36 repeats line 1"),
        RejectedRow(5, "sdn.csv line 5: SDN_Name is empty"),
        RejectedRow(2, "alt.csv line 2: ent_num 173 is rejected at sdn.csv line 2"),
        RejectedRow(3, "alt.csv line 3: ent_num 999 is not in sdn.csv"),
        RejectedRow(4, "alt.csv line 4: 3 fields, expected 5 (ent_num, alt_num, alt_type, alt_name, alt_remarks)"),
        RejectedRow(5, "alt.csv line 5: alt_name is empty"),
        RejectedRow(2, "add.csv line 2: ent_num 424 is rejected at sdn.csv line 5"),
    ]


# -- encodings ----------------------------------------------------------------------------------------------


def test_windows_1252_is_read_when_the_file_is_not_utf8() -> None:
    row = b'1,"CAF\xc9 NOIR \x96 S.A.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    alt = b'1,2,"aka","CAF\xc9 NOIR",-0- \r\n'
    result = parse(zip_bytes({"sdn.csv": row, "alt.csv": alt}))
    assert result.entries[0].name == "CAFÉ NOIR \u2013 S.A."
    assert result.entries[0].aliases == ("CAFÉ NOIR",)


def test_utf8_with_a_byte_order_mark_is_read() -> None:
    row = '1,"ÅLAND TRADING AB",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'.encode("utf-8-sig")
    assert parse(row).entries[0].name == "ÅLAND TRADING AB"


# -- bad uploads --------------------------------------------------------------------------------------------


def _declared_huge() -> bytes:
    """A small archive whose central directory declares a 4 GB sdn.csv."""
    content = bytearray(zip_bytes({"sdn.csv": SDN_ROW}))
    central = content.index(b"PK\x01\x02")
    content[central + 24 : central + 28] = struct.pack("<I", 0xF0000000)
    return bytes(content)


def _encrypted() -> bytes:
    """An archive whose member is flagged as encrypted (the standard library cannot write real ones)."""
    content = bytearray(zip_bytes({"sdn.csv": SDN_ROW}))
    content[6] |= 1  # local header flag bits
    central = content.index(b"PK\x01\x02")
    content[central + 8] |= 1
    return bytes(content)


def _bad_crc() -> bytes:
    content = bytearray(zip_bytes({"sdn.csv": SDN_ROW}, method=zipfile.ZIP_STORED))
    position = content.index(b"AEROCARIBBEAN")
    content[position] = ord("X")
    return bytes(content)


GOOD_ZIP = zip_bytes({"sdn.csv": SDN_ROW})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The SDN upload is empty."),
        (b"\x1a\r\n", "The SDN upload is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "The SDN upload is a PDF document, not OFAC's SDN CSV set."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The SDN upload is a PNG image, not OFAC's SDN CSV set."),
        (b"\x1f\x8b\x08\x00\x00", "The SDN upload is a gzip file, not OFAC's SDN CSV set."),
        (b"ent_num\x00,name", "The SDN upload is binary data (a NUL byte at offset 7), not CSV text."),
        (
            b'<?xml version="1.0"?><sdnList/>',
            "The SDN upload is XML, not CSV; import OFAC's sdn.xml with the format 'ofac_sdn_xml'.",
        ),
        (b"\x81\x8d\x8f\x90", "sdn.csv is neither UTF-8 nor Windows-1252 text (byte 0x81 at offset 0)."),
        (zip_bytes({}), "The zip archive is empty (no files); it must contain sdn.csv."),
        (
            zip_bytes({"readme.txt": b"x", "data/alt.csv": b"1,2,aka,X,-0-"}),
            "The zip archive has no sdn.csv; it contains: readme.txt, data/alt.csv.",
        ),
        (
            zip_bytes({"sdn.xml": b"<sdnList/>"}),
            "The zip archive has no sdn.csv; it contains: sdn.xml (for sdn.xml use the format 'ofac_sdn_xml').",
        ),
        (GOOD_ZIP[: len(GOOD_ZIP) // 2], "The zip archive is truncated or corrupt (File is not a zip file)."),
        (_bad_crc(), "The zip archive is truncated or corrupt (sdn.csv: Bad CRC-32 for file 'sdn.csv')."),
        (_encrypted(), "sdn.csv in the archive is encrypted; upload an unencrypted zip."),
        (
            _declared_huge(),
            f"The zip archive declares 4,026,531,840 bytes uncompressed, over the {MAX_UNCOMPRESSED_BYTES:,} byte "
            "limit (zip bomb?); refused.",
        ),
        (
            zip_bytes({"sdn.csv": SDN_ROW, "padding.csv": b"0" * (4 * 1024 * 1024)}),
            "padding.csv in the archive is compressed",
        ),
        (
            zip_bytes({"a/sdn.csv": SDN_ROW, "b/SDN.CSV": SDN_ROW}),
            "The zip archive holds sdn.csv twice (a/sdn.csv, b/SDN.CSV); upload one SDN set.",
        ),
        (zip_bytes({"sdn.csv": b"\x1a"}), "sdn.csv in the archive is empty."),
        (
            zip_bytes({"sdn.csv": b"\x89PNG\r\n\x1a\n\x00"}),
            "sdn.csv in the archive is a PNG image, not OFAC's SDN CSV set.",
        ),
        (
            b"Name,Clean Name,Alias\nHuawei,Huawei,\n",
            "sdn.csv has no row in the SDN layout of 12 fields (ent_num, SDN_Name, SDN_Type, Program, Title, "
            "Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks) (first problem: sdn.csv line 1: "
            "3 fields, expected 12).",
        ),
    ],
    ids=[
        "empty",
        "only-ctrl-z",
        "pdf",
        "png",
        "gzip",
        "nul-bytes",
        "xml",
        "not-utf8-nor-cp1252",
        "empty-zip",
        "zip-without-sdn",
        "zip-with-sdn-xml",
        "truncated-zip",
        "bad-crc",
        "encrypted",
        "declared-size-bomb",
        "ratio-bomb",
        "two-sdn-csv",
        "empty-sdn-in-zip",
        "binary-sdn-in-zip",
        "not-the-sdn-layout",
    ],
)
def test_bad_uploads_are_refused_saying_what_and_where(content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse(content)
    assert caught.value.detail.startswith(message)


def test_the_ratio_limit_names_the_ratio() -> None:
    with pytest.raises(ImportRejected, match=r"compressed [\d,]+ to 1, over the 100 to 1 limit \(zip bomb\?\)"):
        parse(zip_bytes({"sdn.csv": SDN_ROW, "padding.csv": b"0" * (4 * 1024 * 1024)}))


def test_weak_akas_come_out_of_remarks_with_their_odd_quoting() -> None:
    remarks = "DOB 1965; a.k.a. 'ABU ANAS'; a.k.a. ''ABD AL-MUHSI'; a.k.a. ''FOOPIE''; a.k.a. 'D'S SUPERMARKET'."
    assert weak_aliases(remarks) == ["ABU ANAS", "'ABD AL-MUHSI", "FOOPIE", "D'S SUPERMARKET"]
    assert weak_aliases(None) == []
