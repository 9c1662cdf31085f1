"""The sync client against a live server: records, If-Match, scoring, paging, rulesets, screening, errors."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from app.client import (
    ConflictError,
    DealCreate,
    DealPublic,
    EntityCreate,
    FdiRiskClient,
    FdiRiskError,
    FdiRiskUnavailable,
    InvalidInputError,
    NotFoundError,
    PartyIn,
    PreconditionError,
    RescoreOut,
)
from app.vocabulary import DealStatus, PartyRole, Tier

AS_OF = "2026-11-24"
LIGHT_RAIL = "jerusalem-light-rail-cars"
SEED_1260H = Path(__file__).parents[2] / "seeds" / "lists" / "us_dod_1260h.csv"


def seed_deal(fdi: FdiRiskClient, ref: str) -> DealPublic:
    return next(deal for deal in fdi.iter_deals() if deal.ref == ref)


def crane_deal(supplier: int, buyer: int, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Ship-to-shore cranes for Ashdod",
        "deal_type": "supply",
        "sector": "ports",
        "host_country": "IL",
        "value_usd": 60_000_000,
        "parties": [{"entity_id": supplier, "role": "supplier"}, {"entity_id": buyer, "role": "buyer"}],
        **fields,
    }


def test_records_are_created_from_models_or_dicts_and_read_back_typed(fdi: FdiRiskClient) -> None:
    zpmc = fdi.create_entity(EntityCreate(name="Shanghai Zhenhua Heavy Industries Co., Ltd.", country="cn"))
    port = fdi.create_entity({"name": "Ashdod Port Company", "country": "IL", "state_owned": True})
    assert zpmc.country == "CN" and zpmc.version == 1 and port.state_owned
    deal = fdi.create_deal(
        DealCreate(
            title="Cranes",
            deal_type="supply",
            sector="ports",
            host_country="IL",
            parties=[PartyIn(entity_id=zpmc.id, role=PartyRole.supplier)],
        )
    )
    assert deal.status is DealStatus.proposed and deal.latest_score is None
    stamps = {"created_at", "updated_at"}  # POST answers them with a zone, GET on SQLite without (see report)
    assert fdi.get_deal(deal.id).model_dump(exclude=stamps) == deal.model_dump(exclude=stamps)
    edge = fdi.add_owner(zpmc.id, port.id, 12.5, source="test")
    assert (edge.owner_name, float(edge.percent)) == ("Ashdod Port Company", 12.5)
    assert (
        [o.owner_id for o in fdi.get_entity(zpmc.id).owners] == [port.id] == [o.owner_id for o in fdi.owners(zpmc.id)]
    )
    assert [e.id for e in fdi.iter_entities(q="zhenhua", page_size=1)] == [zpmc.id]
    fdi.remove_owner(zpmc.id, port.id)
    fdi.delete_deal(deal)
    fdi.delete_entity(zpmc.id)
    with pytest.raises(NotFoundError):
        fdi.get_entity(zpmc.id)


def test_update_sends_if_match_and_a_stale_version_is_refused_with_412(fdi: FdiRiskClient) -> None:
    supplier = fdi.create_entity({"name": "ZPMC", "country": "CN"}).id
    buyer = fdi.create_entity({"name": "Israel Ports Co.", "country": "IL"}).id
    read = fdi.create_deal(crane_deal(supplier, buyer))
    changed = fdi.update_deal(read, {"status": "signed"})  # If-Match from the version that was read
    assert (changed.status, changed.version) == (DealStatus.signed, 2)
    with pytest.raises(PreconditionError) as stale:
        fdi.update_deal(read, {"status": "withdrawn"})  # still version 1: someone changed it since
    problem = stale.value
    assert problem.status == 412 and problem.title == "Precondition failed" and problem.detail
    assert problem.type == "https://fdi-risk.dev/problems/precondition-failed"
    assert problem.response.request.headers["if-match"] == '"1"'
    by_id = fdi.update_deal(read.id, {"value_usd": 61_000_000})  # no version known: the current ETag is read
    assert by_id.version == 3 and by_id.value_usd == 61_000_000 and by_id.status is DealStatus.signed
    explicit = fdi.update_deal(read.id, {"stake_pct": 10}, if_match='"3"')
    assert explicit.version == 4
    with pytest.raises(PreconditionError):
        fdi.update_deal(read.id, {"stake_pct": 11}, if_match=3)
    with pytest.raises(PreconditionError):
        fdi.delete_deal(read)
    entity = fdi.update_entity(supplier, {"aliases": ["Zhenhua"]})
    assert entity.aliases == ["Zhenhua"] and entity.version == 2


def test_scoring_a_seed_deal_fires_the_1260h_rule_for_the_light_rail(seeded_fdi: FdiRiskClient) -> None:
    fdi = seeded_fdi
    light_rail = seed_deal(fdi, LIGHT_RAIL)
    snapshot = fdi.score_deal(light_rail.id, as_of=AS_OF)
    fired = {rule.rule_id: rule for rule in snapshot.rules}
    assert "blacklist.dod_1260h" in fired and fired["blacklist.dod_1260h"].min_tier is Tier.high
    assert snapshot.tier is Tier.high and snapshot.deal_id == light_rail.id and str(snapshot.as_of) == AS_OF
    assert fired["blacklist.dod_1260h"].evidence[0].actual == ["US-DOD-1260H"]
    history = fdi.scores(light_rail.id)
    assert history.total == 1 and history.items[0].id == snapshot.id
    assert [s.id for s in fdi.iter_scores(light_rail.id, page_size=1)] == [snapshot.id]
    latest = fdi.get_deal(light_rail.id).latest_score
    assert latest is not None and latest.score == snapshot.score
    unsaved = fdi.score(
        {
            "deal_type": "procurement",
            "sector": "urban_rail",
            "host_country": "IL",
            "parties": [{"name": "CRRC Corporation Limited", "country": "CN", "state_owned": True, "role": "supplier"}],
        },
        as_of=AS_OF,
    )
    assert unsaved.id is None and "blacklist.dod_1260h" in {r.rule_id for r in unsaved.rules}
    assert fdi.scores(light_rail.id).total == 1


def test_iterating_deals_follows_every_page(seeded_fdi: FdiRiskClient, server_url: str) -> None:
    requests: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [requests.append]}) as http:
        with FdiRiskClient(server_url, http=http) as fdi:
            deals = list(fdi.iter_deals(page_size=1))
            assert len(deals) == 3 == len({d.id for d in deals})
            assert [r.url.params["offset"] for r in requests] == ["0", "1", "2"]
            assert [d.id for d in deals] == [d.id for d in fdi.list_deals(limit=10).items]
            assert [d.ref for d in fdi.iter_deals(q="light-rail", page_size=1)] == [LIGHT_RAIL]
            assert list(fdi.iter_deals(sector="nuclear")) == []
        assert not http.is_closed, "an injected httpx client belongs to its owner"


def test_a_draft_is_simulated_against_every_deal_before_activation(seeded_fdi: FdiRiskClient) -> None:
    fdi = seeded_fdi
    fdi.rescore(as_of=AS_OF)
    active = fdi.active_ruleset()
    body = active.body | {"rules": [dict(r) for r in active.body["rules"]]}
    next(r for r in body["rules"] if r["id"] == "blacklist.dod_1260h")["points"] = 35
    draft = fdi.create_draft(body, notes="heavier 1260H")
    assert draft.status.value == "draft" and draft.notes == "heavier 1260H"
    simulation = fdi.simulate(draft.version, as_of=AS_OF)
    assert simulation.deals == 3 and simulation.against_version == active.version
    moved = {m.title: m for m in simulation.moves}
    assert moved["Jerusalem light-rail cars from CRRC"].delta == 5
    assert fdi.active_ruleset().version == active.version
    broken = body | {"rules": [*body["rules"], {"id": "x", "factor": "sector", "title": "t", "points": 1}]}
    with pytest.raises(InvalidInputError) as invalid:
        fdi.update_draft(draft.version, broken)
    assert invalid.value.status == 422 and invalid.value.errors
    assert fdi.activate(draft.version).status.value == "active"
    with pytest.raises(ConflictError):
        fdi.update_draft(draft.version, body)
    assert [r.version for r in fdi.list_rulesets()][:2] == [draft.version, active.version]
    assert fdi.get_ruleset(active.version).status.value == "retired"


def test_screening_a_name_an_entity_and_deciding_a_hit(seeded_fdi: FdiRiskClient) -> None:
    fdi = seeded_fdi
    hits = fdi.screen("CRRC Corp", as_of=AS_OF).hits
    assert (hits[0].list_code, hits[0].entry_name, hits[0].matched.query) == (
        "US-DOD-1260H",
        "CRRC Corporation Limited",
        "CRRC Corp",
    )
    assert fdi.screen("CRRC Corp", as_of="2021-01-01").hits == []
    crrc_ma = next(fdi.iter_entities(q="CRRC MA"))
    inherited = fdi.entity_screening(crrc_ma.id, as_of=AS_OF).hits
    assert inherited and inherited[0].via and inherited[0].status == "unreviewed"
    decision = fdi.decide(crrc_ma.id, inherited[0].entry_id, "confirmed", note="subsidiary of CRRC")
    assert decision.status == "confirmed" and decision.decided_by == "admin"
    assert fdi.entity_screening(crrc_ma.id, as_of=AS_OF).hits[0].status == "confirmed"


def test_lists_entries_and_an_unchanged_import(fdi: FdiRiskClient) -> None:
    listed = {item.code: item for item in fdi.list_lists()}
    assert listed["US-DOD-1260H"].entries == fdi.get_list("US-DOD-1260H").entries > 0
    entries = list(fdi.iter_entries("US-DOD-1260H", q="crrc", page_size=2))
    assert entries and all("crrc" in (e.name + " ".join(e.aliases)).casefold() for e in entries)
    result = fdi.import_list("US-DOD-1260H", SEED_1260H, "dod_1260h_csv")
    assert (result.created, result.version, result.entries) == (False, 1, listed["US-DOD-1260H"].entries)
    with pytest.raises(InvalidInputError):
        fdi.import_list("US-DOD-1260H", b"not,a,list\n", "dod_1260h_csv")


def test_reference_data_facts_and_health(fdi: FdiRiskClient) -> None:
    assert fdi.health() == {"status": "ok"}
    assert fdi.ready()["status"] == "ok"
    assert "ports" in {s.code for s in fdi.sectors()}
    assert "CN" in {c.code for c in fdi.countries(group="country_of_concern")}
    assert fdi.us_restrictions()
    assert "counterparty.lists" in {f.name for f in fdi.facts()}


def test_errors_carry_the_problem_json(fdi: FdiRiskClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        fdi.get_deal(999_999)
    assert (missing.value.status, missing.value.title) == (404, "Not found")
    assert "999999" in missing.value.detail and missing.value.url.endswith("/v1/deals/999999")
    with pytest.raises(InvalidInputError) as invalid:
        fdi.create_deal(
            {
                "title": "x",
                "deal_type": "supply",
                "sector": "nope",
                "host_country": "ZZ",
                "parties": [{"entity_id": 999, "role": "buyer"}],
            }
        )
    problem = invalid.value
    assert isinstance(problem, FdiRiskError) and problem.status == 422 and problem.title == "Invalid input"
    assert {"sector", "host_country", "parties.0.entity_id"} <= {e.field for e in problem.errors}
    assert "parties.0.entity_id: entity 999 does not exist" in str(problem)
    with pytest.raises(InvalidInputError) as too_many:
        fdi.list_deals(limit=100_000)
    assert [e.field for e in too_many.value.errors] == ["limit"]


def test_a_server_that_is_down_raises_unavailable_with_its_url(dead_url: str) -> None:
    with FdiRiskClient(dead_url, timeout=2.0) as fdi, pytest.raises(FdiRiskUnavailable) as down:
        fdi.health()
    assert down.value.url == dead_url and dead_url in str(down.value)
    assert isinstance(down.value, ConnectionError)


def test_api_key_is_sent_as_a_bearer_token(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FDI_API_KEY")
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http:
        FdiRiskClient(server_url, api_key="k-123", http=http).health()
        FdiRiskClient(server_url, http=http).health()
    assert seen[0].headers["authorization"] == "Bearer k-123"
    assert "authorization" not in seen[1].headers


def test_rescore_reports_progress_then_the_summary(seeded_fdi: FdiRiskClient) -> None:
    progress: list[tuple[int, int]] = []
    summary = seeded_fdi.rescore(as_of=AS_OF, on_progress=lambda done, total: progress.append((done, total)))
    assert isinstance(summary, RescoreOut) and summary.deals == 3
    assert progress[-1] == (3, 3)
    again = seeded_fdi.rescore(as_of=AS_OF)
    assert again.deals == 3 and again.changed == 0
    assert all(d.latest_score is not None for d in seeded_fdi.iter_deals())
    portfolio = seeded_fdi.portfolio_summary()
    assert portfolio.deals == 3 and {t.tier: t.deals for t in portfolio.by_tier}[Tier.high] == 2
    assert seeded_fdi.portfolio_summary(sector="ports").deals == 1


def test_a_write_is_visible_to_the_very_next_request(fdi: FdiRiskClient) -> None:
    """A 2xx must mean committed: a client that reads right after a write has to see it."""
    supplier = fdi.create_entity({"name": "ZPMC", "country": "CN"}).id
    buyer = fdi.create_entity({"name": "Israel Ports Co.", "country": "IL"}).id
    for _ in range(100):
        deal = fdi.create_deal(crane_deal(supplier, buyer))
        assert fdi.get_deal(deal.id).version == 1
        fdi.delete_deal(deal.id)
        with pytest.raises(NotFoundError):
            fdi.get_deal(deal.id)


def test_import_deals_dry_run_then_for_real_and_a_bad_row(seeded_fdi: FdiRiskClient, tmp_path: Path) -> None:
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text(
        "ref,title,deal_type,sector,host_country,parties\n"
        "metro-cars,Metro cars,procurement,urban_rail,IL,supplier:CRRC Corporation Limited\n",
        encoding="utf-8",
    )
    before = seeded_fdi.list_deals().total
    dry = seeded_fdi.import_deals(csv_file, dry_run=True)
    assert dry.dry_run and dry.created == 1 and dry.deals[0].id is None
    assert seeded_fdi.list_deals().total == before
    done = seeded_fdi.import_deals(csv_file)
    assert done.created == 1 and done.deals[0].ref == "metro-cars" and done.deals[0].id is not None
    assert seeded_fdi.get_deal(done.deals[0].id).parties[0].entity_name == "CRRC Corporation Limited"
    with pytest.raises(InvalidInputError) as bad:
        seeded_fdi.import_deals(b"title,deal_type,sector,host_country,parties\nX,merger,ports,IL,buyer:nobody\n",
                                format="csv")  # fmt: skip
    assert {e.field for e in bad.value.errors} >= {"line 2: deal_type"}
    assert seeded_fdi.list_deals().total == before + 1
