"""Sign in with an API key, sign out. The form POSTs are checked for a same-origin Origin (or Referer)."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import SessionDep
from app.services import keys
from app.web.auth import clear_cookie, set_cookie
from app.web.rendering import PageRoute, error_page, render
from app.web.security import safe_next, same_origin

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KEY_MAX_LENGTH = 200
NEXT_MAX_LENGTH = 2_000


def _cross_site(request: Request) -> HTMLResponse | None:
    if same_origin(request.headers.get("origin"), request.headers.get("referer"), request.headers.get("host")):
        return None
    return error_page(
        403,
        "Forbidden",
        "This form must be sent from a page of this site (the Origin or Referer header did not match).",
    )


@router.get("/login")
def login_form(next: Annotated[str | None, Query(max_length=NEXT_MAX_LENGTH)] = None) -> HTMLResponse:
    """The sign-in form."""
    return render("login.html", next=safe_next(next), error=None)


@router.post("/login")
def sign_in(
    request: Request,
    session: SessionDep,
    key: Annotated[str, Form(max_length=KEY_MAX_LENGTH)] = "",
    next: Annotated[str, Form(max_length=NEXT_MAX_LENGTH)] = "/",
) -> Response:
    """Check the key; on success keep it in the sign-in cookie and go on to `next` (a path on this site)."""
    refused = _cross_site(request)
    if refused is not None:
        return refused
    destination = safe_next(next)
    principal = keys.authenticate(session, key) if key.strip() else None
    if principal is None:
        return render(
            "login.html",
            status_code=401,
            next=destination,
            error="That key is not valid: it is unknown or has been revoked.",
        )
    response = RedirectResponse(destination, status_code=303)
    set_cookie(response, key.strip(), secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def sign_out(request: Request) -> Response:
    """Forget the sign-in cookie."""
    refused = _cross_site(request)
    if refused is not None:
        return refused
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response)
    return response
