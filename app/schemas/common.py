"""Shapes shared by every resource: pages, problems, constrained scalar types."""

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints

from app.core.text import free_text, line_text, name_text

T = TypeVar("T")

# Lengths of request text, in characters; each is at or below its database column (app/models). docs/limits.md
# lists them all.
NAME_MAX_LENGTH = 500  # entity.name
TITLE_MAX_LENGTH = 300  # deal.title
LABEL_MAX_LENGTH = 500  # short single-line text kept in JSON columns (a source's title)
NOTES_MAX_LENGTH = 10_000  # notes on entities and on US relations
DESCRIPTION_MAX_LENGTH = 20_000  # deal.description
REMARK_MAX_LENGTH = 2_000  # an ownership edge's source, a text attribute


def _upper(value: str) -> str:
    return value.upper()


CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$"),
    AfterValidator(_upper),
    Field(description="ISO 3166-1 alpha-2 country code", examples=["CN"]),
]
Ref = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"),
    Field(description="Your own stable reference for the record (unique); seeds and bulk imports use it."),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH),
    BeforeValidator(name_text),
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH), AfterValidator(line_text)
]
Label = Annotated[str, StringConstraints(max_length=LABEL_MAX_LENGTH), AfterValidator(line_text)]
Notes = Annotated[str, StringConstraints(max_length=NOTES_MAX_LENGTH), AfterValidator(free_text)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH), AfterValidator(free_text)]
Remark = Annotated[str, StringConstraints(max_length=REMARK_MAX_LENGTH), AfterValidator(free_text)]
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class InputModel(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 naming the field instead of silent loss."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of records matching the filters.")
    limit: int
    offset: int


class FieldProblemOut(BaseModel):
    field: str = Field(examples=["parties.0.entity_id"])
    message: str = Field(examples=["entity 999 does not exist"])
    rule_id: str | None = Field(default=None, description="The rule a ruleset problem is in.", examples=[None])


class Problem(BaseModel):
    """RFC 9457 problem details, returned as application/problem+json."""

    type: str = Field(examples=["https://fdi-risk.dev/problems/invalid-input"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["The deal refers to records that do not exist."])
    errors: list[FieldProblemOut] = Field(default_factory=list)


PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for code, text in {
        400: "Malformed request",
        401: "No API key, or one that is unknown or revoked",
        403: "The key's role does not allow this",
        404: "Not found",
        409: "Conflict with the current state",
        412: "If-Match does not match the current version",
        413: "Body too large",
        422: "Invalid input; `errors` names each field",
        428: "If-Match header required",
    }.items()
}


def problems(*codes: int) -> dict[int | str, dict[str, object]]:
    """The documented error responses of a route."""
    return {code: PROBLEM_RESPONSES[code] for code in codes}
