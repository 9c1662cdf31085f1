"""`fdi-risk seed`: the three seed deals, idempotency, and all-or-nothing failure."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli.main import app as cli
from app.core.config import get_settings
from app.core.errors import DomainError, SeedError
from app.db.session import unit_of_work
from app.models import AuditEvent, Deal, Entity, Ownership, Ruleset, ScoreSnapshot
from app.services.seeding import seed
from tests.conftest import SEEDS
from tests.factories import count_rows


def _counts(engine: Engine) -> tuple[int, ...]:
    return tuple(count_rows(engine, m) for m in (Deal, Entity, Ownership, AuditEvent, Ruleset, ScoreSnapshot))


def test_seed_deals_are_served_with_parties_and_ownership(seeded: Engine, client: TestClient) -> None:
    deals = {d["ref"]: d for d in client.get("/v1/deals").json()["items"]}
    assert set(deals) == {"haifa-bay-port", "jerusalem-light-rail-cars", "israel-chinese-evs"}
    rail = deals["jerusalem-light-rail-cars"]
    assert rail["value_usd"] == 383_000_000 and rail["deal_type"] == "procurement"
    assert {(p["entity_name"], p["role"]) for p in rail["parties"]} == {
        ("Denya Cebus Ltd.", "buyer"),
        ("CRRC Corporation Limited", "supplier"),
        ("CRRC MA Corporation", "manufacturer"),
    }
    crrc_ma = next(p for p in rail["parties"] if p["role"] == "manufacturer")
    owners = client.get(f"/v1/entities/{crrc_ma['entity_id']}").json()["owners"]
    assert [(o["owner_name"], o["percent"]) for o in owners] == [("CRRC Corporation Limited", 100.0)]
    port = deals["haifa-bay-port"]
    assert port["deal_type"] == "concession" and port["us_relations"]["concern_level"] == "public"
    sipg = port["parties"][0]
    assert sipg["entity_name"].startswith("Shanghai International Port") and sipg["state_owned"]
    sipg_owners = client.get(f"/v1/entities/{sipg['entity_id']}").json()["owners"]
    assert (
        sipg_owners[0]["owner_name"].startswith("Shanghai Municipal State-owned Assets") and sipg_owners[0]["control"]
    )
    evs = deals["israel-chinese-evs"]
    makers = {p["entity_name"] for p in evs["parties"] if p["role"] == "supplier"}
    assert "BYD Company Limited" in makers and len(makers) >= 3
    assert all(d["sources"] for d in deals.values())


def test_second_seed_changes_nothing(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        first = seed(session, SEEDS)
    assert first.counts["scores.created"] == 3  # the seed deals had never been scored
    before = _counts(seeded)
    with unit_of_work(seeded) as session:
        report = seed(session, SEEDS)
    assert report.changed == 0
    assert _counts(seeded) == before


def test_a_broken_seed_file_leaves_the_database_as_it_was(engine: Engine, tmp_path: Path) -> None:
    broken = tmp_path / "seeds"
    shutil.copytree(SEEDS, broken)
    text = (broken / "deals" / "israel_chinese_evs.yaml").read_text()
    (broken / "deals" / "israel_chinese_evs.yaml").write_text(
        text.replace("sector: connected_vehicles", "sector: flying_cars")
    )
    before = _counts(engine)
    with pytest.raises(DomainError) as caught, unit_of_work(engine) as session:
        seed(session, broken)
    assert [e.field for e in caught.value.errors] == ["sector"]
    assert _counts(engine) == before


def test_seed_rejects_an_inconsistent_reference_file(engine: Engine, tmp_path: Path) -> None:
    broken = tmp_path / "seeds"
    shutil.copytree(SEEDS, broken)
    path = broken / "us_restrictions.yaml"
    path.write_text(path.read_text().replace("sectors: [connected_vehicles]", "sectors: [hover_boards]", 1))
    with pytest.raises(SeedError) as caught, unit_of_work(engine) as session:
        seed(session, broken)
    assert any("hover_boards" in e.message for e in caught.value.errors)


def test_cli_upgrade_and_seed_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FDI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        first = runner.invoke(cli, ["seed"])
        assert first.exit_code == 0, first.output
        assert "deals: created 3" in first.output
        second = runner.invoke(cli, ["seed"])
        assert second.exit_code == 0 and "seed: nothing changed" in second.output
        bad = runner.invoke(cli, ["seed", "--seeds-dir", str(tmp_path / "missing")])
        assert bad.exit_code == 1 and "missing" in bad.output and "Traceback" not in bad.output
    finally:
        get_settings.cache_clear()
