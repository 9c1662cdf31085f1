"""The form checks: same-origin POSTs only, and sign-in only ever leads to a path on this site."""

import pytest

from app.web.security import CONTENT_SECURITY_POLICY, safe_next, same_origin


@pytest.mark.parametrize(
    ("origin", "referer", "host", "allowed"),
    [
        ("http://127.0.0.1:8000", None, "127.0.0.1:8000", True),
        ("https://fdi.example", None, "FDI.example", True),
        ("https://evil.example", "https://fdi.example/login", "fdi.example", False),
        ("null", "https://fdi.example/login", "fdi.example", True),
        (None, "https://fdi.example/login?next=/", "fdi.example", True),
        (None, "https://fdi.example.evil.example/", "fdi.example", False),
        (None, None, "fdi.example", False),
        ("http://127.0.0.1:8001", None, "127.0.0.1:8000", False),
        ("javascript:alert(1)", None, "fdi.example", False),
        ("https://fdi.example", None, None, False),
    ],
)
def test_only_a_same_origin_form_post_passes(
    origin: str | None, referer: str | None, host: str | None, allowed: bool
) -> None:
    assert same_origin(origin, referer, host) is allowed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/deals/3?as_of=2026-11-24", "/deals/3?as_of=2026-11-24"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("deals/3", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_next_is_a_path_on_this_site_or_the_portfolio(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_the_policy_allows_no_script_at_all() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert directives["style-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
