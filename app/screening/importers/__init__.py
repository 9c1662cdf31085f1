"""One module per list format; `PARSERS` maps the API's `format` names onto them."""

from collections.abc import Callable

from app.screening.importers import csl, dod_1260h, ftm, ofac_sdn_csv, ofac_sdn_xml
from app.screening.importers.base import ParseResult

PARSERS: dict[str, Callable[[bytes], ParseResult]] = {
    dod_1260h.FORMAT: dod_1260h.parse,
    csl.FORMAT: csl.parse,
    ofac_sdn_csv.FORMAT: ofac_sdn_csv.parse,
    ofac_sdn_xml.FORMAT: ofac_sdn_xml.parse,
    ftm.FORMAT: ftm.parse,
}
