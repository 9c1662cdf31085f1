"""Screening through the API on SQLite and PostgreSQL: names, entities through owners, decisions, imports."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import AuditEvent, Deal, Entity, ListVersion, ScreeningDecision
from tests.factories import count_rows

SEED_1260H = Path(__file__).parents[2] / "seeds" / "lists" / "us_dod_1260h.csv"
TODAY = "2026-11-24"


def ref_id(engine: Engine, model: type[Entity] | type[Deal], ref: str) -> int:
    with Session(engine) as session:
        return session.exec(select(model.id).where(model.ref == ref)).one()  # type: ignore[arg-type,return-value]


def test_screen_a_name_explains_the_match(client: TestClient) -> None:
    response = client.post("/v1/screen", json={"name": "crrc corp.", "as_of": TODAY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["threshold"] == 0.86
    [hit] = body["hits"]
    assert (hit["list_code"], hit["entry_name"], hit["score"]) == ("US-DOD-1260H", "CRRC Corporation Limited", 1.0)
    assert hit["matched"] == {"query": "crrc corp.", "candidate": "CRRC Corporation Limited"}
    assert hit["listed_since"] == "2022-10-05" and hit["via"] == [] and hit["status"] == "unreviewed"


def test_screening_respects_dates_lists_and_generic_words(client: TestClient) -> None:
    assert client.post("/v1/screen", json={"name": "BYD Co., Ltd.", "as_of": "2025-03-31"}).json()["hits"] == []
    assert len(client.post("/v1/screen", json={"name": "BYD Co., Ltd.", "as_of": "2026-06-08"}).json()["hits"]) == 1
    assert client.post("/v1/screen", json={"name": "BYD", "lists": ["US-OFAC-SDN"]}).json()["hits"] == []
    for generic in ("China", "Shanghai Technology Corp", "Shanghai International Port Group"):
        assert client.post("/v1/screen", json={"name": generic}).json()["hits"] == [], generic


def test_bad_screen_request_is_422(client: TestClient) -> None:
    for body in ({"name": ""}, {"name": "x", "threshold": 2}, {"name": "x", "lists": ["lower-case"]}, {}):
        response = client.post("/v1/screen", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"


def test_entity_screening_follows_ownership(client: TestClient, seeded: Engine) -> None:
    crrc, crrc_ma = ref_id(seeded, Entity, "crrc"), ref_id(seeded, Entity, "crrc-ma")
    direct = client.get(f"/v1/entities/{crrc}/screening", params={"as_of": TODAY}).json()
    assert [(h["list_code"], h["via"]) for h in direct["hits"]] == [("US-DOD-1260H", [])]
    inherited = client.get(f"/v1/entities/{crrc_ma}/screening", params={"as_of": TODAY}).json()
    assert [(h["entry_name"], h["via"]) for h in inherited["hits"]] == [("CRRC Corporation Limited", [crrc])]
    assert client.get(f"/v1/entities/{crrc_ma}/screening", params={"as_of": "2022-10-04"}).json()["hits"] == []
    assert client.get("/v1/entities/999999/screening").status_code == 404


def test_rejected_hit_never_fires_again_until_the_entry_changes(client: TestClient, seeded: Engine) -> None:
    crrc, crrc_ma = ref_id(seeded, Entity, "crrc"), ref_id(seeded, Entity, "crrc-ma")
    group = ref_id(seeded, Entity, "crrc-group")
    light_rail = ref_id(seeded, Deal, "jerusalem-light-rail-cars")
    [hit] = client.get(f"/v1/entities/{crrc}/screening", params={"as_of": TODAY}).json()["hits"]
    # "CRRC Group Co., Ltd." normalises like the listed "CRRC Corporation Limited", so the parent is a hit too;
    # an analyst who rejects the match rejects it for both.
    [group_hit] = client.get(f"/v1/entities/{group}/screening", params={"as_of": TODAY}).json()["hits"]
    assert group_hit["entry_name"] == "CRRC Corporation Limited" and group_hit["via"] == []
    client.post(f"/v1/entities/{group}/screening/{group_hit['entry_id']}/decision", json={"status": "rejected"})
    decided = client.post(
        f"/v1/entities/{crrc}/screening/{hit['entry_id']}/decision", json={"status": "rejected", "note": "test"}
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["status"] == "rejected" and decided.json()["decided_by"] == "admin"
    # Still shown to the analyst, marked rejected; gone from the subsidiary and from scoring.
    shown = client.get(f"/v1/entities/{crrc}/screening", params={"as_of": TODAY}).json()["hits"]
    assert [h["status"] for h in shown] == ["rejected"]
    assert client.get(f"/v1/entities/{crrc_ma}/screening", params={"as_of": TODAY}).json()["hits"] == []
    snapshot = client.post(f"/v1/deals/{light_rail}/score", params={"as_of": TODAY}).json()
    assert snapshot["facts"]["counterparty.lists"] == [] and snapshot["facts"]["parties.lists"] == []
    assert "blacklist.dod_1260h" not in {r["rule_id"] for r in snapshot["rules"]}
    # A second decision replaces the first.
    client.post(f"/v1/entities/{crrc}/screening/{hit['entry_id']}/decision", json={"status": "confirmed"})
    assert count_rows(seeded, ScreeningDecision) == 2
    assert [h["status"] for h in client.get(f"/v1/entities/{crrc}/screening").json()["hits"]] == ["confirmed"]
    client.post(f"/v1/entities/{crrc}/screening/{hit['entry_id']}/decision", json={"status": "rejected"})
    # The list renames the entry's aliases: a new entry, and the old decision no longer covers it.
    changed = SEED_1260H.read_bytes().replace(
        b",CRRC Corporation Limited,CRRC,", b",CRRC Corporation Limited,CRRC;CRRC Corp,"
    )
    assert changed != SEED_1260H.read_bytes()
    imported = client.post(
        "/v1/lists/US-DOD-1260H/import",
        params={"format": "dod_1260h_csv"},
        files={"file": ("1260h.csv", changed, "text/csv")},
    )
    assert imported.status_code == 201, imported.text
    statuses = [
        h["status"] for h in client.get(f"/v1/entities/{crrc}/screening", params={"as_of": TODAY}).json()["hits"]
    ]
    assert "unreviewed" in statuses
    with Session(seeded) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "decide")).all()


def test_decision_on_unknown_entity_or_entry_is_404(client: TestClient, seeded: Engine) -> None:
    crrc = ref_id(seeded, Entity, "crrc")
    assert client.post(f"/v1/entities/{crrc}/screening/999999/decision", json={"status": "rejected"}).status_code == 404
    assert client.post("/v1/entities/999999/screening/1/decision", json={"status": "rejected"}).status_code == 404
    bad = client.post(f"/v1/entities/{crrc}/screening/1/decision", json={"status": "maybe"})
    assert bad.status_code == 422
    assert count_rows(seeded, ScreeningDecision) == 0


def test_list_import_is_versioned_and_all_or_nothing(client: TestClient, engine: Engine) -> None:
    versions = count_rows(engine, ListVersion)
    same = client.post(
        "/v1/lists/US-DOD-1260H/import",
        params={"format": "dod_1260h_csv"},
        files={"file": ("1260h.csv", SEED_1260H.read_bytes(), "text/csv")},
    )
    assert same.status_code == 200 and same.json()["created"] is False and same.json()["entries"] == 397
    for content, needle in (
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"Nom,Date\nX,2020-01-01\n", "header lacks"),
    ):
        refused = client.post(
            "/v1/lists/US-DOD-1260H/import",
            params={"format": "dod_1260h_csv"},
            files={"file": ("x.csv", content, "text/csv")},
        )
        assert refused.status_code == 422, refused.text
        assert needle in refused.json()["detail"]
    unknown = client.post(
        "/v1/lists/US-DOD-1260H/import", params={"format": "pdf"}, files={"file": ("x", b"x", "text/csv")}
    )
    assert unknown.status_code == 422 and "Unknown format" in unknown.json()["detail"]
    missing = client.post(
        "/v1/lists/NOPE/import", params={"format": "dod_1260h_csv"}, files={"file": ("x", b"x", "text/csv")}
    )
    assert missing.status_code == 404
    assert count_rows(engine, ListVersion) == versions
    assert client.get("/v1/lists/US-DOD-1260H").json()["version"] == 1


FIXTURES = Path(__file__).parents[1] / "fixtures" / "lists"


def _sdn_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
            path = FIXTURES / "ofac_sdn_small" / name
            if path.exists():
                archive.write(path, name)
    return buffer.getvalue()


def test_imported_sdn_and_csl_lists_are_screened(client: TestClient, engine: Engine) -> None:
    sdn = client.post(
        "/v1/lists/US-OFAC-SDN/import",
        params={"format": "ofac_sdn_csv"},
        files={"file": ("sdn.zip", _sdn_zip(), "application/zip")},
    )
    assert sdn.status_code == 201, sdn.text
    assert sdn.json()["version"] == 1 and sdn.json()["entries"] == 17 and len(sdn.json()["rejected"]) == 9
    el = client.post(
        "/v1/lists/US-BIS-EL/import",
        params={"format": "csl_csv"},
        files={"file": ("csl.csv", (FIXTURES / "csl_consolidated_29col.csv").read_bytes(), "text/csv")},
    )
    assert el.status_code == 201 and el.json()["entries"] == 1, el.text
    hits = client.post("/v1/screen", json={"name": "Iran Aircraft Manufacturing Industrial Co."}).json()["hits"]
    assert [(h["list_code"], h["entry_name"]) for h in hits] == [
        ("US-OFAC-SDN", "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY")
    ]
    cetc = client.post("/v1/screen", json={"name": "CETC Research Institute 13", "lists": ["US-BIS-EL"]})
    assert cetc.json()["hits"][0]["list_code"] == "US-BIS-EL"
    # A CSL file imported into a list it has no rows for is refused whole.
    refused = client.post(
        "/v1/lists/US-UFLPA/import",
        params={"format": "csl_csv"},
        files={"file": ("csl.csv", (FIXTURES / "csl_consolidated_29col.csv").read_bytes(), "text/csv")},
    )
    assert refused.status_code == 422 and "no rows for list US-UFLPA" in refused.json()["detail"]


def test_hostile_xml_is_refused_and_nothing_written(client: TestClient, engine: Engine) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<sdnList>&lol2;</sdnList>"
    )
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sdnList>&e;</sdnList>'
    versions = count_rows(engine, ListVersion)
    for content in (bomb, external, b"<sdnList><sdnEntry>", b"not xml at all"):
        response = client.post(
            "/v1/lists/US-OFAC-SDN/import",
            params={"format": "ofac_sdn_xml"},
            files={"file": ("sdn.xml", content, "application/xml")},
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert count_rows(engine, ListVersion) == versions
    assert client.get("/v1/lists/US-OFAC-SDN").json()["version"] is None
