"""One module per list format; `PARSERS` maps the API's `format` names onto them."""

from collections.abc import Callable

from app.screening.importers import dod_1260h
from app.screening.importers.base import ParseResult

PARSERS: dict[str, Callable[[bytes], ParseResult]] = {
    dod_1260h.FORMAT: dod_1260h.parse,
}
