"""The portfolio summary on SQLite and PostgreSQL: the seed deals' real numbers, unscored deals, filters, and
deals whose counterparties are domestic, of unknown country or from several countries."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from app.models import Deal
from app.schemas.portfolio import SUMMARY_EXAMPLE
from app.services import portfolio
from tests.factories import deal, entity

TODAY = "2026-11-24"


def deal_ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {ref: id_ for ref, id_ in session.exec(select(Deal.ref, Deal.id))}  # type: ignore[misc]


def score(client: TestClient, deal_id: int) -> dict[str, Any]:
    response = client.post(f"/v1/deals/{deal_id}/score", params={"as_of": TODAY})
    assert response.status_code == 201, response.text
    return response.json()


def summary(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/v1/portfolio/summary", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def tiers(body: dict[str, Any]) -> dict[str, int]:
    return {row["tier"]: row["deals"] for row in body["by_tier"] if row["deals"]}


def test_scored_seed_deals_give_the_documented_example(client: TestClient, seeded: Engine) -> None:
    ids = deal_ids(seeded)
    for deal_id in ids.values():
        score(client, deal_id)
    score(client, ids["jerusalem-light-rail-cars"])  # a second snapshot must not count the deal twice
    body = summary(client)
    assert body == SUMMARY_EXAMPLE
    assert body["deals"] == 3 and body["value_usd"] == 383_000_000 and body["deals_with_value"] == 1
    assert tiers(body) == {"high": 2, "critical": 1}
    assert [row["tier"] for row in body["by_tier"]] == ["low", "moderate", "elevated", "high", "critical", "unscored"]
    evs = next(s for s in body["supplier_concentration"] if s["sector"] == "connected_vehicles")
    assert (evs["top_country"], evs["top_deal_share_pct"]) == ("CN", 100.0)
    # FastAPI drops nulls when it writes the OpenAPI document; everything else is the example as written.
    example = client.get("/openapi.json").json()["components"]["schemas"]["PortfolioSummary"]["examples"][0]
    assert example == without_nulls(SUMMARY_EXAMPLE)


def test_deals_never_scored_are_unscored_and_the_latest_snapshot_decides(client: TestClient, seeded: Engine) -> None:
    ids = deal_ids(seeded)
    assert tiers(summary(client)) == {"unscored": 3}
    light_rail = score(client, ids["jerusalem-light-rail-cars"])
    body = summary(client)
    assert tiers(body) == {light_rail["tier"]: 1, "unscored": 2}
    unscored = next(row for row in body["by_tier"] if row["tier"] == "unscored")
    assert (unscored["value_usd"], unscored["deals_with_value"]) == (0, 0)
    # The counterparty breakdowns do not depend on scores.
    assert body["by_counterparty_country"] == [
        {"country": "CN", "deals": 3, "value_usd": 383_000_000, "deals_with_value": 1}
    ]


def test_filters_narrow_every_breakdown(client: TestClient, seeded: Engine) -> None:
    for deal_id in deal_ids(seeded).values():
        score(client, deal_id)
    rail = summary(client, sector="urban_rail")
    assert rail["filters"] == {"sector": "urban_rail", "host_country": None}
    assert (rail["deals"], rail["value_usd"]) == (1, 383_000_000)
    assert [s["sector"] for s in rail["by_sector"]] == ["urban_rail"]
    assert [s["sector"] for s in rail["supplier_concentration"]] == ["urban_rail"]
    assert tiers(rail) == {"high": 1}
    israel = summary(client, host_country="il")
    assert israel["filters"]["host_country"] == "IL" and israel["deals"] == 3
    elsewhere = summary(client, host_country="US")
    assert elsewhere["deals"] == 0 and elsewhere["value_usd"] == 0
    assert elsewhere["by_sector"] == [] and elsewhere["by_counterparty_country"] == []
    assert elsewhere["supplier_concentration"] == [] and tiers(elsewhere) == {}
    assert summary(client, sector="no_such_sector")["deals"] == 0
    bad = client.get("/v1/portfolio/summary", params={"host_country": "ISR"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "query.host_country"


def test_counterparties_domestic_unknown_and_from_two_countries(client: TestClient) -> None:
    local_supplier = entity(client, "Haifa Cranes Ltd.", country="IL")["id"]
    chinese_buyer = entity(client, "Shenzhen Buyers Co.", country="CN")["id"]
    nameless_fund = entity(client, "Cayman Vehicle Fund", country=None, kind="fund")["id"]
    chinese_supplier = entity(client, "ZPMC", country="CN")["id"]
    hk_investor = entity(client, "Harbour Holdings", country="HK")["id"]
    other_chinese_supplier = entity(client, "Dalian Cranes", country="CN")["id"]

    def port_deal(title: str, value: int | None, parties: list[tuple[int, str]]) -> int:
        body = deal(client, [], title=title, value_usd=value, parties=[{"entity_id": e, "role": r} for e, r in parties])
        return int(body["id"])

    domestic = port_deal("Domestic cranes", 100, [(local_supplier, "supplier"), (chinese_buyer, "buyer")])
    unknown = port_deal("Fund stake", 50, [(nameless_fund, "investor")])
    mixed = port_deal(
        "Terminal stake",
        200,
        [(chinese_supplier, "supplier"), (hk_investor, "investor"), (other_chinese_supplier, "supplier")],
    )
    port_deal("Unpriced cranes", None, [(chinese_supplier, "supplier")])
    # The summary and the scores agree on who the counterparties are.
    assert score(client, mixed)["facts"]["counterparty.countries"] == ["CN", "HK"]
    assert score(client, domestic)["facts"]["counterparty.count"] == 0
    assert score(client, unknown)["facts"]["counterparty.count"] == 1

    body = summary(client)
    assert (body["deals"], body["value_usd"], body["deals_with_value"]) == (4, 350, 3)
    assert body["without_counterparty"] == {"deals": 1, "value_usd": 100, "deals_with_value": 1}
    assert body["by_counterparty_country"] == [
        {"country": "CN", "deals": 2, "value_usd": 200, "deals_with_value": 1},
        {"country": "HK", "deals": 1, "value_usd": 200, "deals_with_value": 1},
        {"country": None, "deals": 1, "value_usd": 50, "deals_with_value": 1},
    ]
    assert sum(row["deals"] for row in body["by_tier"]) == 4 and tiers(body)["unscored"] == 1
    (ports,) = body["supplier_concentration"]
    assert (ports["sector"], ports["deals"], ports["value_usd"], ports["deals_without_counterparty"]) == (
        "ports",
        4,
        350,
        1,
    )
    assert ports["countries"] == [
        {"country": "CN", "deals": 2, "value_usd": 200, "deal_share_pct": 50.0, "value_share_pct": 57.14},
        {"country": "HK", "deals": 1, "value_usd": 200, "deal_share_pct": 25.0, "value_share_pct": 57.14},
        {"country": None, "deals": 1, "value_usd": 50, "deal_share_pct": 25.0, "value_share_pct": 14.29},
    ]
    assert (ports["top_country"], ports["top_deal_share_pct"], ports["top_value_share_pct"]) == ("CN", 50.0, 57.14)


def test_empty_portfolio(client: TestClient) -> None:
    body = summary(client)
    assert body["deals"] == 0 and body["by_sector"] == [] and body["supplier_concentration"] == []
    assert [row["deals"] for row in body["by_tier"]] == [0] * 6
    assert body["without_counterparty"] == {"deals": 0, "value_usd": 0, "deals_with_value": 0}


def test_the_three_grids_come_from_one_statement(seeded: Engine) -> None:
    """One statement sees one snapshot: as three queries, deals created between them under concurrent writes made
    `without_counterparty` negative (found by tests/concurrency/test_many_clients.py on PostgreSQL)."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with Session(seeded) as session:
        event.listen(seeded, "before_cursor_execute", seen)
        try:
            result = portfolio.summarise(session)
        finally:
            event.remove(seeded, "before_cursor_execute", seen)
    assert len(statements) == 1, statements
    assert result.deals == 3 and result.without_counterparty.deals >= 0
