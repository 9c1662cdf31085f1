"""What the client raises: one exception per HTTP status family, each carrying the server's problem+json."""

import json
from typing import Any

import httpx

from app.schemas.common import FieldProblemOut


class FdiRiskError(Exception):
    """The server answered with a non-2xx status. `status`, `title`, `detail`, `type` and `errors` are the
    problem+json fields (RFC 9457); `errors` names each field at fault, so a script can report them all."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: list[FieldProblemOut],
        response: httpx.Response,
        type: str | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}" if detail else f"{status} {title}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.type = type
        self.response = response

    @property
    def url(self) -> str:
        return str(self.response.request.url)

    def __str__(self) -> str:
        lines = [str(self.args[0])]
        lines += [f"  {e.field}: {e.message}" + (f" (rule {e.rule_id})" if e.rule_id else "") for e in self.errors]
        return "\n".join(lines)


class BadRequestError(FdiRiskError):
    """400: the request was malformed (e.g. a body that is not JSON, a ruleset that is not an object)."""


class AuthError(FdiRiskError):
    """401 or 403: the API key is missing, unknown or not allowed to do this."""


class NotFoundError(FdiRiskError):
    """404: no such deal, entity, ruleset version or list."""


class ConflictError(FdiRiskError):
    """409: the request conflicts with the current state (no active ruleset, a duplicate `ref`, an immutable
    ruleset version, an entity still party to a deal)."""


class PreconditionError(FdiRiskError):
    """412 or 428: `If-Match` was stale (someone changed the record since you read it) or missing."""


class InvalidInputError(FdiRiskError):
    """422: the body or query was well-formed but invalid; `errors` lists every field at fault."""


class ServerError(FdiRiskError):
    """5xx: the server failed or is not ready; retrying later may help."""


class FdiRiskUnavailable(ConnectionError):
    """The server could not be reached or did not answer in time (no HTTP response at all)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"fdi-risk server at {url} is unavailable: {reason}")
        self.url = url
        self.reason = reason


_BY_STATUS: dict[int, type[FdiRiskError]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionError,
    422: InvalidInputError,
    428: PreconditionError,
}


def error_class(status: int) -> type[FdiRiskError]:
    """The exception class for an HTTP status; statuses without their own class fall back to the family."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else FdiRiskError


def _problem_body(response: httpx.Response) -> dict[str, Any]:
    """The decoded body when it is a JSON object; an empty dict for HTML error pages, text or nothing."""
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_from_response(response: httpx.Response) -> FdiRiskError:
    """Build the exception for a non-2xx response. A body that is not problem+json (a proxy's HTML page, the
    plain JSON of `/readyz`) still gives a useful title and detail."""
    body = _problem_body(response)
    status = response.status_code
    title = str(body.get("title") or response.reason_phrase or "HTTP error")
    detail = body.get("detail")
    if detail is None:
        detail = body.get("status") if isinstance(body.get("status"), str) else response.text[:500].strip()
    raw_errors = body.get("errors")
    errors = [
        FieldProblemOut.model_validate(e)
        for e in (raw_errors if isinstance(raw_errors, list) else [])
        if isinstance(e, dict) and "field" in e and "message" in e
    ]
    kind = body.get("type")
    return error_class(status)(
        status, title, str(detail), errors, response, type=kind if isinstance(kind, str) else None
    )


def raise_for_status(response: httpx.Response) -> None:
    """Raise the matching FdiRiskError unless the response is 2xx; the response body must already be read."""
    if not response.is_success:
        raise error_from_response(response)
