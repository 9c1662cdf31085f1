"""The `fdi-risk` command line: serve, db upgrade, seed, import, keys (local); score, export, rulesets (on a
server); screen (either)."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.deal_import import import_deals
from app.cli.export import export_app
from app.cli.keys import keys_app
from app.cli.progress import progress_bar
from app.cli.rulesets import rulesets_app
from app.cli.score import score
from app.cli.screening import screen
from app.core.config import get_settings
from app.core.errors import DomainError

app = typer.Typer(
    help="fdi-risk: score foreign-investment deals for national-security risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
import_app = typer.Typer(help="Import list files and deals into the local database.", no_args_is_help=True)
app.add_typer(import_app, name="import")
import_app.command("deals")(import_deals)
app.add_typer(keys_app, name="keys")
app.command()(score)
app.command()(screen)
app.add_typer(export_app, name="export")
app.add_typer(rulesets_app, name="rulesets")


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
    part: Annotated[
        list[str] | None,
        typer.Option(help="reference, lists, rulesets, deals or scores; repeat for several."),
    ] = None,
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


@import_app.command("list")
def import_list(
    file: Annotated[Path, typer.Argument(help="The list file (a zip for ofac_sdn_csv).")],
    code: Annotated[str, typer.Option(help="List code, e.g. US-OFAC-SDN (see GET /v1/lists).")],
    format: Annotated[
        str, typer.Option("--format", help="dod_1260h_csv | csl_csv | ofac_sdn_csv | ofac_sdn_xml | ftm_jsonl")
    ],
) -> None:
    """Import a list file as the list's next version in the local database, all or nothing.

    Example: fdi-risk import list sdn.zip --code US-OFAC-SDN --format ofac_sdn_csv
    """
    from app.db.engine import make_engine
    from app.db.session import unit_of_work
    from app.services.lists import import_list as run_import

    if not file.is_file():
        _fail(f"{file} is not a file")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        # One transaction with no natural steps to count: the bar pulses with the elapsed time (on a terminal).
        # The open file, not its bytes: a streaming format (FtM) then never holds the whole file in memory.
        with progress_bar(f"importing {file.name}"), file.open("rb") as handle, unit_of_work(engine) as session:
            outcome = run_import(session, code, format, handle, "cli", source_name=file.name)
    except DomainError as exc:
        details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
        _fail(f"{exc.detail} {details}".strip() + " (nothing was written)")
    finally:
        engine.dispose()
    for row in outcome.rejected[:20]:
        typer.echo(f"rejected line {row.line}: {row.reason}", err=True)
    state = f"version {outcome.version} written" if outcome.created else f"unchanged (version {outcome.version})"
    typer.echo(f"{code}: {state}, {outcome.entries} entries, {len(outcome.rejected)} rejected rows")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    timeout_graceful_shutdown: Annotated[
        int, typer.Option(min=0, help="Seconds in-flight requests get to finish after SIGTERM.")
    ] = 20,
) -> None:
    """Serve the API with uvicorn.

    Example: fdi-risk serve --port 8000
    """
    from app.cli.serving import run

    settings = get_settings()
    run(
        "app.main:create_app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )


if __name__ == "__main__":
    app()
