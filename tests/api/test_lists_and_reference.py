"""Screening lists and reference data, as seeded."""

from fastapi.testclient import TestClient


def test_1260h_list_is_imported_whole(client: TestClient) -> None:
    lists = {item["code"]: item for item in client.get("/v1/lists").json()}
    assert lists["US-DOD-1260H"]["entries"] == 397 and lists["US-DOD-1260H"]["version"] == 1
    assert lists["US-DOD-1260H"]["ownership_rule"] == "listed_affiliates"
    assert lists["US-OFAC-SDN"]["ownership_rule"] == "fifty_percent" and lists["US-OFAC-SDN"]["version"] is None


def test_entries_are_searchable_with_dates_and_parents(client: TestClient) -> None:
    page = client.get("/v1/lists/US-DOD-1260H/entries", params={"q": "crrc"}).json()
    crrc = [e for e in page["items"] if e["name"] == "CRRC Corporation Limited"]
    assert sorted(e["start_date"] for e in crrc) == ["2022-10-05", "2025-01-07", "2026-06-08"]
    byd = client.get("/v1/lists/US-DOD-1260H/entries", params={"q": "BYD"}).json()["items"]
    assert [(e["name"], e["start_date"]) for e in byd] == [("BYD Company Limited", "2026-06-08")]
    cosco = client.get("/v1/lists/US-DOD-1260H/entries", params={"q": "COSCO SHIPPING (North America)"}).json()
    assert {e["parent_name"] for e in cosco["items"]} == {"China COSCO SHIPPING Corporation Limited"}


def test_unknown_list_is_404(client: TestClient) -> None:
    response = client.get("/v1/lists/US-NOPE/entries")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_reference_data(client: TestClient) -> None:
    sectors = {s["code"]: s for s in client.get("/v1/sectors").json()}
    assert len(sectors) >= 25 and sectors["ports"]["sensitivity"] == 5
    assert {"ports", "urban_rail", "connected_vehicles", "consumer_goods"} <= set(sectors)
    countries = client.get("/v1/countries").json()
    assert len(countries) == 249
    assert {c["code"] for c in client.get("/v1/countries", params={"group": "country_of_concern"}).json()} == {
        "CN",
        "RU",
        "IR",
        "KP",
    }
    restrictions = {r["code"]: r for r in client.get("/v1/us-restrictions").json()}
    vehicles = restrictions["us.connected_vehicles_2025"]
    assert vehicles["sectors"] == ["connected_vehicles"] and "CN" in vehicles["countries"]
    assert vehicles["effective_on"] == "2025-03-17"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
