"""Every route x {anonymous, viewer, analyst, admin} → the expected status, generated from the app's route table.

EXPECTED is the decision for each route. A route added to the app without a line here fails
`test_every_route_has_a_decision`; a route whose declared role differs from its decision fails it too.

API routes (/v1 and the operational ones) take a key in a header: no key is a 401, too low a role a 403. Dashboard
pages take the same key from the sign-in cookie: without it they answer 303 to /login; the sign-in routes are
public. A cookie never opens the API, and a header never opens a page.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.api.access import route_access
from app.core.config import Settings
from app.main import create_app
from app.vocabulary import Role

PUBLIC = None
V, AN, AD = Role.viewer, Role.analyst, Role.admin


@dataclass(frozen=True)
class Page:
    """A dashboard route: `role` proved with the sign-in cookie (anonymous → 303 to /login); None: public."""

    role: Role | None


PAGE = Page(Role.viewer)
SIGN_IN = Page(None)
COOKIE = "fdi_key"

EXPECTED: dict[tuple[str, str], Role | Page | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/v1/keys"): AD,
    ("GET", "/v1/keys"): AD,
    ("DELETE", "/v1/keys/{key_id}"): AD,
    ("GET", "/v1/audit"): AD,
    ("POST", "/v1/entities"): AN,
    ("GET", "/v1/entities"): V,
    ("GET", "/v1/entities/{entity_id}"): V,
    ("PATCH", "/v1/entities/{entity_id}"): AN,
    ("DELETE", "/v1/entities/{entity_id}"): AN,
    ("GET", "/v1/entities/{entity_id}/owners"): V,
    ("POST", "/v1/entities/{entity_id}/owners"): AN,
    ("DELETE", "/v1/entities/{entity_id}/owners/{owner_id}"): AN,
    ("POST", "/v1/deals/import"): AN,
    ("POST", "/v1/deals"): AN,
    ("GET", "/v1/deals"): V,
    ("GET", "/v1/deals/{deal_id}"): V,
    ("PATCH", "/v1/deals/{deal_id}"): AN,
    ("DELETE", "/v1/deals/{deal_id}"): AN,
    ("POST", "/v1/deals/{deal_id}/score"): AN,
    ("GET", "/v1/deals/{deal_id}/scores"): V,
    ("POST", "/v1/score"): V,  # scores an unsaved deal; stores nothing
    ("POST", "/v1/rescore"): AN,
    ("GET", "/v1/facts"): V,
    ("GET", "/v1/rulesets"): V,
    ("GET", "/v1/rulesets/active"): V,
    ("GET", "/v1/rulesets/{version}"): V,
    ("POST", "/v1/rulesets"): AN,
    ("PUT", "/v1/rulesets/{version}"): AN,
    ("POST", "/v1/rulesets/{version}/simulate"): AN,
    ("POST", "/v1/rulesets/{version}/activate"): AD,
    ("POST", "/v1/screen"): V,  # screens a name; stores nothing
    ("GET", "/v1/entities/{entity_id}/screening"): V,
    ("POST", "/v1/entities/{entity_id}/screening/{entry_id}/decision"): AN,
    ("GET", "/v1/lists"): V,
    ("GET", "/v1/lists/{code}"): V,
    ("GET", "/v1/lists/{code}/entries"): V,
    ("POST", "/v1/lists/{code}/import"): AD,
    ("GET", "/v1/sectors"): V,
    ("GET", "/v1/countries"): V,
    ("GET", "/v1/us-restrictions"): V,
    ("GET", "/v1/portfolio/summary"): V,
    ("GET", "/login"): SIGN_IN,
    ("POST", "/login"): SIGN_IN,
    ("POST", "/logout"): SIGN_IN,
    ("GET", "/"): PAGE,
    ("GET", "/deals/{deal_id}"): PAGE,
    ("GET", "/rulesets"): PAGE,
    ("GET", "/rulesets/active"): PAGE,
    ("GET", "/rulesets/{version}"): PAGE,
}
API = {route: needed for route, needed in EXPECTED.items() if not isinstance(needed, Page)}
PAGES = {route: needed for route, needed in EXPECTED.items() if isinstance(needed, Page)}

# Path parameters that name nothing: an allowed caller gets a 404 or 422, never a change to the data the other
# callers' requests depend on.
PLACEHOLDERS = {"code": "US-NO-SUCH-LIST"}


def _url(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: PLACEHOLDERS.get(m.group(1), "999999"), path)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": headers}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
    if method in {"PATCH", "PUT", "DELETE"}:
        kwargs["headers"] = {**headers, "If-Match": '"1"'}
    return client.request(method, _url(path), **kwargs).status_code  # type: ignore[arg-type]


def _expected(needed: Role | None, caller: Role | None, public_reads: bool = False) -> str:
    if needed is None:
        return "allowed"
    if caller is None:
        return "allowed" if public_reads and needed is Role.viewer else "401"
    return "allowed" if caller.allows(needed) else "403"


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403) else "allowed"


def _declaration(needed: Role | Page | None) -> tuple[Role | None, str | None]:
    """The (role, credential) a route must declare for a decision."""
    if isinstance(needed, Page):
        return needed.role, "cookie" if needed.role is not None else None
    return needed, "api_key" if needed is not None else None


def test_every_route_has_a_decision(settings: Settings) -> None:
    declared = {(a.method, a.path): (a.role, a.credential) for a in route_access(create_app(settings))}
    missing = sorted(set(declared) - set(EXPECTED))
    assert not missing, f"routes without an authorization decision in EXPECTED: {missing}"
    assert not sorted(set(EXPECTED) - set(declared)), "EXPECTED lists routes the app does not have"
    wrong = {
        route: (declared[route], _declaration(needed))
        for route, needed in EXPECTED.items()
        if declared[route] != _declaration(needed)
    }
    assert not wrong, f"declared (role, credential) differs from the decision (declared, expected): {wrong}"


def test_every_route_answers_each_caller_as_decided(
    client: TestClient, anonymous: TestClient, api_keys: dict[Role, str]
) -> None:
    callers: list[Role | None] = [None, Role.viewer, Role.analyst, Role.admin]
    mismatches = []
    for (method, path), needed in API.items():
        for caller in callers:
            headers = {} if caller is None else {"Authorization": f"Bearer {api_keys[caller]}"}
            status = _call(anonymous, method, path, headers)
            if _outcome(status) != _expected(needed, caller):
                mismatches.append((method, path, caller, status))
    assert not mismatches, mismatches
    assert len(API) * len(callers) >= 176


def _page_outcome(client: TestClient, method: str, path: str, cookie: str | None) -> str:
    """ "sign in" when sent to /login (with this page as `next`), else "allowed" or the 401/403 refusal."""
    client.cookies.clear()
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    headers = {"Origin": str(client.base_url)}
    data = {"key": "", "next": "/"} if method == "POST" else None
    response = client.request(method, _url(path), headers=headers, data=data, follow_redirects=False)
    location = response.headers.get("location", "")
    if response.status_code == 303 and urlsplit(location).path == "/login" and "next=" in location:
        return "sign in"
    assert response.headers["content-security-policy"].startswith("default-src 'none'"), (method, path)
    return _outcome(response.status_code) if response.status_code in (401, 403) else "allowed"


def test_every_page_answers_each_caller_as_decided(anonymous: TestClient, api_keys: dict[Role, str]) -> None:
    mismatches = []
    for (method, path), needed in PAGES.items():
        for caller in [None, Role.viewer, Role.analyst, Role.admin]:
            outcome = _page_outcome(anonymous, method, path, None if caller is None else api_keys[caller])
            if needed.role is None:
                expected = {"allowed", "401"} if (method, path) == ("POST", "/login") else {"allowed"}  # 401: bad key
            elif caller is None:
                expected = {"sign in"}
            else:
                expected = {"allowed" if caller.allows(needed.role) else "403"}
            if outcome not in expected:
                mismatches.append((method, path, caller, outcome))
    assert not mismatches, mismatches


def test_a_key_in_a_header_does_not_open_a_page(anonymous: TestClient, api_keys: dict[Role, str]) -> None:
    for (method, path), needed in PAGES.items():
        if needed.role is None:
            continue
        for header in ("Authorization", "X-API-Key"):
            value = f"Bearer {api_keys[Role.admin]}" if header == "Authorization" else api_keys[Role.admin]
            response = anonymous.request(method, _url(path), headers={header: value}, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path


def test_the_sign_in_cookie_does_not_open_the_api(anonymous: TestClient, api_keys: dict[Role, str]) -> None:
    """Only a header authenticates /v1: a cookie would let any page on another site act as the signed-in user."""
    anonymous.cookies.set(COOKIE, api_keys[Role.admin])
    refused = [
        (method, path, status)
        for (method, path), needed in API.items()
        if needed is not None and (status := _call(anonymous, method, path, {})) != 401
    ]
    assert not refused, refused


def test_public_reads_open_viewer_routes_only(settings: Settings, api_keys: dict[Role, str]) -> None:
    open_settings = settings.model_copy(update={"public_reads": True})
    with TestClient(create_app(open_settings)) as anonymous:
        mismatches = [
            (method, path, status)
            for (method, path), needed in API.items()
            if _outcome(status := _call(anonymous, method, path, {})) != _expected(needed, None, public_reads=True)
        ]
        # Pages follow the API: with public reads a viewer page opens without signing in.
        mismatches += [
            (method, path, outcome)
            for (method, path), needed in PAGES.items()
            if needed.role is Role.viewer and (outcome := _page_outcome(anonymous, method, path, None)) != "allowed"
        ]
    assert not mismatches, mismatches


def test_an_unknown_or_revoked_key_is_401_even_where_reads_are_public(
    settings: Settings, client: TestClient, api_keys: dict[Role, str]
) -> None:
    open_settings = settings.model_copy(update={"public_reads": True})
    with TestClient(create_app(open_settings)) as app:
        bogus = app.get("/v1/deals", headers={"Authorization": "Bearer fdi_not-a-key"})
        assert bogus.status_code == 401 and bogus.headers["content-type"] == "application/problem+json"
        assert bogus.headers["WWW-Authenticate"].startswith("Bearer")
        viewer = next(k for k in client.get("/v1/keys").json() if k["name"] == "viewer")
        assert client.delete(f"/v1/keys/{viewer['id']}").status_code == 200
        revoked = app.get("/v1/deals", headers={"X-API-Key": api_keys[Role.viewer]})
        assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
