"""Signing in to the pages: the cookie and its flags, wrong keys, where a sign-in may lead, cross-site forms,
signing out, revoked keys, and the headers every page carries."""

from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.vocabulary import Role
from tests.web.conftest import ORIGIN, sign_in
from tests.web.html import parse

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def cookie_of(response_header: str) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(response_header)
    return jar


def test_an_anonymous_reader_is_sent_to_sign_in_and_comes_back_to_the_page(
    anonymous: TestClient, api_keys: dict[Role, str]
) -> None:
    response = anonymous.get("/deals/7?as_of=2026-11-24", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/deals/7%3Fas_of%3D2026-11-24"
    form = parse(anonymous.get(response.headers["location"]).text).one("form", id="login")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/login"
    assert form.one("input", name="next").attrs["value"] == "/deals/7?as_of=2026-11-24"
    assert form.one("input", name="key").attrs["type"] == "password"
    assert form.all("button", id="sign-in")
    signed = anonymous.post(
        "/login",
        data={"key": api_keys[Role.viewer], "next": "/deals/7?as_of=2026-11-24"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/deals/7?as_of=2026-11-24"


def test_the_cookie_is_http_only_strict_and_secure_over_https(settings: Settings, api_keys: dict[Role, str]) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(create_app(settings), base_url=base) as client:
            response = client.post(
                "/login", data={"key": api_keys[Role.viewer]}, headers={"Origin": base}, follow_redirects=False
            )
            assert response.status_code == 303 and response.headers["location"] == "/"
            morsel = cookie_of(response.headers["set-cookie"])["fdi_key"]
            assert morsel.value == api_keys[Role.viewer]
            assert morsel["httponly"] is True and morsel["samesite"].lower() == "strict" and morsel["path"] == "/"
            assert bool(morsel["secure"]) is secure, base
            assert not morsel["max-age"] and not morsel["expires"], "a session cookie"


@pytest.mark.parametrize("key", ["", "fdi_" + "x" * 43, "  "])
def test_a_wrong_key_gets_the_form_again_with_a_401_and_no_cookie(anonymous: TestClient, key: str) -> None:
    response = anonymous.post("/login", data={"key": key, "next": "/rulesets"}, headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 401 and "set-cookie" not in response.headers
    page = parse(response.text)
    assert "not valid" in page.one(id="login-error").text
    assert page.one("input", name="next").attrs["value"] == "/rulesets"
    assert anonymous.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "unsafe",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "javascript:alert(1)", "/\x00x", ""],
)
def test_signing_in_only_ever_leads_to_a_path_on_this_site(
    anonymous: TestClient, api_keys: dict[Role, str], unsafe: str
) -> None:
    response = anonymous.post(
        "/login", data={"key": api_keys[Role.viewer], "next": unsafe}, headers=ORIGIN, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    form = parse(anonymous.get("/login", params={"next": unsafe}).text)
    assert form.one("input", name="next").attrs["value"] == "/"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "http://testserver.evil.example"},
    ],
)
def test_a_form_post_from_another_site_is_refused(
    anonymous: TestClient, api_keys: dict[Role, str], headers: dict[str, str]
) -> None:
    response = anonymous.post("/login", data={"key": api_keys[Role.viewer]}, headers=headers, follow_redirects=False)
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert response.headers["content-security-policy"] == CSP
    sign_in(anonymous, api_keys[Role.viewer])
    refused = anonymous.post("/logout", headers=headers, follow_redirects=False)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert anonymous.get("/", follow_redirects=False).status_code == 200, "still signed in"


def test_a_same_origin_referer_stands_in_for_a_missing_origin(anonymous: TestClient, api_keys: dict[Role, str]) -> None:
    response = anonymous.post(
        "/login",
        data={"key": api_keys[Role.viewer]},
        headers={"Referer": "http://testserver/login?next=/"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_signing_out_forgets_the_cookie(browser: TestClient) -> None:
    assert browser.get("/", follow_redirects=False).status_code == 200
    page = parse(browser.get("/").text)
    form = page.one("form", id="logout")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/logout" and form.all("button", id="sign-out")
    response = browser.post("/logout", headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    morsel = cookie_of(response.headers["set-cookie"])["fdi_key"]
    assert morsel.value == "" and morsel["max-age"] == "0" and morsel["path"] == "/"
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_revoked_key_signs_the_reader_out(browser: TestClient, client: TestClient) -> None:
    viewer = next(k for k in client.get("/v1/keys").json() if k["name"] == "viewer")
    assert client.delete(f"/v1/keys/{viewer['id']}").status_code == 200
    response = browser.get("/rulesets", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/rulesets"
    assert cookie_of(response.headers["set-cookie"])["fdi_key"]["max-age"] == "0"


def test_every_page_carries_the_security_headers_and_no_script_or_inline_style(
    browser: TestClient, seeded: object
) -> None:
    for path in ("/login", "/", "/deals/1", "/deals/999999", "/rulesets", "/rulesets/active", "/rulesets/1"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code in (200, 404), path
        assert response.headers["content-security-policy"] == CSP, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["content-type"].startswith("text/html"), path
        html = response.text.lower()
        assert "<script" not in html and " style=" not in html and "<style" not in html, path
        assert "javascript:" not in html and " on" not in _attribute_names(response.text), path
    css = browser.get("/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"


def _attribute_names(html: str) -> str:
    """Every attribute name on the page, space-separated with a leading space (to spot on* handlers)."""
    return "".join(f" {name}" for element in parse(html).iter() for name in element.attrs)


def test_the_pages_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith(("/v1/", "/healthz", "/readyz", "/metrics")) for path in paths), sorted(paths)
