"""`fdi-risk score` against a live server on the test database (SQLite and PostgreSQL), and --all --local."""

import pytest
from typer.testing import CliRunner

from app.client import FdiRiskClient
from tests.cli.conftest import AS_OF, assert_one_line_error, deal_ids, invoke

SEED_SCORES = {  # as of 2026-11-24 with the default ruleset (README, "Reading a score")
    "haifa-bay-port": (71, "high", "escalate"),
    "jerusalem-light-rail-cars": (51, "high", "escalate"),
    "israel-chinese-evs": (82, "critical", "block"),
}


def test_score_prints_the_result_and_the_heaviest_rules_and_keeps_the_snapshot(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient
) -> None:
    rail = deal_ids(fdi)["jerusalem-light-rail-cars"]
    result = invoke(runner, "score", str(rail), "--as-of", AS_OF, "--url", seeded_server_url, "--key", api_key)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"deal            {rail}  Jerusalem light-rail cars from CRRC"
    assert lines[1:4] == ["score           51/100", "tier            high", "recommendation  escalate"]
    stored = fdi.scores(rail).items
    assert len(stored) == 1
    assert lines[4] == f"as of           {AS_OF} (ruleset v1, snapshot {stored[0].id})"
    assert "blacklist +30/40" in lines[5] and "mitigation -13/20" in lines[5]
    assert lines[7] == f"top contributions (5 of {len(stored[0].rules)} fired rules)"
    first = lines[8].split()
    assert first[:4] == ["+30", "blacklist.dod_1260h", "floor", "high"]
    assert (stored[0].score, stored[0].tier.value, str(stored[0].as_of)) == (51, "high", AS_OF)


def test_score_all_rescores_every_deal_and_summarises_the_tier_moves(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient
) -> None:
    result = invoke(runner, "score", "--all", "--as-of", AS_OF, "--url", seeded_server_url, "--key", api_key)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"rescored 3 deals as of {AS_OF} with ruleset v1: 3 moved tier (unscored->critical 1, unscored->high 2), "
        "3 scores changed",
        "tiers now: low 0, moderate 0, elevated 0, high 2, critical 1",
    ]
    assert result.stderr == ""  # no terminal, no progress bar
    for ref, deal_id in deal_ids(fdi).items():
        latest = fdi.get_deal(deal_id).latest_score
        assert latest is not None
        assert (latest.score, latest.tier.value, latest.recommendation.value) == SEED_SCORES[ref]
    again = invoke(runner, "score", "--all", "--as-of", "2025-03-31", "--url", seeded_server_url, "--key", api_key)
    assert again.exit_code == 0, again.output
    assert "3 deals as of 2025-03-31 with ruleset v1: 1 moved tier (critical->elevated 1), 1 scores changed" in (
        again.stdout
    )


def test_score_all_draws_a_progress_bar_on_a_terminal(
    runner: CliRunner, seeded_server_url: str, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich then treats the captured stderr as a terminal
    result = invoke(runner, "score", "--all", "--as-of", AS_OF, "--url", seeded_server_url, "--key", api_key)
    assert result.exit_code == 0, result.output
    assert "rescoring deals" in result.stderr and "3/3" in result.stderr
    assert result.stdout.startswith("rescored 3 deals")


def test_score_all_local_rescores_the_local_database(
    runner: CliRunner, seeded_server_url: str, fdi: FdiRiskClient
) -> None:
    result = invoke(runner, "score", "--all", "--local", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"rescored 3 deals as of {AS_OF} with ruleset v1: 3 moved tier")
    for ref, deal_id in deal_ids(fdi).items():  # the server sees what the command wrote
        latest = fdi.scores(deal_id).items[0]
        assert (latest.score, latest.tier.value, latest.computed_by) == (*SEED_SCORES[ref][:2], "cli")


def test_score_refuses_bad_input_in_one_line(
    runner: CliRunner, seeded_server_url: str, dead_url: str, api_key: str
) -> None:
    server = ["--url", seeded_server_url, "--key", api_key]
    assert_one_line_error(invoke(runner, "score", "99999", *server), "404", "Deal 99999 does not exist")
    assert_one_line_error(invoke(runner, "score", "two", *server), "DEAL_ID 'two' is not a deal id")
    assert_one_line_error(invoke(runner, "score", "1", "--as-of", "24/11/2026", *server), "--as-of '24/11/2026'")
    assert_one_line_error(invoke(runner, "score", *server), "give a DEAL_ID, or --all")
    assert_one_line_error(invoke(runner, "score", "1", "--all", *server), "not both")
    assert_one_line_error(invoke(runner, "score", "1", "--local"), "--local works with --all only")
    assert_one_line_error(
        invoke(runner, "score", "1", "--url", dead_url, "--key", api_key),
        f"cannot reach the fdi-risk server at {dead_url}",
        "is it running?",
    )
