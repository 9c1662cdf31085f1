"""Typed dependencies: settings, the request's unit of work, paging, the acting user, If-Match."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.errors import FieldProblem, InvalidInput, PreconditionRequired
from app.db.session import unit_of_work
from app.services.paging import PageRequest


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commits when the route returns, rolls back when it raises."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


# Function scope: the unit of work commits before the response is sent, so a client that reads right after a
# write sees it, and a failed commit is an error response rather than a success already sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_page(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, description="Page size (hard maximum: FDI_MAX_PAGE_SIZE, 200).")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageRequest:
    size = settings.default_page_size if limit is None else limit
    if size > settings.max_page_size:
        raise InvalidInput(
            f"limit may be at most {settings.max_page_size}.",
            [FieldProblem("limit", f"must be <= {settings.max_page_size}")],
        )
    return PageRequest(limit=size, offset=offset)


PageDep = Annotated[PageRequest, Depends(get_page)]


def get_actor() -> str:
    """Who is acting. Until API keys exist every request acts as `anonymous`."""
    return "anonymous"


ActorDep = Annotated[str, Depends(get_actor)]


def _parse_if_match(value: str | None) -> int | None:
    if value is None:
        raise PreconditionRequired("Send If-Match with the ETag from your last GET, so no one's change is lost.")
    value = value.strip()
    if value == "*":
        return None
    tag = value.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput('If-Match must be an ETag such as "3".', [FieldProblem("If-Match", "not an ETag")])
    return int(tag)


def required_if_match(
    if_match: Annotated[str | None, Header(description='ETag from GET, e.g. "3"')] = None,
) -> int | None:
    return _parse_if_match(if_match)


def optional_if_match(
    if_match: Annotated[str | None, Header(description='ETag from GET, e.g. "3"')] = None,
) -> int | None:
    return None if if_match is None else _parse_if_match(if_match)


RequiredVersion = Annotated[int | None, Depends(required_if_match)]
OptionalVersion = Annotated[int | None, Depends(optional_if_match)]


def etag(version: int) -> str:
    return f'"{version}"'
