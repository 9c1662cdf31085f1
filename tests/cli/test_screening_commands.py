"""`fdi-risk import list` and `fdi-risk screen` against the test database, on SQLite and PostgreSQL."""

from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import app as cli

SEED_1260H = Path(__file__).parents[2] / "seeds" / "lists" / "us_dod_1260h.csv"


def test_screen_prints_each_hit_with_its_explanation(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["screen", "CRRC Corp", "--as-of", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "US-DOD-1260H  CRRC Corporation Limited  score 1.00" in result.output
    assert "listed since 2022-10-05" in result.output
    none = runner.invoke(cli, ["screen", "Shanghai International Port Group"])
    assert none.exit_code == 0 and "no hits" in none.output
    bad = runner.invoke(cli, ["screen", "X", "--as-of", "yesterday"])
    assert bad.exit_code == 1 and "not a date" in bad.output and "Traceback" not in bad.output


def test_import_list_reports_versions_and_refuses_bad_files(runner: CliRunner, tmp_path: Path) -> None:
    same = runner.invoke(
        cli, ["import", "list", str(SEED_1260H), "--code", "US-DOD-1260H", "--format", "dod_1260h_csv"]
    )
    assert same.exit_code == 0, same.output
    assert "US-DOD-1260H: unchanged (version 1), 397 entries, 0 rejected rows" in same.output
    changed = tmp_path / "1260h.csv"
    changed.write_bytes(SEED_1260H.read_bytes().replace(b"CRRC Corporation Limited (CRRC)*", b"CRRC Corp (CRRC)*"))
    new = runner.invoke(cli, ["import", "list", str(changed), "--code", "US-DOD-1260H", "--format", "dod_1260h_csv"])
    assert new.exit_code == 0 and "version 2 written" in new.output
    for args, message in (
        ([str(tmp_path / "missing.csv")], "is not a file"),
        ([str(Path(__file__))], "header lacks"),
    ):
        result = runner.invoke(cli, ["import", "list", *args, "--code", "US-DOD-1260H", "--format", "dod_1260h_csv"])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
