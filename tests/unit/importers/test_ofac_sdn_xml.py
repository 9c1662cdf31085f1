"""The OFAC SDN XML importer on a fixture transcribed from the small CSV set, on broken entries and on unsafe,
malformed or foreign XML."""

import io
import zipfile
from pathlib import Path

import pytest

from app.core.errors import ImportRejected
from app.screening.importers import ofac_sdn_csv
from app.screening.importers.base import RejectedRow
from app.screening.importers.ofac_sdn_xml import KNOWN_NAMESPACES, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lists"
SAMPLE = FIXTURES / "sdn_sample.xml"
SMALL_CSV = FIXTURES / "ofac_sdn_small"
CLASSIC_NS = 'xmlns="http://tempuri.org/sdnList.xsd"'


def small_csv_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SMALL_CSV.glob("*.csv")):
            archive.write(path, path.name)
    return buffer.getvalue()


def sdn_xml(entries: str, root: str = f"<sdnList {CLASSIC_NS}>") -> bytes:
    return f'<?xml version="1.0" standalone="yes"?>\n{root}\n{entries}</sdnList>\n'.encode()


def test_the_sample_has_every_entry_of_the_small_set() -> None:
    result = parse(SAMPLE.read_bytes())
    assert len(result.entries) == 17
    assert result.rejected == []
    assert result.entries[0].source_line == 7  # the line of its <sdnEntry>
    assert sum(len(e.aliases) for e in result.entries) == 13


def test_a_known_entry_reads_with_aliases_programs_kind_and_country() -> None:
    entries = {e.raw["uid"]: e for e in parse(SAMPLE.read_bytes()).entries}
    hesa = entries["11195"]
    assert hesa.name == "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    assert hesa.kind == "company"
    assert hesa.programs == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")
    assert hesa.aliases == (
        "HESA TRADE CENTER",
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIES",
        "IRAN AIRCRAFT MANUFACTURING COMPANY",
        "KARKHANEJATE SANAYE HAVAPAYMAIE IRAN",
    )
    assert hesa.raw["weak_aliases"][:3] == ["HESA", "HTC", "IAMI"]  # category weak: not screened on
    assert hesa.country == "IR"
    assert hesa.start_date is None
    khoroshev = entries["48603"]
    assert khoroshev.name == "Dmitry Yuryevich KHOROSHEV"
    assert khoroshev.kind == "person"
    assert khoroshev.country == "RU"
    assert khoroshev.raw["dateOfBirthList"] == [{"uid": "900043", "dateOfBirth": "17 Apr 1993", "mainEntry": "true"}]
    assert entries["48727"].kind == "aircraft"
    assert entries["47371"].kind == "vessel"
    assert entries["47371"].raw["vesselInfo"]["vesselFlag"] == "Gabon"


def test_csv_and_xml_of_the_same_list_agree() -> None:
    from_csv = ofac_sdn_csv.parse(small_csv_zip()).entries
    from_xml = parse(SAMPLE.read_bytes()).entries

    def view(entries: list) -> list[tuple]:
        return [
            (e.name, e.aliases, e.programs, e.kind, e.country, e.remarks, e.raw.get("weak_aliases")) for e in entries
        ]

    assert view(from_xml) == view(from_csv)


@pytest.mark.parametrize("namespace", [*KNOWN_NAMESPACES, ""])
def test_every_namespace_ofac_has_used_is_read(namespace: str) -> None:
    declaration = f'xmlns="{namespace}"' if namespace else ""
    content = SAMPLE.read_bytes().replace(CLASSIC_NS.encode(), declaration.encode())
    result = parse(content)
    assert len(result.entries) == 17
    assert result.entries[1].name == "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"


def test_broken_entries_are_rejected_with_their_line() -> None:
    content = sdn_xml(
        "<sdnEntry><uid>1</uid><lastName>GOOD CO.</lastName><sdnType>Entity</sdnType></sdnEntry>\n"
        "<sdnEntry><lastName>NO UID</lastName></sdnEntry>\n"
        "<sdnEntry><uid>1</uid><lastName>AGAIN</lastName></sdnEntry>\n"
        "<sdnEntry><uid>3</uid><firstName>Only</firstName><sdnType>Individual</sdnType></sdnEntry>\n"
        "<sdnEntry/>\n"
        "<sdnEntry><uid>5</uid><firstName>Jane</firstName><lastName>DOE</lastName><sdnType>Individual</sdnType>"
        "<akaList><aka><uid>9</uid><type>a.k.a.</type><category>strong</category><lastName>ROE</lastName>"
        "<firstName>Jane</firstName></aka><aka><uid>10</uid><type>a.k.a.</type><category>strong</category>"
        "<lastName>DOE</lastName><firstName>Jane</firstName></aka></akaList>"
        "<addressList><address><uid>1</uid><country>Korea, North</country></address>"
        "<address><uid>2</uid><city>Pyongyang</city><country>Korea, North</country></address></addressList>"
        "<sdnType>Individual</sdnType></sdnEntry>\n"
    )
    result = parse(content)
    assert [(e.source_line, e.name, e.kind) for e in result.entries] == [
        (3, "GOOD CO.", "company"),
        (8, "Jane DOE", "person"),
    ]
    assert result.entries[1].aliases == ("Jane ROE",)  # the alias repeating the name is dropped
    assert result.entries[1].country == "KP"
    assert result.rejected == [
        RejectedRow(4, "sdnEntry at line 4: uid None is not a number"),
        RejectedRow(5, "sdnEntry uid 1 at line 5: uid repeats line 3"),
        RejectedRow(6, "sdnEntry uid 3 at line 6: lastName is empty"),
        RejectedRow(7, "sdnEntry at line 7 has no fields"),
    ]


