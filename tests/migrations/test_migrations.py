"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db.engine import make_engine
from app.db.migrate import alembic_config, current_revision, head_revision


def test_models_and_migrations_do_not_drift(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True}),
            SQLModel.metadata,
        )
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_database_is_at_head_after_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "entity",
        "ownership",
        "deal",
        "deal_party",
        "screening_list",
        "list_version",
        "screening_entry",
        "ruleset",
        "score_snapshot",
        "audit_event",
        "sector",
        "country",
        "us_restriction",
    } <= tables


def test_downgrade_to_base_and_back(db_url: str) -> None:
    from alembic import command

    cfg = alembic_config(db_url)
    command.downgrade(cfg, "base")
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_template: Path) -> None:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
