"""How the client reads an answer it did not hope for: any status, any body, into one error tree."""

import httpx
import pytest

from app.client import AuthError, BadRequestError, FdiRiskError, NotFoundError, PreconditionError, ServerError
from app.client.calls import if_match, next_offset
from app.client.errors import error_from_response
from app.schemas.common import Page

REQUEST = httpx.Request("GET", "http://fdi.example/v1/deals/7")


def answer(status: int, json: object = None, text: str | None = None) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, json=json, text=text)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (412, PreconditionError),
        (428, PreconditionError),
        (418, FdiRiskError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_each_status_family_has_its_exception(status: int, kind: type[FdiRiskError]) -> None:
    error = error_from_response(answer(status, json={"title": "t", "status": status, "detail": "d"}))
    assert type(error) is kind and (error.status, error.title, error.detail) == (status, "t", "d")


def test_a_body_that_is_not_problem_json_still_explains_itself() -> None:
    proxy = error_from_response(answer(502, text="<html>upstream down</html>"))
    assert isinstance(proxy, ServerError) and proxy.title == "Bad Gateway" and "upstream down" in proxy.detail
    not_ready = error_from_response(answer(503, json={"status": "unavailable", "detail": "OperationalError"}))
    assert not_ready.detail == "OperationalError" and not_ready.errors == []
    empty = error_from_response(answer(500))
    assert (empty.title, empty.detail, empty.url) == ("Internal Server Error", "", "http://fdi.example/v1/deals/7")
    odd = error_from_response(answer(422, json={"title": "Invalid input", "errors": [{"field": "x"}, "junk"]}))
    assert odd.errors == []


def test_if_match_and_paging_helpers() -> None:
    assert [if_match(3), if_match("3"), if_match('"3"'), if_match("*"), if_match('W/"3"')] == [
        '"3"',
        '"3"',
        '"3"',
        "*",
        'W/"3"',
    ]
    assert next_offset(Page[int](items=[1, 2], total=5, limit=2, offset=0)) == 2
    assert next_offset(Page[int](items=[5], total=5, limit=2, offset=4)) is None
    assert next_offset(Page[int](items=[], total=9, limit=2, offset=4)) is None