def test_an_encoding_the_declaration_names_is_read() -> None:
    content = (
        '<?xml version="1.0" encoding="windows-1252"?>\n<sdnList>'
        "<sdnEntry><uid>1</uid><lastName>CAFÉ NOIR \u2013 S.A.</lastName><sdnType>Entity</sdnType></sdnEntry></sdnList>"
    ).encode("cp1252")
    assert parse(content).entries[0].name == "CAFÉ NOIR \u2013 S.A."


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE sdnList [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sdnList><sdnEntry><uid>1</uid><lastName>&lol9;</lastName></sdnEntry></sdnList>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE sdnList [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sdnList><sdnEntry><uid>1</uid><lastName>&xxe;</lastName></sdnEntry></sdnList>
"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            BOMB,
            "The SDN XML declares entities ('lol', 'lol1', 'lol2', 'lol3', 'lol4' and 5 more) in a DTD at line 2, "
            "column 19; entity expansion (an XML bomb) and DTDs are refused for safety.",
        ),
        (
            XXE,
            "The SDN XML declares an external entity 'xxe' (referring to 'file:///etc/passwd') in a DTD at line 2, "
            "column 19; external entities (XXE) and DTDs are refused for safety.",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE sdnList>\n<sdnList/>',
            "The SDN XML declares a DTD <!DOCTYPE sdnList> at line 2, column 18, which is refused for safety "
            "(OFAC's sdn.xml has none).",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE sdnList SYSTEM "http://example.com/sdn.dtd">\n<sdnList/>',
            "The SDN XML declares a DTD <!DOCTYPE sdnList> referring to 'http://example.com/sdn.dtd' at line 2, "
            "column 54; external DTDs are refused for safety.",
        ),
        (
            sdn_xml("<sdnEntry><uid>1</uid><lastName>A & B</lastName></sdnEntry>"),
            "The SDN XML is malformed at line 3, column 36: not well-formed (invalid token).",
        ),
        (
            sdn_xml("<sdnEntry><uid>1</uid><lastName>X</lastName></sdnEntry>")[:-30],
            "The SDN XML is malformed at line 3, column 34: unclosed token; the file ends before the document does "
            "(truncated?).",
        ),
        (
            b'<?xml version="1.0"?>\n<sdnList>\n<sdnEntry><uid>1</uid><lastName>X</lastName></sdnEntry>\n',
            "The SDN XML is malformed at line 4, column 1: no element found; the file ends before the document "
            "does (truncated?).",
        ),
        (
            "<sdnList><sdnEntry><uid>1</uid><lastName>CAFÉ</lastName></sdnEntry></sdnList>".encode("latin-1"),
            "The SDN XML is malformed at line 1, column 45: not well-formed (invalid token); the file is not UTF-8 "
            "(byte 0xC9 at offset 44) and its XML declaration names no other encoding.",
        ),
        (b"<html><body/></html>", "The SDN XML's root element is <html>, not <sdnList>."),
        (
            b'<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/'
            b'ADVANCED_XML"><DateOfIssue/></Sanctions>',
            "The SDN XML's root element is <Sanctions> in namespace "
            "'https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML', not <sdnList> "
            "(that is OFAC's advanced XML; import sdn.xml).",
        ),
        (
            sdn_xml("<publshInformation><Record_Count>0</Record_Count></publshInformation>"),
            "The SDN XML has no <sdnEntry> elements in namespace 'http://tempuri.org/sdnList.xsd'.",
        ),
        (b" \r\n", "The SDN XML file is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "The SDN XML file is a PDF document, not XML."),
        (
            b"PK\x03\x04\x14\x00",
            "The SDN XML file is a zip archive; upload sdn.xml itself, or the legacy CSV set with the format "
            "'ofac_sdn_csv'.",
        ),
        (b'36,"AEROCARIBBEAN AIRLINES",-0- ', "The SDN XML file is not XML: it starts with b'36,\"AEROCARIBBEA'."),
    ],
    ids=[
        "billion-laughs",
        "xxe",
        "dtd",
        "external-dtd",
        "malformed",
        "truncated-in-a-tag",
        "truncated-after-an-entry",
        "latin1-undeclared",
        "wrong-root",
        "advanced-xml",
        "no-entries",
        "empty",
        "pdf",
        "zip",
        "csv",
    ],
)
def test_unsafe_malformed_or_foreign_xml_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse(content)
    assert caught.value.detail == message


def test_a_wrong_root_is_refused_before_the_rest_is_read() -> None:
    # Everything after the root's start tag is garbage: the refusal must come from the root, not the garbage.
    with pytest.raises(ImportRejected, match=r"root element is <catalog>"):
        parse(b"<catalog>" + b"<<<" * 100_000)
