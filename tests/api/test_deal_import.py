"""POST /v1/deals/import: CSV, JSON and YAML files of deals, all or nothing, on SQLite and PostgreSQL."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.core.config import Settings
from app.models import AuditEvent, Deal, DealParty, Entity
from app.services.deal_import import MAX_ROWS
from tests.conftest import SEEDS
from tests.factories import count_rows, entity

FILES = Path(__file__).parents[1] / "fixtures" / "deals"
MINIMAL_HEADER = "title,deal_type,sector,host_country,parties\n"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Uploads here get 1 MiB, the production default for JSON bodies: room for 10,001 short rows.
    return Settings(database_url=db_url, seeds_dir=SEEDS, max_body_bytes=1_048_576, max_list_file_bytes=1_048_576)


def upload(client: TestClient, name: str, content: bytes | None = None, **params: Any) -> Response:
    """POST a fixture file (or `content` under that name) to the import endpoint."""
    body = content if content is not None else (FILES / name).read_bytes()
    return client.post("/v1/deals/import", files={"file": (name, body)}, params=params)


def entity_ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {ref: id_ for id_, ref in session.exec(select(Entity.id, Entity.ref)) if ref and id_}


def table_counts(engine: Engine) -> tuple[int, ...]:
    return tuple(count_rows(engine, model) for model in (Deal, DealParty, Entity, AuditEvent))


def fields(response: Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def parties_of(client: TestClient, deal_id: int) -> list[tuple[str, str]]:
    return [(p["entity_name"], p["role"]) for p in client.get(f"/v1/deals/{deal_id}").json()["parties"]]


def test_csv_import_creates_every_row_with_parties_by_ref_name_and_alias(client: TestClient, seeded: Engine) -> None:
    audit_before = count_rows(seeded, AuditEvent)
    response = upload(client, "deals.csv")
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["dry_run"] is False and result["created"] == 4 and result["entities_created"] == 0
    # Physical lines: the third deal's quoted description spans lines 4 and 5.
    assert [(d["line"], d["ref"]) for d in result["deals"]] == [
        (2, "tlv-metro-signalling"),
        (3, "ashdod-terminal-stake"),
        (4, "haifa-ev-fleet"),
        (6, None),
    ]
    metro, ashdod, fleet, pumps = (d["id"] for d in result["deals"])
    assert parties_of(client, metro) == [
        ("CRRC Corporation Limited", "supplier"),  # by ref
        ("CRRC MA Corporation", "manufacturer"),  # by name
        ("Denya Cebus Ltd.", "buyer"),  # by alias, in another case
    ]
    body = client.get(f"/v1/deals/{metro}").json()
    assert body["control"] is False and body["government_party"] is True and body["signed_on"] == "2025-03-01"
    assert body["attributes"] == {"remote_access": True, "units": 40}
    assert body["mitigations"] == ["security_review", "no_remote_access"]
    assert body["us_relations"] == {"concern_level": "public", "notes": "Raised by the embassy"}
    assert client.get(f"/v1/deals/{ashdod}").json()["attributes"] == {"near_sensitive_site": True}
    assert client.get(f"/v1/deals/{ashdod}").json()["stake_pct"] == 24.5
    fleet_body = client.get(f"/v1/deals/{fleet}").json()
    assert fleet_body["description"] == 'Buses and cars\nfor the city, "all electric"'
    assert fleet_body["control"] is False and fleet_body["government_party"] is True
    assert parties_of(client, pumps) == [("Shanghai International Port (Group) Co., Ltd.", "supplier")]
    # One audit event per deal, in the shape POST /v1/deals writes.
    assert count_rows(seeded, AuditEvent) == audit_before + 4
    with Session(seeded) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.object_type == "deal", AuditEvent.object_id == str(pumps))
        ).one()
    assert event.action == "create" and event.after is not None
    assert event.after["parties"] == [{"entity_id": entity_ids(seeded)["sipg"], "role": "supplier"}]


def test_parties_by_id_with_or_without_hash(client: TestClient, seeded: Engine) -> None:
    ids = entity_ids(seeded)
    csv = MINIMAL_HEADER + f"Cranes,supply,ports,IL,supplier:#{ids['sipg']};financier:{ids['china-merchants-port']}\n"
    response = upload(client, "ids.csv", csv.encode())
    assert response.status_code == 201, response.text
    assert parties_of(client, response.json()["deals"][0]["id"]) == [
        ("Shanghai International Port (Group) Co., Ltd.", "supplier"),
        ("China Merchants Port Holdings Company Limited", "financier"),
    ]


def test_imported_deals_can_be_scored(client: TestClient, seeded: Engine) -> None:
    created = upload(client, "deals.csv").json()["deals"][0]["id"]
    scored = client.post(f"/v1/deals/{created}/score")
    assert scored.status_code == 201, scored.text
    assert 0 <= scored.json()["score"] <= 100


def test_json_file_creates_its_entities_first_and_reuses_stored_refs(client: TestClient, seeded: Engine) -> None:
    entities_before = count_rows(seeded, Entity)
    response = upload(client, "portfolio.json")
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["entities_created"] == 2 and result["entities_reused"] == 1
    assert [(e["ref"], e["created"]) for e in result["entities"]] == [
        ("acme-rail", True),
        ("galilee-transit", True),
        ("crrc", False),
    ]
    assert result["entities"][2]["id"] == entity_ids(seeded)["crrc"]
    assert [(d["item"], d["line"]) for d in result["deals"]] == [(0, None), (1, None)]
    tram, depot = (d["id"] for d in result["deals"])
    assert parties_of(client, tram) == [("Acme Rail Holdings Ltd.", "supplier"), ("Galilee Transit Authority", "buyer")]
    assert parties_of(client, depot) == [
        ("CRRC Corporation Limited", "operator"),
        ("Galilee Transit Authority", "buyer"),
    ]
    assert client.get(f"/v1/deals/{tram}").json()["sources"][0]["url"] == "https://example.org/galilee"
    assert count_rows(seeded, Entity) == entities_before + 2
    # A second run of the same file: the deals exist (conflict), unless told to skip them; no entity twice.
    again = upload(client, "portfolio.json")
    assert again.status_code == 422
    assert fields(again) == ["item 0: ref", "item 1: ref"]
    assert "conflict" in again.json()["errors"][0]["message"]
    skipped = upload(client, "portfolio.json", on_existing="skip")
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["created"] == 0 and skipped.json()["entities_reused"] == 3
    assert [(s["ref"], s["id"]) for s in skipped.json()["skipped"]] == [
        ("galilee-tram-cars", tram),
        ("galilee-depot-maintenance", depot),
    ]
    assert count_rows(seeded, Entity) == entities_before + 2


def test_yaml_import_reports_items_and_their_lines(client: TestClient, seeded: Engine) -> None:
    response = upload(client, "deals.yaml")
    assert response.status_code == 201, response.text
    deals = response.json()["deals"]
    assert [(d["item"], d["line"], d["ref"]) for d in deals] == [
        (0, 2, "eilat-port-cranes"),
        (1, 14, "jerusalem-ev-taxis"),
    ]
    assert parties_of(client, deals[1]["id"]) == [
        ("Geely Automobile Holdings Limited", "supplier"),
        ("Union Group", "importer"),
    ]
    assert client.get(f"/v1/deals/{deals[0]['id']}").json()["signed_on"] == "2025-01-20"


def test_every_bad_row_is_reported_with_its_line_and_field_and_nothing_is_written(
    client: TestClient, seeded: Engine
) -> None:
    before = table_counts(seeded)
    response = upload(client, "bad.csv")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fields(response) == [
        "line 3: sector",
        "line 4: host_country",
        "line 5: parties.0.role",
        "line 6: parties.0.entity",
        "line 7: value_usd",
        "line 8: stake_pct",
        "line 9: signed_on",
        "line 10: control",
        "line 11: ref",
        "line 12: mitigations.0",
        "line 13: parties",
        "line 14: deal_type",
        "line 15: attributes",
        "line 16",
    ]
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["line 3: sector"] == "unknown sector 'basket_weaving' (see GET /v1/sectors)"
    assert messages["line 6: parties.0.entity"].startswith("no entity has the id, ref, name or alias")
    assert "also line 2" in messages["line 11: ref"]
    assert "13 values" in messages["line 16"]
    assert response.json()["detail"] == "14 problem(s) in 14 row(s); nothing was written."
    assert table_counts(seeded) == before
    assert upload(client, "bad.csv", dry_run="true").status_code == 422


def test_yaml_problems_name_the_item_and_the_line_of_the_field(client: TestClient, seeded: Engine) -> None:
    before = table_counts(seeded)
    response = upload(client, "bad.yaml")
    assert response.status_code == 422
    assert fields(response) == [
        "entities item 0 (line 4): country",
        "item 1 (line 18): value_usd",
        "item 1 (line 19): stake_pct",
        "item 1 (line 22): parties.1.entity",
    ]
    assert table_counts(seeded) == before


def test_a_refused_row_still_has_its_references_checked(client: TestClient, seeded: Engine) -> None:
    csv = MINIMAL_HEADER.replace("parties", "signed_on,parties") + "Cranes,supply,nowhere,QQ,someday,buyer:nobody\n"
    assert fields(upload(client, "x.csv", csv.encode())) == [
        "line 2: signed_on",
        "line 2: sector",
        "line 2: host_country",
        "line 2: parties.0.entity",
    ]


def test_an_ambiguous_name_lists_the_candidates(client: TestClient, seeded: Engine) -> None:
    first = entity(client, "Harbour Holdings Ltd.", aliases=["Harbour Co"], ref="harbour-a")
    second = entity(client, "Harbour Company PLC", aliases=["HARBOUR CO"], country="GB")
    response = upload(client, "x.csv", (MINIMAL_HEADER + "Cranes,supply,ports,IL,supplier:harbour co\n").encode())
    assert fields(response) == ["line 2: parties.0.entity"]
    message = response.json()["errors"][0]["message"]
    assert f"#{first['id']} Harbour Holdings Ltd. (ref harbour-a)" in message
    assert f"#{second['id']} Harbour Company PLC" in message
    assert "ref or #id" in message
    by_ref = upload(client, "x.csv", (MINIMAL_HEADER + "Cranes,supply,ports,IL,supplier:harbour-a\n").encode())
    assert by_ref.status_code == 201 and parties_of(client, by_ref.json()["deals"][0]["id"])[0][0] == first["name"]


def test_an_unknown_name_gets_a_suggestion(client: TestClient, seeded: Engine) -> None:
    response = upload(client, "x.csv", (MINIMAL_HEADER + "Cars,supply,ports,IL,supplier:Geely Automobile\n").encode())
    assert "did you mean" in response.json()["errors"][0]["message"]
    assert "Geely Automobile Holdings Limited" in response.json()["errors"][0]["message"]


def test_a_dry_run_reports_and_writes_nothing(client: TestClient, seeded: Engine) -> None:
    before = table_counts(seeded)
    response = upload(client, "portfolio.json", dry_run="true")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dry_run"] is True and result["created"] == 2 and result["entities_created"] == 2
    assert [d["ref"] for d in result["deals"]] == ["galilee-tram-cars", "galilee-depot-maintenance"]
    assert all(d["id"] is None for d in result["deals"])
    assert table_counts(seeded) == before


def test_a_stored_ref_is_a_conflict_unless_skipped(client: TestClient, seeded: Engine) -> None:
    stored = entity_ids(seeded)  # the seeded deal haifa-bay-port exists
    csv = MINIMAL_HEADER.replace("title", "ref,title") + (
        "haifa-bay-port,Haifa again,concession,ports,IL,operator:sipg\nnew-one,New,supply,ports,IL,supplier:sipg\n"
    )
    before = table_counts(seeded)
    refused = upload(client, "x.csv", csv.encode())
    assert refused.status_code == 422 and fields(refused) == ["line 2: ref"]
    assert "conflict: deal" in refused.json()["errors"][0]["message"]
    assert "on_existing=skip" in refused.json()["errors"][0]["message"]
    assert table_counts(seeded) == before
    skipped = upload(client, "x.csv", csv.encode(), on_existing="skip")
    assert skipped.status_code == 201, skipped.text
    assert [(s["line"], s["ref"]) for s in skipped.json()["skipped"]] == [(2, "haifa-bay-port")]
    assert [d["ref"] for d in skipped.json()["deals"]] == ["new-one"]
    assert stored == entity_ids(seeded)


def test_more_than_the_row_limit_is_refused(client: TestClient, seeded: Engine) -> None:
    row = "Cranes,supply,ports,IL,supplier:sipg\n"
    before = table_counts(seeded)
    too_many = upload(client, "big.csv", (MINIMAL_HEADER + row * (MAX_ROWS + 1)).encode())
    assert too_many.status_code == 422, too_many.text
    assert "at most 10,000" in too_many.json()["detail"]
    as_json = upload(client, "big.json", b"[" + b",".join([b"{}"] * (MAX_ROWS + 1)) + b"]")
    assert as_json.status_code == 422 and "10,001 deals" in as_json.json()["detail"]
    assert table_counts(seeded) == before
    at_limit = upload(client, "big.csv", (MINIMAL_HEADER + row * MAX_ROWS).encode(), dry_run="true")
    assert at_limit.status_code == 200 and at_limit.json()["created"] == MAX_ROWS


def test_a_thousand_rows_are_written_in_one_request(client: TestClient, seeded: Engine) -> None:
    """The batched write (not create_deal per row) still writes every deal, party and audit event."""
    rows = "".join(
        f"bulk-{i},Deal {i},supply,ports,IL,{i * 1000},yes,supplier:crrc;buyer:Denya Cebus,security_review,units={i}\n"
        for i in range(1_000)
    )
    header = "ref,title,deal_type,sector,host_country,value_usd,control,parties,mitigations,attributes\n"
    deals, parties, entities, events = table_counts(seeded)
    response = upload(client, "bulk.csv", (header + rows).encode())
    assert response.status_code == 201 and response.json()["created"] == 1_000
    assert table_counts(seeded) == (deals + 1_000, parties + 2_000, entities, events + 1_000)
    last = response.json()["deals"][-1]
    assert last["line"] == 1_001 and last["ref"] == "bulk-999"
    stored = client.get(f"/v1/deals/{last['id']}").json()
    assert stored["value_usd"] == 999_000 and stored["attributes"] == {"units": 999} and stored["control"] is True


@pytest.mark.parametrize(
    ("name", "content", "params", "detail"),
    [
        ("latin1.csv", None, {}, "not UTF-8 text: byte 0xe9 on line 2"),
        ("empty.csv", b"  \n", {}, "The file is empty."),
        ("deals.txt", b"[]", {}, "Cannot tell the format of 'deals.txt'"),
        ("broken.json", b'[{"title": ', {}, "not valid JSON"),
        ("object.json", b'{"deal": []}', {}, "Unknown top-level key(s) ['deal']"),
        ("scalar.json", b'"deals"', {}, "must hold a list of deals"),
        ("nothing.json", b"[]", {}, "holds no deals"),
        ("broken.yaml", b"- title: [unclosed\n", {}, "not valid YAML"),
        ("bomb.yaml", b"- &a {title: x}\n- *a\n", {}, "anchors and aliases"),
        ("header.csv", b"title\n", {}, "missing required column(s): deal_type, sector, host_country, parties"),
        ("deals.csv", b"[{}]", {"format": "xml"}, None),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(
    client: TestClient,
    engine: Engine,
    name: str,
    content: bytes | None,
    params: dict[str, str],
    detail: str | None,
) -> None:
    response = upload(client, name, content, **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    if detail is not None:
        assert detail in response.json()["detail"]
    assert count_rows(engine, Deal) == 0


def test_a_wrong_header_lists_unknown_and_missing_columns(client: TestClient, engine: Engine) -> None:
    response = upload(client, "bad_header.csv")
    assert response.status_code == 422 and response.json()["title"] == "Import rejected"
    assert response.json()["errors"] == [
        {"field": "line 1: secter", "message": "unknown column; did you mean sector?"},
        {"field": "line 1: colour", "message": "unknown column"},
        {"field": "line 1", "message": "missing required column(s): sector, parties"},
    ]


def test_the_format_parameter_overrides_the_file_name(client: TestClient, seeded: Engine) -> None:
    csv = (MINIMAL_HEADER + "Cranes,supply,ports,IL,supplier:sipg\n").encode()
    assert upload(client, "export.txt", csv, format="csv").status_code == 201


def test_an_oversize_upload_is_refused_before_it_is_read(client: TestClient, engine: Engine) -> None:
    response = upload(client, "huge.csv", MINIMAL_HEADER.encode() + b"x" * 1_100_000)
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


def test_the_import_path_leaves_the_deal_routes_alone(client: TestClient, seeded: Engine) -> None:
    assert client.get("/v1/deals/import").status_code == 422  # GET /v1/deals/{deal_id} with a non-integer id
    assert client.get("/v1/deals").status_code == 200
    assert upload(client, "deals.yaml").status_code == 201
