"""Browser tests: the dashboard in real headless Chromium (Debian's `chromium`, driven by Playwright's Python
package through `executable_path`; nothing is downloaded), against the client tests' live server on the seeded
per-test database (SQLite, and PostgreSQL when FDI_TEST_POSTGRES_URL is set).

One browser per session, a fresh context and page per test. Every test leaves a full-page screenshot in
test-artifacts/e2e/<test>-<db>.png, failed ones included. Without Chromium or Playwright the whole directory
is skipped, with the reason in the summary.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import REPO_ROOT
from app.vocabulary import Role
from tests.client.conftest import seeded_server_url, server_url

__all__ = ["seeded_server_url", "server_url"]  # the live-server fixtures, shared with tests/client

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
except ImportError:  # the dev extra not installed
    sync_playwright = None

HERE = Path(__file__).parent
ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
AS_OF = "2026-11-24"
SEED_REFS = ("haifa-bay-port", "jerusalem-light-rail-cars", "israel-chinese-evs")
TIMEOUT_MS = 10_000
SHOTS: list[Path] = []  # screenshots taken in this run, for the summary


def _chromium() -> str | None:
    """FDI_CHROMIUM when set, else `chromium` on PATH; None when that is not an executable file."""
    path = os.environ.get("FDI_CHROMIUM") or shutil.which("chromium")
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def _missing() -> str | None:
    if _chromium() is None:
        where = f" at FDI_CHROMIUM={os.environ['FDI_CHROMIUM']}" if os.environ.get("FDI_CHROMIUM") else ""
        return f"Chromium not found{where}: install Debian's chromium (bash .ci/run does) to run the browser tests"
    if sync_playwright is None:
        return "Playwright not installed: pip install -e '.[dev]' to run the browser tests"
    return None


SKIP_REASON = _missing()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP_REASON is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SKIP_REASON is not None:
        terminalreporter.write_line(f"Browser tests skipped: {SKIP_REASON}.", yellow=True)
    elif SHOTS:
        plural = "" if len(SHOTS) == 1 else "s"
        terminalreporter.write_line(
            f"Browser tests: {len(SHOTS)} screenshot{plural} in {ARTIFACTS.relative_to(REPO_ROOT)}/"
        )


@pytest.fixture(scope="session")
def playwright() -> Iterator["Playwright"]:
    assert sync_playwright is not None
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: "Playwright") -> Iterator["Browser"]:
    """One headless Chromium for the whole run."""
    chromium = playwright.chromium.launch(executable_path=_chromium(), headless=True)
    yield chromium
    chromium.close()


def _screenshot_path(item: Any) -> Path:
    """test-artifacts/e2e/<test>[-<other params>]-<db>.png"""
    callspec = getattr(item, "callspec", None)
    params: dict[str, Any] = dict(callspec.params) if callspec else {}
    db = params.pop("db_url", None)
    parts = [item.originalname, *(str(v) for v in params.values()), *([db] if db else [])]
    return ARTIFACTS / ("-".join(parts) + ".png")


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Path:
    """Where this test's screenshot goes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return _screenshot_path(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed and item.path.is_relative_to(HERE):
        path = _screenshot_path(item)
        report.sections.append(("screenshot", f"the page at the failure: {path.relative_to(REPO_ROOT)}"))
    return report


@pytest.fixture
def console() -> list[str]:
    """What the pages of this test wrote to the browser console, and any uncaught script error."""
    return []


@contextmanager
def _open_page(browser: "Browser", console: list[str], shot: Path, **context_options: Any) -> Iterator["Page"]:
    """A page in its own context (own cookies), logging to `console`, screenshotted to `shot` at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def log(message: "ConsoleMessage") -> None:
        console.append(f"{message.type}: {message.text}")

    page.on("console", log)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        yield page
        if page.url.startswith("http"):
            page.screenshot(path=shot, full_page=True)
            SHOTS.append(shot)
    finally:
        context.close()


@pytest.fixture
def page(browser: "Browser", console: list[str], screenshot: Path) -> Iterator["Page"]:
    """A fresh page for one test; screenshotted when the test ends, pass or fail."""
    with _open_page(browser, console, screenshot) as opened:
        yield opened


@pytest.fixture
def page_without_js(browser: "Browser", console: list[str], screenshot: Path) -> Iterator["Page"]:
    """A page whose context runs no JavaScript at all, as with scripts blocked; screenshotted to <test>-nojs.png."""
    with _open_page(
        browser, console, screenshot.with_name(screenshot.stem + "-nojs.png"), java_script_enabled=False
    ) as opened:
        yield opened


@pytest.fixture
def api(seeded_server_url: str, api_keys: dict[Role, str]) -> Iterator[dict[Role, httpx.Client]]:
    """An HTTP client on the live server per role, to read what the pages must show."""
    clients = {
        role: httpx.Client(base_url=seeded_server_url, headers={"Authorization": f"Bearer {key}"}, timeout=10.0)
        for role, key in api_keys.items()
    }
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def deal_ids(api: dict[Role, httpx.Client]) -> dict[str, int]:
    """The seed deals' ids by ref, each scored once as of AS_OF (the portfolio ranks deals by latest score)."""
    ids = {deal["ref"]: deal["id"] for deal in call(api[Role.viewer], "GET", "/v1/deals")["items"]}
    assert set(SEED_REFS) <= set(ids), ids
    for deal_id in ids.values():
        call(api[Role.analyst], "POST", f"/v1/deals/{deal_id}/score", params={"as_of": AS_OF})
    return ids


@pytest.fixture
def base_url(seeded_server_url: str) -> str:
    return seeded_server_url


def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """A 2xx API answer's JSON; anything else fails the test with the answer."""
    response = client.request(method, path, **kwargs)
    assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()
