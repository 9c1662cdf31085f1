"""The `fdi-risk` command line: serve, db upgrade, seed."""

from pathlib import Path
from typing import Annotated

import typer

from app.core.config import get_settings
from app.core.errors import DomainError

app = typer.Typer(
    help="fdi-risk: score foreign-investment deals for national-security risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database (FDI_DATABASE_URL) to the given revision.

    Example: fdi-risk db upgrade
    """
    from app.db.migrate import upgrade

    settings = get_settings()
    try:
        upgrade(settings.database_url, revision)
    except Exception as exc:  # one line, no traceback, for a newcomer at the terminal
        _fail(f"migration failed: {exc}")
    typer.echo(f"database at {revision}")


@app.command()
def seed(
    seeds_dir: Annotated[Path | None, typer.Option(help="Folder with the seed files (default: seeds/).")] = None,
    part: Annotated[list[str] | None, typer.Option(help="reference, lists or deals; repeat for several.")] = None,
) -> None:
    """Load sectors, countries, US restrictions, the screening lists and the seed deals. Idempotent.

    Example: fdi-risk seed
    """
    from app.db.engine import make_engine
    from app.db.session import unit_of_work
    from app.services.seeding import PARTS
    from app.services.seeding import seed as run_seed

    settings = get_settings()
    folder = seeds_dir or settings.seeds_dir
    parts = tuple(part) if part else PARTS
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        _fail(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            report = run_seed(session, folder, parts)
    except DomainError as exc:
        details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:10])
        _fail(f"{exc.detail} {details}".strip() + " (nothing was written)")
    finally:
        engine.dispose()
    for line in report.lines():
        typer.echo(line)
    typer.echo("seed: nothing changed" if report.changed == 0 else f"seed: {report.changed} change(s)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn.

    Example: fdi-risk serve --port 8000
    """
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    app()
