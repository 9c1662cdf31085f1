"""What the commands that talk to a running server share: the --url and --key options, the client they open,
and the one line on stderr (exit status 1) that every failure becomes, so no command ever shows a traceback."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, NoReturn

import httpx
import typer
from pydantic import ValidationError

from app.client import FdiRiskClient, FdiRiskError, FdiRiskUnavailable

# A rescore or a simulation of a large portfolio answers slowly; a server that is down is known at once.
TIMEOUT = httpx.Timeout(600.0, connect=10.0)
SHOWN_PROBLEMS = 5  # the error stays one line; the API's problem+json lists every field at fault

Url = Annotated[
    str,
    typer.Option("--url", envvar="FDI_URL", help="The fdi-risk server.", rich_help_panel="Server"),
]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="FDI_API_KEY",
        help="API key, sent as `Authorization: Bearer KEY` (create one with `fdi-risk keys create`).",
        show_default=False,
        rich_help_panel="Server",
    ),
]


def fail(message: str) -> NoReturn:
    """End the command with `error: message` as one line on stderr and exit status 1."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=1)


def parse_date(value: str | None, option: str = "--as-of") -> date | None:
    """An ISO date from the command line, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (YYYY-MM-DD)")


def describe(error: FdiRiskError, key: str | None) -> str:
    """One line for an error answer: status, title, detail, the first fields at fault, and for 401 what to do."""
    text = f"{error.status} {error.title}" + (f": {error.detail}" if error.detail else "")
    if error.errors:
        shown = [
            f"{e.field}: {e.message}" + (f" (rule {e.rule_id})" if e.rule_id else "")
            for e in error.errors[:SHOWN_PROBLEMS]
        ]
        more = len(error.errors) - SHOWN_PROBLEMS
        text += " -- " + "; ".join(shown) + (f" (+{more} more)" if more > 0 else "")
    if error.status == 401:
        text += (
            " Check the key given with --key or FDI_API_KEY." if key else " Pass a key with --key or set FDI_API_KEY."
        )
    return " ".join(text.split())[:2_000]


@contextmanager
def connect(url: str, key: str | None) -> Iterator[FdiRiskClient]:
    """A client on the server at `url`. An error answer, a server that cannot be reached, or an answer this
    client cannot read ends the command with one line naming the server and what went wrong."""
    if not url.startswith(("http://", "https://")):
        fail(f"--url {url!r} is not an http:// or https:// URL")
    try:
        with FdiRiskClient(url, api_key=key or None, timeout=TIMEOUT) as client:
            yield client
    except FdiRiskUnavailable as exc:
        fail(f"cannot reach the fdi-risk server at {exc.url} ({exc.reason}); is it running? Check --url or FDI_URL.")
    except FdiRiskError as exc:
        fail(describe(exc, key))
    except httpx.InvalidURL as exc:
        fail(f"--url {url!r} is not a valid URL ({exc})")
    except ValidationError as exc:
        fail(
            f"the server at {url} answered in a shape this command does not know ({exc.error_count()} problem(s));"
            " is it an fdi-risk server of the same version?"
        )
