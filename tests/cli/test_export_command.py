"""`fdi-risk export deals|scores` against a live server on the test database (SQLite and PostgreSQL)."""

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.client import FdiRiskClient
from tests.cli.conftest import AS_OF, assert_one_line_error, deal_ids, invoke

REFS = ["haifa-bay-port", "israel-chinese-evs", "jerusalem-light-rail-cars"]  # seeding order: oldest first


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def score_all(runner: CliRunner, url: str, key: str, as_of: str = AS_OF) -> None:
    result = invoke(runner, "score", "--all", "--as-of", as_of, "--url", url, "--key", key)
    assert result.exit_code == 0, result.output


def test_export_deals_writes_one_csv_row_per_deal_with_its_latest_score(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient, tmp_path: Path
) -> None:
    score_all(runner, seeded_server_url, api_key)
    out = tmp_path / "deals.csv"
    result = invoke(runner, "export", "deals", "--out", str(out), "--url", seeded_server_url, "--key", api_key)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 3 deals to {out}\n"
    assert result.stdout == ""
    table = rows(out.read_text(encoding="utf-8"))
    assert [row["ref"] for row in table] == REFS
    ids = deal_ids(fdi)
    by_ref = {row["ref"]: row for row in table}
    assert {ref: (row["score"], row["tier"], row["recommendation"]) for ref, row in by_ref.items()} == {
        "haifa-bay-port": ("71", "high", "escalate"),
        "israel-chinese-evs": ("82", "critical", "block"),
        "jerusalem-light-rail-cars": ("51", "high", "escalate"),
    }
    rail = by_ref["jerusalem-light-rail-cars"]
    assert rail["id"] == str(ids["jerusalem-light-rail-cars"])
    assert rail["title"] == "Jerusalem light-rail cars from CRRC"
    assert rail["sector"] == "urban_rail" and rail["host_country"] == "IL" and rail["score_as_of"] == AS_OF
    assert "CRRC Corporation Limited" in rail["counterparties"]
    assert rail["control"] in {"true", "false"}
    assert list(table[0])[:4] == ["id", "ref", "title", "deal_type"]
    assert not list(tmp_path.glob(".*.partial"))


def test_export_deals_as_json_on_stdout_is_the_api_objects(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient
) -> None:
    result = invoke(runner, "export", "deals", "--format", "json", "--url", seeded_server_url, "--key", api_key)
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote 3 deals to stdout\n"
    exported = json.loads(result.stdout)
    assert [deal["ref"] for deal in exported] == REFS
    assert all(deal["latest_score"] is None for deal in exported)  # seeded, never scored
    light_rail = fdi.get_deal(deal_ids(fdi)["jerusalem-light-rail-cars"])
    assert exported[2] == light_rail.model_dump(mode="json")


def test_export_scores_takes_each_deals_latest_score_or_its_history(
    runner: CliRunner, seeded_server_url: str, api_key: str, tmp_path: Path
) -> None:
    server = ["--url", seeded_server_url, "--key", api_key]
    unscored = invoke(runner, "export", "scores", *server)
    assert unscored.exit_code == 0, unscored.output
    assert unscored.stdout == ""
    assert unscored.stderr == "wrote 0 scores to stdout (3 of 3 deals never scored)\n"
    score_all(runner, seeded_server_url, api_key, "2025-03-31")
    score_all(runner, seeded_server_url, api_key, AS_OF)

    latest = invoke(runner, "export", "scores", "--format", "csv", *server)
    assert latest.exit_code == 0, latest.output
    assert latest.stderr == "wrote 3 scores to stdout\n"
    table = rows(latest.stdout)
    assert list(table[0])[:8] == [
        "snapshot_id",
        "deal_id",
        "deal_ref",
        "deal_title",
        "as_of",
        "score",
        "tier",
        "recommendation",
    ]
    assert [(r["deal_ref"], r["as_of"], r["score"], r["tier"]) for r in table] == [
        ("haifa-bay-port", AS_OF, "71", "high"),
        ("israel-chinese-evs", AS_OF, "82", "critical"),
        ("jerusalem-light-rail-cars", AS_OF, "51", "high"),
    ]
    rail = table[2]
    assert (rail["factor.blacklist"], rail["factor.mitigation"]) == ("30", "-13")
    assert "blacklist.dod_1260h" in rail["rules"].split("; ")

    out = tmp_path / "history.json"
    history = invoke(runner, "export", "scores", "--history", "--out", str(out), *server)
    assert history.exit_code == 0, history.output
    assert history.stderr == f"wrote 6 scores to {out}\n"
    snapshots = json.loads(out.read_text(encoding="utf-8"))
    evs = [s for s in snapshots if s["facts"].get("deal.sector") == "connected_vehicles"]
    assert [(s["as_of"], s["score"], s["tier"]) for s in evs] == [
        (AS_OF, 82, "critical"),
        ("2025-03-31", 52, "elevated"),
    ]
    assert {"rules", "factors", "facts", "screening", "inputs_digest"} <= set(snapshots[0])


def test_export_draws_a_progress_bar_only_when_writing_a_file(
    runner: CliRunner, seeded_server_url: str, api_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    server = ["--url", seeded_server_url, "--key", api_key]
    to_file = invoke(runner, "export", "deals", "--out", str(tmp_path / "deals.json"), *server)
    assert to_file.exit_code == 0, to_file.output
    assert "exporting deals" in to_file.stderr and "3/3" in to_file.stderr
    assert to_file.stderr.rstrip().endswith(f"wrote 3 deals to {tmp_path / 'deals.json'}")
    assert json.loads((tmp_path / "deals.json").read_text(encoding="utf-8"))[0]["ref"] == REFS[0]
    to_stdout = invoke(runner, "export", "deals", *server)
    assert to_stdout.exit_code == 0 and to_stdout.stderr == "wrote 3 deals to stdout\n"


def test_export_refuses_bad_input_in_one_line(
    runner: CliRunner, seeded_server_url: str, dead_url: str, api_key: str, tmp_path: Path
) -> None:
    server = ["--url", seeded_server_url, "--key", api_key]
    folder = tmp_path / "exports"
    folder.mkdir()
    assert_one_line_error(invoke(runner, "export", "deals", "--format", "xml", *server), "--format 'xml'", "csv, json")
    assert_one_line_error(
        invoke(runner, "export", "scores", "--out", str(folder / "scores.xlsx"), *server),
        "cannot tell the format from 'scores.xlsx'",
    )
    assert_one_line_error(
        invoke(runner, "export", "deals", "--out", str(folder / "missing" / "deals.csv"), *server),
        "does not exist",
    )
    assert_one_line_error(invoke(runner, "export", "deals", "--out", str(folder), *server), "is a folder")
    assert_one_line_error(
        invoke(runner, "export", "deals", "--url", dead_url, "--key", api_key),
        f"cannot reach the fdi-risk server at {dead_url}",
    )
    assert_one_line_error(invoke(runner, "export", "deals", "--url", "127.0.0.1:8000"), "not an http:// or https://")
    assert list(folder.iterdir()) == []
