"""Every dashboard page is sent with a Content-Security-Policy, and nothing on the pages breaks it: no
violation and no script error in the browser console."""

import httpx

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.conftest import AS_OF, call
from tests.e2e.pages import Page


def violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line or line.startswith("pageerror:")]


def test_every_page_has_a_content_security_policy_that_nothing_on_it_violates(
    page: Page,
    console: list[str],
    base_url: str,
    api: dict[Role, httpx.Client],
    api_keys: dict[Role, str],
    deal_ids: dict[str, int],
) -> None:
    active = call(api[Role.viewer], "GET", "/v1/rulesets/active")
    paths = [
        "/",
        f"/deals/{deal_ids['jerusalem-light-rail-cars']}?as_of={AS_OF}",
        f"/deals/{deal_ids['israel-chinese-evs']}",
        "/rulesets/active",
        f"/rulesets/{active['version']}",
    ]
    response = page.goto(base_url + pages.LOGIN_PATH)
    assert response is not None and response.headers.get("content-security-policy"), pages.LOGIN_PATH
    pages.sign_in(page, base_url, api_keys[Role.viewer])
    for path in paths:
        response = page.goto(base_url + path)
        assert response is not None and response.ok, path
        policy = response.headers.get("content-security-policy")
        assert policy, f"{path} is sent without a Content-Security-Policy"
        page.wait_for_load_state("networkidle")
    assert violations(console) == []
