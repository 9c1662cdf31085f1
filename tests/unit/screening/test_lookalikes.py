"""Look-alike and invisible characters cannot hide a listed name from the matcher; names in one script are
matched as written."""

import pytest

from app.screening.match import FuzzyMatcher, name_tokens
from app.screening.model import Entry, Subject

# COSCO with Cyrillic capital ES and O around a Latin S; with Greek capital omicron; in full-width letters.
CYRILLIC_COSCO = "\u0421\u041eS\u0421\u041e"
GREEK_COSCO = "C\u039fSC\u039f"
FULL_WIDTH_COSCO = "\uff23\uff2f\uff33\uff23\uff2f"


@pytest.mark.parametrize(
    "name",
    [
        f"{CYRILLIC_COSCO} Shipping",
        f"{GREEK_COSCO} Shipping",
        f"{FULL_WIDTH_COSCO} Shipping",
        "CO\u200bSCO Ship\u00adping",
        "\ufeffCO\u200dSCO\u2060 Shipping\u200f",
        "cosco shipping",
    ],
)
def test_lookalikes_and_invisible_characters_fold_to_the_latin_name(name: str) -> None:
    assert name_tokens(name) == ("cosco", "shipping")


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("\u0413\u0430\u0437\u043f\u0440\u043e\u043c", ("\u0433\u0430\u0437\u043f\u0440\u043e\u043c",)),
        ("\u0421\u041e\u0421\u041e", ("\u0441\u043e\u0441\u043e",)),
        ("\u039f\u03a4\u0395", ("\u03bf\u03c4\u03b5",)),
        ("中国远洋海运集团有限公司", ("中国远洋海运集团有限公司",)),
        ("COSCO 中远 נמל", ("cosco", "中远", "נמל")),
        ("Société Générale", ("societe", "generale")),
    ],
    ids=["russian", "cyrillic-only-lookalikes", "greek", "chinese", "mixed-scripts-by-word", "accents"],
)
def test_a_word_in_one_script_is_matched_as_written(name: str, tokens: tuple[str, ...]) -> None:
    assert name_tokens(name) == tokens


def test_a_spoofed_name_hits_the_listed_entry() -> None:
    matcher = FuzzyMatcher([Entry(1, "US-DOD-1260H", "China COSCO SHIPPING Corporation Limited", ("COSCO SHIPPING",))])
    for spoof in (f"{CYRILLIC_COSCO} SHIPPING", f"{FULL_WIDTH_COSCO} SHIPPING", "CO\u200bSCO SHIPPING"):
        [hit] = matcher.match(Subject(1, spoof))
        assert hit.entry_id == 1 and hit.score == 1.0 and hit.query == spoof
