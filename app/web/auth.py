"""Signing in to the dashboard: the cookie that holds the API key, and the gate every page passes.

The cookie authenticates pages only. The JSON API under /v1 reads `Authorization` and `X-API-Key` and never a
cookie, so a page on another site cannot make a signed-in browser call the API (no CSRF on /v1).
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from app.api.deps import RoleGate, SessionDep, SettingsDep
from app.core.errors import Forbidden
from app.services import keys
from app.services.keys import Principal
from app.vocabulary import Role

COOKIE = "fdi_key"


class SignInRequired(Exception):
    """No valid sign-in cookie: the page answers 303 to /login, which brings the reader back to `next`."""

    def __init__(self, next_path: str, clear_cookie: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.clear_cookie = clear_cookie


def requested_path(request: Request) -> str:
    """The path and query of this request: where to come back to after signing in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class SignedIn(RoleGate):
    """The pages' gate: the API key held in the sign-in cookie, with the same roles as the API."""

    credential = "cookie"

    def __call__(self, request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
        presented = request.cookies.get(COOKIE)
        if not presented:
            if self.role is Role.viewer and settings.public_reads:
                return keys.ANONYMOUS
            raise SignInRequired(requested_path(request))
        principal = keys.authenticate(session, presented)
        if principal is None:  # revoked since, or never valid: sign in again
            raise SignInRequired(requested_path(request), clear_cookie=True)
        if not principal.role.allows(self.role):
            raise Forbidden(f"This page needs role {self.role.value}; you are signed in as {principal.role.value}.")
        return principal


PageViewer = Annotated[Principal, Depends(SignedIn(Role.viewer))]


def sign_in_redirect(exc: SignInRequired) -> RedirectResponse:
    response = RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)
    if exc.clear_cookie:
        clear_cookie(response)
    return response


def set_cookie(response: Response, key: str, secure: bool) -> None:
    """HttpOnly (no script reads it; the pages run none anyway), SameSite=Strict (no other site's page or link
    sends it), Path=/ and a session cookie (gone when the browser closes). Secure whenever the request came over
    https; see docs/dashboard.md for plain http on the loopback address."""
    response.set_cookie(COOKIE, key, path="/", httponly=True, samesite="strict", secure=secure)


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
