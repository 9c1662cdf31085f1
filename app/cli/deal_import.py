"""`fdi-risk import deals FILE`: bulk deal import into the local database (registered in app/cli/main.py)."""

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from app.cli.progress import progress_bar
from app.core.config import get_settings
from app.core.errors import DomainError
from app.schemas.deal_import import ImportFormat, OnExisting

_LISTED_DEALS = 20
_SHOWN_PROBLEMS = 5  # the error stays one line; the API's 422 (or a dry run) lists every problem


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def import_deals(
    file: Annotated[Path, typer.Argument(help="A .csv, .json, .yaml or .yml file of deals (docs/deal-import.md).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and say what would be created; write nothing.")
    ] = False,
    format: Annotated[
        ImportFormat | None, typer.Option("--format", help="csv | json | yaml (default: from the file name).")
    ] = None,
    on_existing: Annotated[
        OnExisting,
        typer.Option(help="A deal whose ref is already stored: error refuses the file, skip leaves the stored one."),
    ] = OnExisting.error,
) -> None:
    """Import deals (and, from JSON or YAML, their entities) into the local database, all or nothing.

    Check first, then import; a second run of the same file with --on-existing skip adds only the new deals.

    Example: fdi-risk import deals deals.csv --dry-run

    Example: fdi-risk import deals portfolio.yaml --on-existing skip
    """
    from sqlalchemy.exc import SQLAlchemyError

    from app.db.engine import make_engine
    from app.db.session import unit_of_work
    from app.services.deal_import import detect_format
    from app.services.deal_import import import_deals as run_import

    try:
        content = file.read_bytes()
    except FileNotFoundError:
        _fail(f"{file}: no such file")
    except IsADirectoryError:
        _fail(f"{file} is a folder, not a file")
    except OSError as exc:
        _fail(f"{file} cannot be read: {exc.strerror}")
    engine = make_engine(get_settings().database_url)
    try:
        with progress_bar(f"importing {file.name}"), unit_of_work(engine) as session:
            result = run_import(
                session, content, detect_format(file.name, format), "cli", dry_run=dry_run, on_existing=on_existing
            )
    except DomainError as exc:
        shown = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:_SHOWN_PROBLEMS])
        more = f" (+{len(exc.errors) - _SHOWN_PROBLEMS} more)" if len(exc.errors) > _SHOWN_PROBLEMS else ""
        written = "" if "nothing was written" in exc.detail else " Nothing was written."
        _fail(f"{file.name}: {exc.detail}{written} {shown}{more}".strip())
    except SQLAlchemyError as exc:  # e.g. a database that was never migrated: say so in one line
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail(f"database error ({reason}); is FDI_DATABASE_URL right and the schema current (fdi-risk db upgrade)?")
    finally:
        engine.dispose()
    verb = "would be created" if result.dry_run else "created"
    parts = [f"{_count(result.created, 'deal', 'deals')} {verb}"]
    if result.entities:
        parts.append(f"{_count(result.entities_created, 'entity', 'entities')} {verb}")
        parts.append(f"{result.entities_reused} reused")
    if result.skipped:
        parts.append(f"{len(result.skipped)} skipped (ref already stored)")
    prefix = f"{file.name} (dry run, nothing written)" if result.dry_run else file.name
    typer.echo(f"{prefix}: {', '.join(parts)}")
    # The ids, so the next step (fdi-risk score ID) needs no lookup.
    for deal in result.deals[:_LISTED_DEALS]:
        where = f"line {deal.line}" if deal.line is not None else f"item {deal.item}"
        ident = f"deal {deal.id}" if deal.id is not None else "new deal"
        typer.echo(f"  {ident}  {deal.ref or '-'}  {deal.title}  ({where})")
    if len(result.deals) > _LISTED_DEALS:
        typer.echo(f"  ... and {len(result.deals) - _LISTED_DEALS} more")
