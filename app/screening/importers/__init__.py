"""One module per list format; `PARSERS` maps the API's `format` names onto them, and `READERS` the formats
whose files can be too big to hold onto a streaming reader of a seekable file."""

from collections.abc import Callable
from typing import BinaryIO

from app.screening.importers import csl, dod_1260h, ftm, ofac_sdn_csv, ofac_sdn_xml
from app.screening.importers.base import EntryStream, ParseResult

PARSERS: dict[str, Callable[[bytes], ParseResult]] = {
    dod_1260h.FORMAT: dod_1260h.parse,
    csl.FORMAT: csl.parse,
    ofac_sdn_csv.FORMAT: ofac_sdn_csv.parse,
    ofac_sdn_xml.FORMAT: ofac_sdn_xml.parse,
    ftm.FORMAT: ftm.parse,
}
READERS: dict[str, Callable[[BinaryIO], EntryStream]] = {
    ftm.FORMAT: ftm.read,
}
