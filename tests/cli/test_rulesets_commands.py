"""`fdi-risk rulesets list|show|simulate|activate` against a live server on the test database (SQLite and
PostgreSQL): draft -> simulate -> activate from the command line."""

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from app.client import FdiRiskClient
from tests.cli.conftest import AS_OF, assert_one_line_error, deal_ids, invoke


def draft_file(fdi: FdiRiskClient, path: Path, critical_from: int) -> Path:
    """The active ruleset with the critical tier starting at `critical_from`, saved as YAML."""
    body: dict[str, Any] = fdi.active_ruleset().body
    next(t for t in body["tiers"] if t["name"] == "critical")["min_score"] = critical_from
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def test_show_lists_the_active_rulesets_rules_and_prints_its_body_to_edit(
    runner: CliRunner, server_url: str, api_key: str, fdi: FdiRiskClient
) -> None:
    server = ["--url", server_url, "--key", api_key]
    active = fdi.active_ruleset()
    text = invoke(runner, "rulesets", "show", *server)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == f"ruleset v1 (active): {active.rule_count} rules, digest {active.digest[:12]}"
    assert "tiers from: low 0, moderate 20, elevated 40, high 60, critical 80" in lines
    rule_lines = [line for line in lines if line.startswith(("blacklist ", "sector ", "mitigation "))]
    dod = next(line for line in rule_lines if "blacklist.dod_1260h:" in line)
    assert dod.split()[:4] == ["blacklist", "+30", "high", "blacklist.dod_1260h:"]
    assert len(lines) == lines.index("") + 2 + active.rule_count  # header, blank, column names, one line per rule

    with_conditions = invoke(runner, "rulesets", "show", "1", "--conditions", *server)
    assert with_conditions.exit_code == 0, with_conditions.output
    assert 'when counterparty.lists_direct contains "US-DOD-1260H"' in with_conditions.stdout
    assert "source William M. (Mac) Thornberry NDAA FY2021" in with_conditions.stdout

    as_yaml = invoke(runner, "rulesets", "show", "--format", "yaml", *server)
    assert as_yaml.exit_code == 0, as_yaml.output
    assert yaml.safe_load(as_yaml.stdout) == active.body
    as_json = invoke(runner, "rulesets", "show", "1", "--format", "json", *server)
    assert json.loads(as_json.stdout) == active.body


def test_simulate_stores_a_draft_and_names_the_deals_that_move_tier(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient, tmp_path: Path
) -> None:
    server = ["--url", seeded_server_url, "--key", api_key]
    haifa = deal_ids(fdi)["haifa-bay-port"]
    draft = draft_file(fdi, tmp_path / "draft.yaml", critical_from=70)
    result = invoke(runner, "rulesets", "simulate", str(draft), "--as-of", AS_OF, *server)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"draft version 2 stored from draft.yaml: {fdi.active_ruleset().rule_count} rules",
        f"simulated against active version 1 as of {AS_OF}: 1 of 3 deals would change",
        "  tiers now:   low 0, moderate 0, elevated 0, high 2, critical 1",
        "  tiers after: low 0, moderate 0, elevated 0, high 1, critical 2",
        "deals that move tier (1)",
        f"  deal {haifa}: Haifa Bay Port concession operated by SIPG: high -> critical, score 71 -> 71 (+0)",
        "version 2 stays a draft; to score with it: fdi-risk rulesets activate 2",
    ]
    stored = fdi.get_ruleset(2)
    assert stored.status.value == "draft" and stored.notes == "from draft.yaml"
    assert fdi.active_ruleset().version == 1

    calmer = draft_file(fdi, tmp_path / "calmer.json", critical_from=90)
    calmer.write_text(json.dumps({"version": 9, "body": yaml.safe_load(calmer.read_text())}), encoding="utf-8")
    replaced = invoke(runner, "rulesets", "simulate", str(calmer), "--draft", "2", "--as-of", AS_OF, *server)
    assert replaced.exit_code == 0, replaced.output
    assert replaced.stdout.startswith("draft version 2 replaced from calmer.json")
    assert "deals that move tier (1)" in replaced.stdout and "Haifa" not in replaced.stdout
    assert "Chinese connected electric vehicles in the Israeli car market: critical -> high" in replaced.stdout
    assert [r.version for r in fdi.list_rulesets()] == [2, 1]


