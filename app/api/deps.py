"""Typed dependencies: settings, the request's unit of work, paging, the caller and its role, If-Match.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its thread pool, and each
such hop cost more than the check it ran (docs/BENCHMARKS.md, API). The ones that touch the database stay `def`."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, ClassVar, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.core.config import Settings
from app.core.errors import FieldProblem, Forbidden, InvalidInput, PreconditionRequired, Unauthenticated
from app.db.session import unit_of_work
from app.services import keys
from app.services.keys import Principal
from app.services.paging import PageRequest
from app.vocabulary import Role


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]

# Ids and versions in paths fit the database's integer columns; a larger number is a 422, not a driver overflow.
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="A record id, or a ruleset version.")]


async def request_slot(request: Request) -> AsyncIterator[None]:
    """One of the worker's REQUEST_SLOTS (app/db/engine.py), held from before the request's session opens until
    after it commits. A request holds its pooled connection from its first query (the API key) until the commit,
    and in between it needs more threads: for its route, then for FastAPI to validate the response. With more
    requests than connections, every thread could hold a request waiting for a connection while every connection
    belonged to a request waiting for a thread (a deadlock under a burst: tests/concurrency/test_many_clients.py).
    With fewer slots than connections and threads, and every query of a request on its one session, no request
    waits for a connection and the slotted requests never fill the thread pool."""
    async with request.app.state.request_slots:
        yield


def get_session(request: Request, _slot: Annotated[None, Depends(request_slot)]) -> Iterator[Session]:
    """One unit of work per request: commits when the route returns, rolls back when it raises."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


# Function scope: the unit of work commits before the response is sent, so a client that reads right after a
# write sees it, and a failed commit is an error response rather than a success already sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_page(
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


# auto_error=False: a missing key is our own 401 problem+json, not FastAPI's bare 403. Both schemes appear under
# the docs UI's Authorize button.
_bearer = HTTPBearer(
    auto_error=False, description="`Authorization: Bearer KEY` with a key from `fdi-risk keys create`."
)
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key in an `X-API-Key` header.")


def get_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
) -> Principal | None:
    """The caller, or None when no key was sent. A key that was sent but is unknown or revoked is a 401."""
    presented = bearer.credentials if bearer is not None else header_key
    if presented is None or not presented.strip():
        return None
    principal = keys.authenticate(session, presented)
    if principal is None:
        raise Unauthenticated("The API key is not valid: it is unknown or has been revoked.")
    return principal


Credential = Literal["api_key", "cookie"]


class RoleGate:
    """A route dependency that admits callers whose role includes `role`. Kept as an object so the role each
    route requires, and the credential it is proved with, can be read from the route table (app/api/access.py)."""

    credential: ClassVar[Credential]

    def __init__(self, role: Role) -> None:
        self.role = role


class Requires(RoleGate):
    """The API's gate: an API key in `Authorization: Bearer` or `X-API-Key`, never a cookie."""

    credential = "api_key"

    async def __call__(
        self, settings: SettingsDep, principal: Annotated[Principal | None, Depends(get_principal)]
    ) -> Principal:
        if principal is None:
            if self.role is Role.viewer and settings.public_reads:
                return keys.ANONYMOUS
            raise Unauthenticated(
                f"This needs an API key with role {self.role.value} or higher: send `Authorization: Bearer KEY`."
            )
        if not principal.role.allows(self.role):
            raise Forbidden(
                f"This needs role {self.role.value}; the key {principal.name!r} has role {principal.role.value}."
            )
        return principal


VIEWER = Depends(Requires(Role.viewer))
ANALYST = Depends(Requires(Role.analyst))
ADMIN = Depends(Requires(Role.admin))


async def get_actor(principal: Annotated[Principal | None, Depends(get_principal)]) -> str:
    """The audit log's actor: the name of the calling key."""
    return principal.name if principal is not None else keys.ANONYMOUS.name


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


async def required_if_match(
    if_match: Annotated[str | None, Header(description='ETag from GET, e.g. "3"')] = None,
) -> int | None:
    return _parse_if_match(if_match)


async def optional_if_match(
    if_match: Annotated[str | None, Header(description='ETag from GET, e.g. "3"')] = None,
) -> int | None:
    return None if if_match is None else _parse_if_match(if_match)


RequiredVersion = Annotated[int | None, Depends(required_if_match)]
OptionalVersion = Annotated[int | None, Depends(optional_if_match)]


def etag(version: int) -> str:
    return f'"{version}"'
