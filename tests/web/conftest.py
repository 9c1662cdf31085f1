"""Page-test fixtures: a browser-like client signed in through the form, and the seed deals by ref."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import Deal
from app.vocabulary import Role
from tests.web.html import Element, parse

AS_OF = "2026-11-24"
SEED_REFS = ("haifa-bay-port", "jerusalem-light-rail-cars", "israel-chinese-evs")
ORIGIN = {"Origin": "http://testserver"}


def sign_in(client: TestClient, key: str, next_path: str = "/") -> None:
    """Sign in through the form, as a browser would (same-origin Origin header), and keep the cookie."""
    response = client.post("/login", data={"key": key, "next": next_path}, headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def browser(anonymous: TestClient, api_keys: dict[Role, str]) -> TestClient:
    """The anonymous app client, signed in to the pages with the viewer key (it sends no API key)."""
    sign_in(anonymous, api_keys[Role.viewer])
    return anonymous


@pytest.fixture
def page(browser: TestClient) -> Callable[[str], Element]:
    """GET a page as the signed-in viewer and parse it; the page must answer 200."""

    def get(path: str) -> Element:
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return parse(response.text)

    return get


@pytest.fixture
def deal_ids(seeded: Engine) -> dict[str, int]:
    with Session(seeded) as session:
        rows = session.exec(select(Deal.ref, Deal.id).where(Deal.ref.in_(SEED_REFS))).all()  # type: ignore[union-attr]
    return {ref: deal_id for ref, deal_id in rows}  # type: ignore[misc]
