"""Rescore and simulate score every deal a batch at a time, with one screener for the whole run: each deal must come
out exactly as it does when scored alone, whatever batch it falls in and whichever deals share its parties."""

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.db.session import unit_of_work
from app.models import Deal, Entity, ScoreSnapshot
from app.scoring.assess import evaluate
from app.services import lists, rulesets, scoring, screening
from tests.factories import deal, entity

AS_OF = date(2026, 11, 24)
SDN_SMALL = Path(__file__).parents[1] / "fixtures" / "lists" / "ofac_sdn_small"
STORED = ("score", "tier", "recommendation", "factors", "rules", "facts", "screening", "inputs_digest")


def ref_id(engine: Engine, ref: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Entity.id).where(Entity.ref == ref)).one()  # type: ignore[return-value]


def sdn_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
            archive.write(SDN_SMALL / name, name)
    return buffer.getvalue()


def owned(client: TestClient, name: str, *owners: tuple[int, float]) -> int:
    held = entity(client, name, country="HK")["id"]
    for owner, percent in owners:
        response = client.post(f"/v1/entities/{held}/owners", json={"owner_id": owner, "percent": percent})
        assert response.status_code == 201, response.text
    return held  # type: ignore[no-any-return]


@pytest.fixture
def portfolio(client: TestClient, seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The seed deals and more that share parties, owners and list entries, scored two deals a batch; returns
    the ids of the deals the tests look at."""
    monkeypatch.setattr(scoring, "BATCH", 2)
    with unit_of_work(seeded) as session:
        lists.import_list(session, "US-OFAC-SDN", "ofac_sdn_csv", sdn_zip(), "test")
    crrc, crrc_ma, byd = ref_id(seeded, "crrc"), ref_id(seeded, "crrc-ma"), ref_id(seeded, "byd")
    buyer, sipg = ref_id(seeded, "denya-cebus"), ref_id(seeded, "sipg")
    namesake = entity(client, "CRRC Corporation Limited", country="HK")["id"]
    hesa = entity(client, "Iran Aircraft Manufacturing Industrial Company", country="IR")["id"]
    foundation = entity(client, "Gaddafi International Charity and Development Foundation", country="LY")["id"]
    # Blocked owners hold 45% together: below the 50 Percent Rule, however often the run meets the edges.
    minority = owned(client, "Harbor Two Shipping Ltd", (hesa, 25), (foundation, 20))
    deals = {
        "signed_before_listing": deal(client, [crrc_ma, buyer], signed_on="2021-01-04", status="signed")["id"],
        "minority": deal(client, [minority], title="Blocked owners below half")["id"],
        "below_minority": deal(client, [owned(client, "Harbor Three Ltd", (minority, 60)), hesa])["id"],
        "signed_after_listing": deal(client, [byd, buyer], signed_on="2026-07-01", status="signed")["id"],
        "minority_again": deal(client, [minority, sipg], deal_type="acquisition", stake_pct=60, control=True)["id"],
        "namesake": deal(client, [namesake, crrc], sector="telecom")["id"],
        "affiliate": deal(client, [owned(client, "Harbor Crest Logistics Ltd", (crrc_ma, 60))])["id"],
    }
    # An analyst rejected the namesake's hit: it must stay rejected in every batch.
    with unit_of_work(seeded) as session:
        hit = next(h for h in screening.screen_entity(session, namesake, AS_OF) if h.list_code == "US-DOD-1260H")
        screening.decide(session, namesake, hit.entry_id, "rejected", "another company", "test")
    return {**deals, "namesake_entity": namesake, "minority_entity": minority}


def alone(engine: Engine, deal_id: int) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        snapshot = scoring.score_deal(session, deal_id, AS_OF, "test")
        return {key: getattr(snapshot, key) for key in STORED}


def test_rescore_stores_for_each_deal_what_scoring_it_alone_stores(portfolio: dict[str, int], seeded: Engine) -> None:
    with Session(seeded) as session:
        deal_ids = list(session.exec(select(Deal.id).order_by(col(Deal.id))))
    expected = {deal_id: alone(seeded, deal_id) for deal_id in deal_ids}
    with unit_of_work(seeded) as session:
        summary = scoring.rescore_all(session, AS_OF, "test")
    assert summary.deals == len(deal_ids) == 10
    with Session(seeded) as session:
        rows = session.exec(select(ScoreSnapshot).order_by(col(ScoreSnapshot.id))).all()
    latest = {row.deal_id: {key: getattr(row, key) for key in STORED} for row in rows}
    assert latest == expected
    assert summary.scores_changed == 0 and summary.changed == 0  # the scores just stored, deal by deal
    assert {row.computed_by for row in rows[len(deal_ids) :]} == {"test"}
    # And what scoring alone says is right: dates, decisions and ownership as the rules of screening say.
    facts = {name: expected[portfolio[name]]["facts"] for name in portfolio if not name.endswith("_entity")}
    assert facts["signed_before_listing"]["counterparty.lists_at_signing"] == []
    assert facts["signed_before_listing"]["counterparty.lists"] == ["US-DOD-1260H"]
    assert facts["signed_after_listing"]["counterparty.lists_at_signing"] == ["US-DOD-1260H"]
    assert facts["affiliate"]["counterparty.lists_inherited"] == ["US-DOD-1260H"]
    for name in ("minority", "minority_again"):
        assert facts[name]["counterparty.lists"] == [], name
    # HESA, a buyer there, is hit itself; the company below the 45% holding is not.
    assert (facts["below_minority"]["parties.lists"], facts["below_minority"]["counterparty.lists"]) == (
        ["US-OFAC-SDN"],
        [],
    )
    namesake_hits = {h["entity_id"] for h in expected[portfolio["namesake"]]["screening"]}
    assert portfolio["namesake_entity"] not in namesake_hits and namesake_hits


def test_simulate_moves_each_deal_as_comparing_both_rulesets_on_it_alone(
    portfolio: dict[str, int], seeded: Engine
) -> None:
    with unit_of_work(seeded) as session:
        body = rulesets.get_active(session).body
        rules = [{**r, "points": r["points"] + 15} if r["id"].startswith("blacklist.") else r for r in body["rules"]]
        draft = rulesets.create_draft(session, {**body, "rules": rules}, "heavier lists", "test").version
    with unit_of_work(seeded) as session:
        active = rulesets.reference(rulesets.get_active(session))
        candidate = rulesets.reference(rulesets.get_ruleset(session, draft))
        workspace = scoring.load_workspace(session)
        expected = {}
        for row in session.exec(select(Deal).order_by(col(Deal.id))).all():
            prepared = scoring.prepare_deals(session, workspace, [row], AS_OF)[row.id]  # type: ignore[index]
            old, new = evaluate(prepared, active), evaluate(prepared, candidate)
            if (old.score, old.tier, [r.rule_id for r in old.fired]) != (
                new.score,
                new.tier,
                [r.rule_id for r in new.fired],
            ):
                expected[row.id] = (old.tier, new.tier, old.score, new.score)
        simulation = scoring.simulate(session, draft, AS_OF)
    assert simulation.deals == 10 and len(expected) >= 3
    assert {m.deal_id: (m.from_tier, m.to_tier, m.from_score, m.to_score) for m in simulation.moves} == expected
