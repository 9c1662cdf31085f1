"""Scoring keeps reference data and the screening index in memory per database, and must see every change to them:
a trigger changes the reference stamp on any write to sectors, countries, US restrictions or lists, whoever makes
it. Also: a screening index remembers candidates by name, and the ownership walk loads whole chains, cycles too."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from app.db.session import unit_of_work
from app.models import Deal, Entity, Ownership, ReferenceStamp
from app.screening.model import Subject
from app.services import lists, scoring, screening
from tests.api.test_scoring_runs import sdn_zip

AS_OF = date(2026, 11, 24)


def stamp(engine: Engine) -> str:
    with Session(engine) as session:
        return session.exec(select(ReferenceStamp.stamp)).one()


def rail_deal(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(Deal.id).where(Deal.ref == "jerusalem-light-rail-cars")).one()  # type: ignore[return-value]


def facts(engine: Engine, deal_id: int) -> dict[str, object]:
    with unit_of_work(engine) as session:
        return scoring.score_deal(session, deal_id, AS_OF, "test").facts


def test_the_workspace_is_kept_while_the_stamp_holds(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        first = scoring.load_workspace(session)
    with unit_of_work(seeded) as session:
        assert scoring.load_workspace(session) is first


def test_a_hand_typed_update_to_a_sector_reaches_the_next_score(seeded: Engine) -> None:
    deal_id = rail_deal(seeded)
    seeded_value = facts(seeded, deal_id)["sector.sensitivity"]
    before = stamp(seeded)
    # Not through the service: a trigger, not the code path, must notice the change.
    with seeded.begin() as conn:
        conn.execute(text("UPDATE sector SET sensitivity = 9 WHERE code = 'urban_rail'"))
    assert stamp(seeded) != before
    assert (seeded_value, facts(seeded, deal_id)["sector.sensitivity"]) == (4, 9)


def test_countries_and_us_restrictions_change_the_stamp_on_every_kind_of_write(seeded: Engine) -> None:
    statements = (
        "INSERT INTO country (code, name, groups) VALUES ('ZZ', 'Testland', '[]')",
        "UPDATE country SET groups = '[\"concern\"]' WHERE code = 'ZZ'",
        "DELETE FROM country WHERE code = 'ZZ'",
        "UPDATE us_restriction SET countries = '[]'",
    )
    for statement in statements:
        before = stamp(seeded)
        with seeded.begin() as conn:
            conn.execute(text(statement))
        assert stamp(seeded) != before, statement


def test_a_country_leaving_a_group_reaches_the_next_score(seeded: Engine) -> None:
    deal_id = rail_deal(seeded)
    assert "CN" in facts(seeded, deal_id)["counterparty.countries"]  # type: ignore[operator]
    groups_before = facts(seeded, deal_id)["counterparty.country_groups"]
    assert groups_before, "the seed puts China in groups"
    with seeded.begin() as conn:
        conn.execute(text("UPDATE country SET groups = '[]' WHERE code = 'CN'"))
    assert facts(seeded, deal_id)["counterparty.country_groups"] != groups_before


def sdn_hits(workspace: scoring.Workspace) -> list[str]:
    subject = Subject(0, "Iran Aircraft Manufacturing Industrial Company", (), "IR")
    return [h.list_code for h in workspace.index.matcher.match(subject, AS_OF)]


def test_a_list_import_reaches_the_next_score(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        before = scoring.load_workspace(session)
    assert "US-OFAC-SDN" not in sdn_hits(before)
    stamp_before = stamp(seeded)
    with unit_of_work(seeded) as session:
        lists.import_list(session, "US-OFAC-SDN", "ofac_sdn_csv", sdn_zip(), "test")
    assert stamp(seeded) != stamp_before
    with unit_of_work(seeded) as session:
        after = scoring.load_workspace(session)
    assert "US-OFAC-SDN" in sdn_hits(after)


def test_a_rolled_back_change_is_not_served_after_the_rollback(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        first = scoring.load_workspace(session)
    assert first.reference.sectors["urban_rail"][0] == 4
    with Session(seeded) as session:
        session.execute(text("UPDATE sector SET sensitivity = 1"))
        changed = scoring.load_workspace(session)  # seen inside the transaction that made the change
        assert changed is not first
        assert changed.reference.sectors["urban_rail"][0] == 1
        session.rollback()
    with unit_of_work(seeded) as session:
        again = scoring.load_workspace(session)
    assert again.reference.sectors["urban_rail"][0] == 4


def test_the_index_remembers_candidates_by_names_not_by_entity(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        index = screening.load_index(session)
    subject = Subject(7, "CRRC Corporation Limited", ("CRRC",), "CN")
    expected = index.matcher.candidates(subject)
    assert expected, "CRRC is on the 1260H list"
    assert index.candidates(subject) == expected
    other_entity = Subject(99, "CRRC Corporation Limited", ("CRRC",), "CN")
    assert index.candidates(other_entity) == expected
    stats = index._remembered.cache_info()  # type: ignore[attr-defined]
    assert (stats.hits, stats.misses) == (1, 1)
    # The country weighs in the score, so another country is matched and remembered apart.
    index.candidates(Subject(7, "CRRC Corporation Limited", ("CRRC",), "HK"))
    assert index._remembered.cache_info().misses == 2  # type: ignore[attr-defined]


def test_the_ownership_walk_loads_every_chain_and_ends_on_a_cycle(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        a, b, c = (Entity(name=n, kind="company", country="HK") for n in ("Loop A Ltd", "Loop B Ltd", "Loop C Ltd"))
        session.add_all([a, b, c])
        session.flush()
        # c <- b <- a <- b: a and b own each other, and b owns c.
        session.add_all(
            [
                Ownership(owner_id=b.id, owned_id=c.id, percent=Decimal(60)),
                Ownership(owner_id=a.id, owned_id=b.id, percent=Decimal(40)),
                Ownership(owner_id=b.id, owned_id=a.id, percent=Decimal(30)),
            ]
        )
        ids = (a.id, b.id, c.id)
    with Session(seeded) as session:
        graph = screening.load_graph(session, [ids[2]])
        assert set(graph.entities) == set(ids)
        edges = sorted((e.owner_id, e.owned_id, e.percent) for es in graph.graph.owners.values() for e in es)
        assert edges == sorted([(ids[1], ids[2], 60.0), (ids[0], ids[1], 40.0), (ids[1], ids[0], 30.0)])
        # Added to a graph that already holds b: b's edges are not added twice, a's are added.
        partial = screening.load_graph(session, [ids[1]])
        screening.load_graph(session, [ids[2], ids[0]], into=partial)
        merged = sorted((e.owner_id, e.owned_id) for es in partial.graph.owners.values() for e in es)
        assert merged == sorted([(ids[1], ids[2]), (ids[0], ids[1]), (ids[1], ids[0])])


def test_the_screening_index_is_kept_until_a_list_changes(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        first = screening.load_index(session)
    with unit_of_work(seeded) as session:
        assert screening.load_index(session) is first
    with seeded.begin() as conn:
        conn.execute(text("UPDATE screening_list SET ownership_rule = 'none' WHERE code = 'US-DOD-1260H'"))
    with unit_of_work(seeded) as session:
        rebuilt = screening.load_index(session)
    assert rebuilt is not first
    assert rebuilt.rules["US-DOD-1260H"].ownership_rule.value == "none"