def test_activate_switches_the_scoring_version_and_says_how_to_roll_back(
    runner: CliRunner, server_url: str, api_key: str, fdi: FdiRiskClient
) -> None:
    server = ["--url", server_url, "--key", api_key]
    draft = fdi.create_draft(fdi.active_ruleset().body, notes="same rules, new version")
    result = invoke(runner, "rulesets", "activate", str(draft.version), *server)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"version {draft.version} is active ({draft.rule_count} rules); version 1 is retired",
        "stored scores keep their version; rescore every deal with: fdi-risk score --all",
    ]
    assert fdi.active_ruleset().version == draft.version
    assert fdi.get_ruleset(1).status.value == "retired"
    again = invoke(runner, "rulesets", "activate", str(draft.version), *server)
    assert again.stdout == f"version {draft.version} is already active; nothing changed\n"
    listing = invoke(runner, "rulesets", "list", *server)
    assert listing.stdout.splitlines()[0].split()[:4] == [f"v{draft.version}", "active", str(draft.rule_count), "rules"]
    assert listing.stdout.splitlines()[1].split()[:2] == ["v1", "retired"]


def test_rulesets_commands_refuse_bad_input_in_one_line(
    runner: CliRunner, server_url: str, dead_url: str, api_key: str, fdi: FdiRiskClient, tmp_path: Path
) -> None:
    server = ["--url", server_url, "--key", api_key]
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        yaml.safe_dump(
            {
                "factors": {"blacklist": {"cap": 40}},
                "tiers": [{"name": "low", "min_score": 0}],
                "recommendations": {"low": "approve"},
                "rules": [
                    {
                        "id": "blacklist.made_up",
                        "factor": "blacklist",
                        "title": "A rule on a fact that does not exist",
                        "when": {"fact": "counterparty.shoe_size", "op": "gt", "value": 44},
                        "points": 5,
                        "citation": "none",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("factors: [\n  blacklist: {cap: 40}\n", encoding="utf-8")
    not_json = tmp_path / "draft.json"
    not_json.write_text('{"factors": }', encoding="utf-8")
    a_list = tmp_path / "list.yaml"
    a_list.write_text("- rules\n", encoding="utf-8")

    line = assert_one_line_error(
        invoke(runner, "rulesets", "simulate", str(invalid), *server),
        "422",
        "nothing was stored",
        "(rule blacklist.made_up)",
        "counterparty.shoe_size",
    )
    assert line.count("error:") == 1
    assert_one_line_error(
        invoke(runner, "rulesets", "simulate", str(tmp_path / "nope.yaml"), *server), "nope.yaml: no such file"
    )
    assert_one_line_error(invoke(runner, "rulesets", "simulate", str(broken), *server), "not valid YAML (line ")
    assert_one_line_error(invoke(runner, "rulesets", "simulate", str(not_json), *server), "not valid JSON (line 1")
    assert_one_line_error(invoke(runner, "rulesets", "simulate", str(a_list), *server), "does not hold a ruleset")
    assert_one_line_error(
        invoke(runner, "rulesets", "simulate", str(invalid), "--as-of", "soon", *server), "--as-of 'soon'"
    )
    assert_one_line_error(invoke(runner, "rulesets", "show", "42", *server), "404", "Ruleset version 42 does not exist")
    assert_one_line_error(invoke(runner, "rulesets", "show", "--format", "xml", *server), "--format 'xml'")
    assert_one_line_error(invoke(runner, "rulesets", "activate", "latest", *server), "VERSION 'latest'")
    assert_one_line_error(invoke(runner, "rulesets", "activate", "42", *server), "404")
    assert_one_line_error(
        invoke(runner, "rulesets", "list", "--url", dead_url, "--key", api_key),
        f"cannot reach the fdi-risk server at {dead_url}",
    )
    assert [r.version for r in fdi.list_rulesets()] == [1]  # nothing was stored
