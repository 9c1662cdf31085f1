"""`fdi-risk keys`: create, list and revoke API keys on the local database (FDI_DATABASE_URL)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.core.config import get_settings
from app.core.errors import DomainError
from app.vocabulary import Role

keys_app = typer.Typer(
    help="API keys: create (shown once), list, revoke. Runs on the server's database (FDI_DATABASE_URL).",
    no_args_is_help=True,
)
BOOTSTRAP_NAME = "local-admin"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def _session() -> Iterator[Session]:
    from app.db.engine import make_engine
    from app.db.session import unit_of_work

    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(engine) as session:
            yield session
    except DomainError as exc:
        _fail(exc.detail)
    except SQLAlchemyError as exc:
        _fail(f"database error ({type(exc).__name__}); is it migrated? run `fdi-risk db upgrade`")
    finally:
        engine.dispose()


@keys_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="viewer (read), analyst (write deals...), admin (everything).")],
    name: Annotated[str, typer.Option(help="Who or what uses the key; the audit log shows this name.")],
) -> None:
    """Create a key and print only the key on stdout (it is shown this once).

    Example: export FDI_API_KEY=$(fdi-risk keys create --role analyst --name dana)
    """
    from app.services.keys import create_key

    with _session() as session:
        _, plaintext = create_key(session, name=name, role=role, actor="cli")
    typer.echo(plaintext)


@keys_app.command("list")
def list_(
    active: Annotated[bool, typer.Option("--active", help="Only keys that are not revoked.")] = False,
) -> None:
    """List keys: name, role, prefix, created, revoked. Never the keys themselves.

    Example: fdi-risk keys list --active
    """
    from app.services.keys import list_keys

    with _session() as session:
        rows = list_keys(session, include_revoked=not active)
    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for row in rows:
        revoked = row.revoked_at.strftime("%Y-%m-%d %H:%M") if row.revoked_at else ""
        table.add_row(str(row.id), row.name, row.role, row.prefix, row.created_at.strftime("%Y-%m-%d %H:%M"), revoked)
    Console(width=120).print(table)


@keys_app.command("revoke")
def revoke(key: Annotated[str, typer.Argument(help="The key's name or id (see `fdi-risk keys list`).")]) -> None:
    """Revoke a key: requests with it get 401 from now on.

    Example: fdi-risk keys revoke dana
    """
    from app.services.keys import revoke_key

    with _session() as session:
        row = revoke_key(session, key, actor="cli")
    typer.echo(f"revoked key {row.name!r} ({row.prefix}...)")


@keys_app.command("bootstrap")
def bootstrap() -> None:
    """Create a first admin key when no admin key exists, and print it; otherwise do nothing. `make run` calls it.

    Example: fdi-risk keys bootstrap
    """
    from app.services.keys import create_key, has_active_admin, list_keys

    with _session() as session:
        if has_active_admin(session):
            typer.echo("keys: an admin key exists already (`fdi-risk keys create --role ... --name ...` makes more)")
            return
        taken = {row.name for row in list_keys(session)}
        name = BOOTSTRAP_NAME
        suffix = 2
        while name in taken:
            name, suffix = f"{BOOTSTRAP_NAME}-{suffix}", suffix + 1
        _, plaintext = create_key(session, name=name, role=Role.admin, actor="bootstrap")
    typer.echo(
        f"\nYour admin API key ({name}), shown only this once:\n\n    {plaintext}\n\n"
        f"Use it with:  export FDI_API_KEY={plaintext}\n"
        '              curl -H "Authorization: Bearer $FDI_API_KEY" http://127.0.0.1:8000/v1/deals\n'
        "or paste it into Authorize at http://127.0.0.1:8000/docs\n"
    )
