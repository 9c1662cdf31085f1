"""Signing in to the dashboard: the form takes a key and sets an HttpOnly cookie; no key, no pages."""

from urllib.parse import urlparse

from app.vocabulary import Role
from tests.e2e import pages
from tests.e2e.pages import Page, expect


def test_the_viewer_key_signs_in_through_the_form_and_opens_the_portfolio(
    page: Page, base_url: str, api_keys: dict[Role, str]
) -> None:
    page.goto(base_url + pages.LOGIN_PATH)
    before = {cookie["name"] for cookie in page.context.cookies()}
    pages.sign_in(page, base_url, api_keys[Role.viewer])
    assert urlparse(page.url).path == "/"
    expect(page.locator(pages.DEAL_ROWS).first).to_be_visible()
    session = [cookie for cookie in page.context.cookies() if cookie["name"] not in before]
    assert session, "signing in sets a cookie"
    assert all(cookie["httpOnly"] for cookie in session), session


def test_an_anonymous_visit_to_the_portfolio_is_sent_to_the_login_page(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    assert urlparse(page.url).path == pages.LOGIN_PATH
    expect(page.locator(pages.LOGIN_FORM)).to_be_visible()
    expect(page.locator(pages.KEY_INPUT)).to_be_visible()
    assert page.locator(pages.DEAL_ROWS).count() == 0


def test_a_wrong_key_is_refused_with_an_error_and_signs_nobody_in(page: Page, base_url: str) -> None:
    pages.sign_in(page, base_url, "fdi_" + "x" * 43)
    assert urlparse(page.url).path == pages.LOGIN_PATH
    expect(page.locator(pages.LOGIN_ERROR)).to_be_visible()
    expect(page.locator(pages.LOGIN_ERROR)).not_to_be_empty()
    expect(page.locator(pages.LOGIN_FORM)).to_be_visible()
    portfolio = page.request.get(base_url + "/", max_redirects=0)  # with this browser's cookies, if any
    assert portfolio.status == 303 and urlparse(portfolio.headers["location"]).path == pages.LOGIN_PATH
