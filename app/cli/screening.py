"""`fdi-risk screen NAME`: screen a name against every list, on the local database or, with --url (or FDI_URL),
on a running server; both print the same line per hit."""

from datetime import date
from typing import Annotated

import typer

from app.cli.remote import Key, connect, fail, parse_date

LIMIT = 20


def screen(
    name: Annotated[str, typer.Argument(help="The name to screen.")],
    as_of: Annotated[str | None, typer.Option(help="Only entries in force on this date (YYYY-MM-DD).")] = None,
    alias: Annotated[list[str] | None, typer.Option(help="Another name of the same party; repeat for several.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code of the party.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.5, max=1.0, help="Minimum score (default 0.86).")] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar="FDI_URL",
            help="Screen on this fdi-risk server; without it (and without FDI_URL), on the local database.",
            show_default=False,
            rich_help_panel="Server",
        ),
    ] = None,
    key: Key = None,
) -> None:
    """Screen a name against every list and explain each hit.

    On the local database (FDI_DATABASE_URL), or on a server when --url or FDI_URL is given.

    On a server: a key with role viewer, unless the server allows public reads.

    Example: fdi-risk screen "CRRC Corp" --as-of 2026-11-24

    Example: fdi-risk screen "CRRC Corp" --url http://127.0.0.1:8000 --key "$FDI_API_KEY"
    """
    day = parse_date(as_of)
    aliases = alias or []
    code = country.upper() if country else None
    lines = (
        _remote(url, key, name, aliases, code, day, threshold) if url else _local(name, aliases, code, day, threshold)
    )
    for line in lines or [f"{name}: no hits"]:
        typer.echo(line)


def _local(name: str, aliases: list[str], country: str | None, day: date | None, threshold: float | None) -> list[str]:
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from app.core.config import get_settings
    from app.db.engine import make_engine
    from app.services.screening import screen_name

    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            hits = screen_name(session, name, aliases, country, day, None, threshold, LIMIT)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"database error ({reason}); is FDI_DATABASE_URL right and the schema current (fdi-risk db upgrade)?")
    finally:
        engine.dispose()
    return [
        hit_line(h.list_code, h.entry_name, h.score, h.query, h.candidate, h.listed_since, h.entry_id) for h in hits
    ]


def _remote(
    url: str,
    key: str | None,
    name: str,
    aliases: list[str],
    country: str | None,
    day: date | None,
    threshold: float | None,
) -> list[str]:
    with connect(url, key) as fdi:
        answer = fdi.screen(name, aliases=aliases, country=country, as_of=day, threshold=threshold, limit=LIMIT)
    return [
        hit_line(h.list_code, h.entry_name, h.score, h.matched.query, h.matched.candidate, h.listed_since, h.entry_id)
        for h in answer.hits
    ]


def hit_line(
    list_code: str,
    entry_name: str,
    score: float,
    query: str,
    candidate: str,
    listed_since: date | None,
    entry_id: int,
) -> str:
    """One hit: the list, the entry, the score and which of the names matched which."""
    since = f", listed since {listed_since}" if listed_since else ""
    return f"{list_code}  {entry_name}  score {score:.2f}  ({query!r} ~ {candidate!r}{since}; entry {entry_id})"
