"""The analyst scripts in examples/ run against a live server and print what they promise."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from app.client import FdiRiskClient

EXAMPLES = Path(__file__).parents[2] / "examples"
AS_OF = "2026-11-24"


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_top_risks_ranks_scored_deals_with_their_heaviest_rules(
    seeded_fdi: FdiRiskClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    top_risks = example("top_risks")
    assert top_risks.main(["--url", seeded_fdi.base_url]) == 0
    assert "No scored deals match" in capsys.readouterr().out
    seeded_fdi.rescore(as_of=AS_OF)
    out_csv = tmp_path / "top.csv"
    assert top_risks.main(["--url", seeded_fdi.base_url, "--top", "2", "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:2].strip().isdigit()]
    assert len(lines) == 2 and "82  critical  block" in lines[0] and "Chinese connected electric vehicles" in lines[0]
    assert "71  high      escalate" in lines[1] and "Haifa Bay Port" in lines[1]
    assert "rules: " in out and "(+" in out
    assert out_csv.read_text().count("\n") == 3


def test_explain_deal_prints_factors_rules_evidence_and_hits(
    seeded_fdi: FdiRiskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    explain_deal = example("explain_deal")
    assert explain_deal.main(["jerusalem-light-rail-cars", "--as-of", AS_OF, "--url", seeded_fdi.base_url]) == 0
    out = capsys.readouterr().out
    assert "tier high, recommendation escalate" in out
    assert "blacklist.dod_1260h +30, floor high" in out
    assert 'because counterparty.lists_direct contains "US-DOD-1260H"' in out
    assert "source: William M. (Mac) Thornberry NDAA FY2021" in out
    assert "CRRC MA Corporation (manufacturer) on US-DOD-1260H" in out and "via CRRC Corporation Limited" in out
    assert explain_deal.main(["no-such-deal", "--url", seeded_fdi.base_url]) == 1
    assert "no deal with id or ref 'no-such-deal'" in capsys.readouterr().err


def test_simulate_rule_change_drafts_and_simulates_without_activating(
    seeded_fdi: FdiRiskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate = example("simulate_rule_change")
    seeded_fdi.rescore(as_of=AS_OF)
    args = ["blacklist.dod_1260h", "35", "--as-of", AS_OF, "--url", seeded_fdi.base_url]
    assert simulate.main(args) == 0
    out = capsys.readouterr().out
    assert "Draft version 2" in out and "Jerusalem light-rail cars from CRRC" in out and "(+5)" in out
    assert seeded_fdi.active_ruleset().version == 1
    assert simulate.main(["no.such_rule", "1", "--url", seeded_fdi.base_url]) == 1
    assert simulate.main([*args, "--activate"]) == 0
    assert seeded_fdi.active_ruleset().version == 3


def test_bulk_import_creates_entities_and_deals_once(fdi: FdiRiskClient, capsys: pytest.CaptureFixture[str]) -> None:
    bulk = example("bulk_import_deals")
    files = [str(EXAMPLES / "deals.csv"), "--entities", str(EXAMPLES / "entities.csv"), "--url", fdi.base_url]
    assert bulk.main([*files, "--dry-run", "--as-of", AS_OF]) == 0
    assert "would create" in capsys.readouterr().out and fdi.list_deals().total == 0
    assert bulk.main([*files, "--score", "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert out.count("created deal") == 4 and fdi.list_deals().total == 4
    cctv = next(d for d in fdi.iter_deals() if d.ref == "example-city-cctv")
    assert cctv.latest_score is not None and cctv.latest_score.tier.value in {"high", "critical"}
    assert bulk.main(files) == 0
    assert capsys.readouterr().out.count("skipped") == 4 and fdi.list_deals().total == 4
