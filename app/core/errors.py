"""Domain errors. Services raise these; app/api/error_handlers.py maps them to problem+json in one place."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One field-level problem: `field` is a dotted path into the request (e.g. `parties.1.entity_id`)."""

    field: str
    message: str
    rule_id: str | None = None  # set for a problem inside one rule of a ruleset

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.rule_id is not None:
            out["rule_id"] = self.rule_id
        return out


class DomainError(Exception):
    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class InvalidInput(DomainError):
    """Input that is well-formed but refers to things that do not exist or break a domain rule."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"
    type_slug = "precondition-required"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    type_slug = "precondition-failed"


class SeedError(DomainError):
    """A seed file is missing or malformed; seeding is refused and nothing is written."""

    status = 422
    title = "Invalid seed data"
    type_slug = "invalid-seed"


class ImportRejected(DomainError):
    """A list file cannot be imported at all (wrong format, columns, encoding, empty)."""

    status = 422
    title = "Import rejected"
    type_slug = "import-rejected"


class Unauthenticated(DomainError):
    """No key, or a key that is unknown or revoked."""

    status = 401
    title = "Unauthenticated"
    type_slug = "unauthenticated"


class Forbidden(DomainError):
    """A valid key whose role does not allow the operation."""

    status = 403
    title = "Forbidden"
    type_slug = "forbidden"
