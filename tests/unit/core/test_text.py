"""Which characters stored text may hold: control, bidi and surrogate characters, invisible ones in names."""

import pytest

from app.core.text import drop_invisible, line_problem, text_problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "must not contain U+0000 (NUL) (found at character 2)"),
        ("ab\x07", "must not contain the control character U+0007 (found at character 3)"),
        ("\x7f", "must not contain the control character U+007F (found at character 1)"),
        ("a\x85", "must not contain the control character U+0085 (found at character 2)"),
        ("a\ud800", "must not contain U+D800, a lone surrogate (found at character 2)"),
    ],
)
def test_control_characters_and_surrogates_are_refused_in_any_text(value: str, problem: str) -> None:
    assert text_problem(value) == problem
    assert line_problem(value) == problem


@pytest.mark.parametrize("value", ["line one\nline two", "a\tb", "a\r\nb", "a\u2028b", "\u202bRTL\u202c", "中远 נמל"])
def test_free_text_keeps_line_breaks_tabs_and_bidi_marks(value: str) -> None:
    assert text_problem(value) is None


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("a\nb", "U+000A (line feed)"),
        ("a\tb", "U+0009 (tab)"),
        ("a\u2029b", "U+2029 (paragraph separator)"),
        ("\u202eOCSOC", "U+202E (right-to-left override)"),
        ("a\u2067b", "U+2067 (right-to-left isolate)"),
    ],
)
def test_single_line_text_also_refuses_line_breaks_and_bidi_controls(value: str, what: str) -> None:
    assert text_problem(value) is None
    problem = line_problem(value)
    assert problem is not None and what in problem


def test_names_in_any_script_are_single_line_text() -> None:
    for name in ("中国远洋海运集团有限公司", "נמל חיפה", "COSCO 中远 נמל", "\uff23\uff2f\uff33\uff23\uff2f"):
        assert line_problem(name) is None


def test_invisible_format_characters_are_dropped() -> None:
    assert drop_invisible("\u200bCO\u200cS\u200dCO\ufeff Ship\u00adping\u2060\u200e\u200f") == "COSCO Shipping"
    assert drop_invisible("plain ascii") == "plain ascii"
    assert drop_invisible("נמל חיפה") == "נמל חיפה"
