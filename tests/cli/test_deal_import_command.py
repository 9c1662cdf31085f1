"""`fdi-risk import deals FILE` against the test database, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli.deal_import import import_deals
from app.cli.main import app as main_app
from app.cli.main import import_app
from app.core.config import get_settings
from app.models import AuditEvent, Deal, DealParty, Entity
from tests.factories import count_rows

FILES = Path(__file__).parents[1] / "fixtures" / "deals"


@pytest.fixture
def cli() -> typer.Typer:
    """The real `fdi-risk` app once it registers the command; until then the same command under `import`."""
    if any(command.name == "deals" for command in import_app.registered_commands):
        return main_app
    app = typer.Typer(pretty_exceptions_enable=False)
    group = typer.Typer()
    group.command("deals")(import_deals)
    app.add_typer(group, name="import")
    return app


def counts(engine: Engine) -> tuple[int, ...]:
    return tuple(count_rows(engine, model) for model in (Deal, DealParty, Entity, AuditEvent))


def assert_one_line_failure(output: str, exit_code: int, *needles: str) -> None:
    assert exit_code == 1, output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    for needle in needles:
        assert needle in output


def test_import_prints_a_summary_line(runner: CliRunner, cli: typer.Typer, seeded: Engine) -> None:
    before = count_rows(seeded, Deal)
    result = runner.invoke(cli, ["import", "deals", str(FILES / "deals.csv")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "deals.csv: 4 deals created"
    assert lines[1] == f"  deal {before + 1}  tlv-metro-signalling  Tel Aviv metro signalling from CRRC  (line 2)"
    assert lines[4] == f"  deal {before + 4}  -  Eilat desalination pumps  (line 6)" and len(lines) == 5
    assert count_rows(seeded, Deal) == before + 4
    json_file = runner.invoke(cli, ["import", "deals", str(FILES / "portfolio.json")])
    assert json_file.exit_code == 0, json_file.output
    assert json_file.output.splitlines()[0] == "portfolio.json: 2 deals created, 2 entities created, 1 reused"
    skipped = runner.invoke(cli, ["import", "deals", str(FILES / "portfolio.json"), "--on-existing", "skip"])
    assert skipped.exit_code == 0, skipped.output
    assert "0 deals created, 0 entities created, 3 reused, 2 skipped (ref already stored)" in skipped.output


def test_dry_run_says_what_would_be_created_and_writes_nothing(
    runner: CliRunner, cli: typer.Typer, seeded: Engine
) -> None:
    before = counts(seeded)
    result = runner.invoke(cli, ["import", "deals", str(FILES / "portfolio.json"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "portfolio.json (dry run, nothing written): 2 deals would be created, 2 entities would be created, 1 reused"
    )
    assert result.output.splitlines()[1].startswith("  new deal  ")
    assert counts(seeded) == before


def test_a_bad_row_fails_in_one_line_and_writes_nothing(runner: CliRunner, cli: typer.Typer, seeded: Engine) -> None:
    before = counts(seeded)
    result = runner.invoke(cli, ["import", "deals", str(FILES / "bad.csv")])
    assert_one_line_failure(
        result.output,
        result.exit_code,
        "error: bad.csv: 14 problem(s) in 14 row(s); nothing was written.",
        "line 3: sector: unknown sector 'basket_weaving'",
        "(+9 more)",
    )
    assert counts(seeded) == before
    yaml_file = runner.invoke(cli, ["import", "deals", str(FILES / "bad.yaml"), "--dry-run"])
    assert_one_line_failure(yaml_file.output, yaml_file.exit_code, "entities item 0 (line 4): country")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["missing.csv"], "missing.csv: no such file"),
        (["."], "is a folder, not a file"),
        ([str(FILES / "latin1.csv")], "not UTF-8 text"),
        ([str(FILES / "bad_header.csv")], "unknown column(s) secter, colour"),
        ([str(Path(__file__))], "Cannot tell the format"),
        ([str(FILES / "deals.yaml"), "--format", "json"], "not valid JSON"),
    ],
)
def test_files_that_cannot_be_imported_fail_in_one_line(
    runner: CliRunner, cli: typer.Typer, engine: Engine, args: list[str], needle: str
) -> None:
    result = runner.invoke(cli, ["import", "deals", *args])
    assert_one_line_failure(result.output, result.exit_code, "error:", needle)
    assert count_rows(engine, Deal) == 0


def test_a_database_without_the_schema_fails_in_one_line(
    cli: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FDI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["import", "deals", str(FILES / "deals.csv")])
    finally:
        get_settings.cache_clear()
    assert_one_line_failure(result.output, result.exit_code, "database error", "fdi-risk db upgrade")


def test_a_terminal_sees_a_progress_bar_then_the_summary(
    runner: CliRunner, cli: typer.Typer, seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich then treats the captured stderr as a terminal
    result = runner.invoke(cli, ["import", "deals", str(FILES / "deals.csv")])
    assert result.exit_code == 0, result.output
    assert "importing deals.csv" in result.stderr
    assert result.stdout.startswith("deals.csv: 4 deals created")
