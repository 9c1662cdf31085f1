"""The `q` filter of list endpoints: part of a name, alias or title, matched in any case."""

from app.core.errors import FieldProblem, InvalidInput
from app.core.text import drop_invisible, line_problem


def needle(q: str) -> str:
    """The text to look for, folded like stored names (invisible characters dropped, lower case); control and
    bidi characters are a 422, as no stored name holds them."""
    problem = line_problem(q)
    if problem:
        raise InvalidInput("The search text cannot match anything.", [FieldProblem("q", problem)])
    return drop_invisible(q).strip().lower()
