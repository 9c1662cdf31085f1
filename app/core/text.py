"""Which characters stored text may hold. Pure; request schemas, the ruleset model and list importers share it.

- Control characters (C0, DEL, C1) are refused everywhere, NUL among them (PostgreSQL cannot store it);
  multi-line free text (notes, descriptions) may keep tab, line feed and carriage return.
- Lone surrogates are refused everywhere: they have no UTF-8 form.
- Single-line text (names, titles, identifiers) also refuses the line and paragraph separators and the bidi
  embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees:
  "\u202eOCSOC" is displayed as "COSCO".
- Names also lose every other invisible format character (Unicode category Cf: zero-width space and joiners,
  left-to-right and right-to-left marks, soft hyphen, word joiner, byte-order mark, ...): they change nothing a
  reader sees, but "CO\u200bSCO" would otherwise be stored, searched and screened as a different name.
"""

import re
import unicodedata

from pydantic_core import PydanticCustomError

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE_BREAKS = "\t\n\r\u2028\u2029"
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"

_FORBIDDEN_IN_TEXT = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
_FORBIDDEN_IN_LINE = re.compile(f"[{_CONTROLS}{_LINE_BREAKS}{_BIDI_CONTROLS}{_SURROGATES}]")

_NAMES = {
    "\x00": "NUL",
    "\t": "tab",
    "\n": "line feed",
    "\r": "carriage return",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}


def _refusal(found: re.Match[str]) -> str:
    char = found.group()
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        what = f"{code}, a lone surrogate"
    elif char in _NAMES:
        what = f"{code} ({_NAMES[char]})"
    else:
        what = f"the control character {code}"
    return f"must not contain {what} (found at character {found.start() + 1})"


def text_problem(value: str) -> str | None:
    """Why multi-line free text cannot be stored, or None when it can."""
    found = _FORBIDDEN_IN_TEXT.search(value)
    return None if found is None else _refusal(found)


def line_problem(value: str) -> str | None:
    """Why single-line text (a name, a title, an identifier) cannot be stored, or None when it can."""
    found = _FORBIDDEN_IN_LINE.search(value)
    return None if found is None else _refusal(found)


def drop_invisible(value: str) -> str:
    """The text without invisible format characters (category Cf). Check `line_problem` first: the bidi
    controls are format characters too, and a name holding one is refused rather than silently changed."""
    if value.isascii():
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


# Pydantic validators built on the checks above, for request schemas and the ruleset model alike.


def name_text(value: object) -> object:
    """A name is one line: control and bidi characters are refused, invisible format characters dropped."""
    if not isinstance(value, str):
        return value  # the str validator that follows reports the type
    problem = line_problem(value)
    if problem:
        raise PydanticCustomError("forbidden_character", problem)
    return drop_invisible(value)


def line_text(value: str) -> str:
    """Single-line text: no control characters, line breaks or bidi controls."""
    problem = line_problem(value)
    if problem:
        raise PydanticCustomError("forbidden_character", problem)
    return value


def free_text(value: str) -> str:
    """Multi-line text: no control characters other than tab and line breaks."""
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError("forbidden_character", problem)
    return value
