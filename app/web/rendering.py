"""Templates, the headers every page carries, and the route class that turns errors into HTML pages."""

from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.types import Scope

from app.core.errors import DomainError
from app.web.auth import SignInRequired, sign_in_redirect
from app.web.charts.svg import signed
from app.web.security import PAGE_HEADERS, STATIC_HEADERS

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _money(value: int | Decimal | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def _words(value: object) -> str:
    """A vocabulary code for reading: approve_with_conditions → approve with conditions."""
    return str(value).replace("_", " ")


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # every template is HTML: whatever a deal, entity or rule holds is escaped
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(money=_money, signed=signed, words=_words)


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered into an HTML response (the page headers are added by PageRoute)."""
    context.setdefault("principal", None)
    return HTMLResponse(environment.get_template(name).render(**context), status_code=status_code)


def error_page(status_code: int, title: str, detail: str) -> HTMLResponse:
    return render("error.html", status_code=status_code, title=title, detail=detail)


def _validation_detail(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "The request is not valid."


class PageRoute(APIRoute):
    """A dashboard route: errors become HTML pages rather than problem+json, a missing sign-in becomes a 303 to
    /login, and every answer carries the page headers (CSP, nosniff, Referrer-Policy, no-store)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            response: Response
            try:
                response = await handler(request)
            except SignInRequired as exc:
                response = sign_in_redirect(exc)
            except DomainError as exc:
                response = error_page(exc.status, exc.title, exc.detail)
            except RequestValidationError as exc:
                response = error_page(422, "Invalid input", _validation_detail(exc))
            response.headers.update(PAGE_HEADERS)
            return response

        return page


class Static(StaticFiles):
    """The dashboard's CSS, served by the app itself (no CDN), with nosniff."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(STATIC_HEADERS)
        return response
