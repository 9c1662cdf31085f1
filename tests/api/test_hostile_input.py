"""Hostile input through the API, on SQLite and PostgreSQL: other scripts, look-alike and invisible characters,
control characters, huge strings, deep nesting, malformed and oversized files, XML bombs. Each refusal is a 4xx
problem+json that names what is wrong, and nothing is stored. docs/limits.md lists the limits tested here."""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.core.config import Settings
from app.main import create_app
from app.models import (
    AuditEvent,
    Deal,
    DealParty,
    Entity,
    ListVersion,
    Ownership,
    Ruleset,
    ScoreSnapshot,
    ScreeningDecision,
    ScreeningEntry,
)
from app.rules.validate import MAX_DEPTH, MAX_RULES
from app.screening.importers.base import MAX_NAME_LENGTH
from app.services.lists import SOURCE_NAME_MAX_LENGTH
from app.vocabulary import Role
from tests.factories import deal_body, entity

TABLES = (
    Entity,
    Ownership,
    Deal,
    DealParty,
    Ruleset,
    ScoreSnapshot,
    ScreeningDecision,
    ListVersion,
    ScreeningEntry,
    AuditEvent,
)
PROBLEMS = "https://fdi-risk.dev/problems/"
DOD_HEADER = b"Name,Clean Name,Alias,Previous Name,Parent Name,Note,Start date,End date,Source Url\n"
COSCO_SHIPPING = "China COSCO SHIPPING Corporation Limited"
# Look-alikes of "COSCO": Cyrillic capital ES and O around a Latin S; full-width Latin letters.
CYRILLIC_COSCO = "\u0421\u041eS\u0421\u041e"
FULL_WIDTH_COSCO = "\uff23\uff2f\uff33\uff23\uff2f"
ONE_MEGABYTE = 1_048_576


def stored(engine: Engine) -> dict[str, int]:
    """Rows in every table a request could write to."""
    with Session(engine) as session:
        return {
            model.__tablename__: int(session.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[attr-defined]
            for model in TABLES
        }


def problem(response: Response, status: int, slug: str) -> dict[str, Any]:
    """The problem+json body of a refusal, after checking its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["type"] == PROBLEMS + slug and body["status"] == status
    assert body["title"] and body["detail"]
    assert all({"field", "message"} <= set(error) for error in body["errors"])
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


def raw_json(client: TestClient, method: str, url: str, text: str, **kwargs: Any) -> Response:
    """Send JSON text as it is: lone surrogates and nesting that json.dumps would not produce."""
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    return client.request(method, url, content=text.encode(), headers=headers, **kwargs)


def import_list(client: TestClient, code: str, fmt: str, content: bytes, filename: str = "upload") -> Response:
    return client.post(f"/v1/lists/{code}/import", params={"format": fmt}, files={"file": (filename, content)})


def import_deals(client: TestClient, filename: str, content: bytes) -> Response:
    return client.post("/v1/deals/import", files={"file": (filename, content)})


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.fixture
def active_ruleset(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/v1/rulesets/active").json()["body"]
    return body


def client_with(settings: Settings, api_keys: dict[Role, str], **changes: Any) -> TestClient:
    """A client of an app whose settings differ from the test default, calling with the admin key."""
    app = create_app(settings.model_copy(update=changes))
    return TestClient(app, headers={"Authorization": f"Bearer {api_keys[Role.admin]}"})


@pytest.fixture
def roomy_client(settings: Settings, api_keys: dict[Role, str]) -> Iterator[TestClient]:
    """A client whose JSON bodies may be 1 MiB, the production default, so limits inside them can be reached."""
    with client_with(settings, api_keys, max_body_bytes=ONE_MEGABYTE) as test_client:
        yield test_client


# Names in other scripts


@pytest.mark.parametrize(
    "name",
    [
        "中国远洋海运集团有限公司",
        "נמל חיפה",
        "COSCO 中远 נמל",
        "Société Générale — Ωmega, ąčę",
        FULL_WIDTH_COSCO,
        CYRILLIC_COSCO,
    ],
    ids=["chinese", "hebrew", "mixed-scripts", "accents-and-greek", "full-width", "cyrillic-lookalikes"],
)
def test_names_in_any_script_round_trip_exactly_and_screen(client: TestClient, name: str) -> None:
    created = entity(client, name, aliases=[name], notes=f"{name}\nline two", identifiers={"local": name})
    got = client.get(f"/v1/entities/{created['id']}").json()
    assert (got["name"], got["aliases"], got["identifiers"]) == (name, [name], {"local": name})
    assert got["notes"] == f"{name}\nline two"
    assert client.get(f"/v1/entities/{created['id']}/screening").status_code == 200
    screened = client.post("/v1/screen", json={"name": name, "aliases": [name]})
    assert screened.status_code == 200 and screened.json()["name"] == name


def test_names_in_chinese_and_hebrew_are_found_by_search(client: TestClient) -> None:
    ids = [entity(client, name)["id"] for name in ("中国远洋海运集团有限公司", "נמל חיפה", "COSCO 中远 נמל")]
    assert [e["id"] for e in client.get("/v1/entities", params={"q": "远洋海运"}).json()["items"]] == [ids[0]]
    assert {e["id"] for e in client.get("/v1/entities", params={"q": "נמל"}).json()["items"]} == {ids[1], ids[2]}
    assert [e["id"] for e in client.get("/v1/entities", params={"q": "cosco 中远"}).json()["items"]] == [ids[2]]


@pytest.mark.parametrize(
    "name",
    [f"{FULL_WIDTH_COSCO} SHIPPING", f"{CYRILLIC_COSCO} SHIPPING", "CO\u200bSCO SHIP\u200dPING\ufeff"],
    ids=["full-width", "cyrillic-lookalikes", "zero-width"],
)
def test_lookalike_and_invisible_characters_do_not_hide_a_listed_name(client: TestClient, name: str) -> None:
    hits = client.post("/v1/screen", json={"name": name}).json()["hits"]
    assert COSCO_SHIPPING in {hit["entry_name"] for hit in hits}
    created = entity(client, name)
    screening = client.get(f"/v1/entities/{created['id']}/screening", params={"as_of": "2026-11-24"}).json()
    assert COSCO_SHIPPING in {hit["entry_name"] for hit in screening["hits"]}


def test_zero_width_characters_are_dropped_from_names(client: TestClient) -> None:
    created = entity(client, "\u200bCO\u200bSCO\u200d Ship\u00adping\u200f", aliases=["נמל\u200f חיפה"])
    assert (created["name"], created["aliases"]) == ("COSCO Shipping", ["נמל חיפה"])
    assert client.get("/v1/entities", params={"q": "co\u200bsco"}).json()["total"] == 1
    nothing_left = client.post("/v1/entities", json={"name": "\u200b\u200d\ufeff"})
    assert fields(problem(nothing_left, 422, "invalid-input")) == ["name"]


# Control, bidi and surrogate characters


@pytest.mark.parametrize(
    "bad",
    ["COS\\u0000CO", "COS\\u0007CO", "COS\\nCO", "COS\\u0085CO", "\\u202eOCSOC", "COS\\u2066CO", "COS\\ud800CO"],
    ids=["nul", "bell", "newline", "c1-next-line", "rtl-override", "ltr-isolate", "lone-surrogate"],
)
def test_control_bidi_and_surrogate_characters_in_names_are_refused(
    client: TestClient, engine: Engine, bad: str
) -> None:
    party = entity(client, "Harbour Holdings")["id"]
    before = stored(engine)
    cases = [
        ("/v1/entities", f'{{"name": "{bad}"}}', "name"),
        ("/v1/entities", f'{{"name": "ok", "aliases": ["{bad}"]}}', "aliases.0"),
        ("/v1/screen", f'{{"name": "{bad}"}}', "name"),
        ("/v1/deals", json.dumps(deal_body([party]))[:-1] + f', "title": "{bad}"}}', "title"),
    ]
    for url, text, field in cases:
        body = problem(raw_json(client, "POST", url, text), 422, "invalid-input")
        assert fields(body) == [field], body
    assert stored(engine) == before


@pytest.mark.parametrize(
    ("url", "make_body", "field"),
    [
        ("/v1/entities", lambda ids: {"name": "Acme", "notes": "a\x00b"}, "notes"),
        ("/v1/entities", lambda ids: {"name": "Acme", "identifiers": {"lei": "a\x00b"}}, "identifiers.lei"),
        ("/v1/deals", lambda ids: deal_body(ids, description="a\x00b"), "description"),
        ("/v1/deals", lambda ids: deal_body(ids, us_relations={"notes": "a\x00b"}), "us_relations.notes"),
        ("/v1/deals", lambda ids: deal_body(ids, sector="por\x00ts"), "sector"),
        (
            "/v1/deals",
            lambda ids: deal_body(ids, sources=[{"url": "https://example.org/", "title": "a\x00b"}]),
            "sources.0.title",
        ),
        ("/v1/deals", lambda ids: deal_body(ids, attributes={"remark": "a\x00b"}), "attributes.remark.text"),
        ("/v1/deals", lambda ids: deal_body(ids, attributes={"tags": ["ok", "a\x00b"]}), "attributes.tags.list.1"),
        ("/v1/score", lambda ids: deal_body(ids, description="a\x00b"), "description"),
        ("owners", lambda ids: {"owner_id": ids[1], "percent": 10, "source": "a\x00b"}, "source"),
    ],
    ids=[
        "entity-notes",
        "identifier",
        "deal-description",
        "us-relations-notes",
        "sector",
        "source-title",
        "text-attribute",
        "list-attribute",
        "unsaved-deal",
        "ownership-source",
    ],
)
def test_nul_in_any_text_field_is_a_422_naming_it(
    client: TestClient, engine: Engine, url: str, make_body: Callable[[list[int]], dict[str, Any]], field: str
) -> None:
    ids = [entity(client, "Harbour Holdings")["id"], entity(client, "Harbour Group")["id"]]
    before = stored(engine)
    if url == "owners":
        url = f"/v1/entities/{ids[0]}/owners"
    body = problem(client.post(url, json=make_body(ids)), 422, "invalid-input")
    assert fields(body) == [field]
    assert body["errors"][0]["message"].startswith("must not contain U+0000 (NUL) (found at character ")
    assert stored(engine) == before


def test_free_text_keeps_tabs_and_line_breaks(client: TestClient) -> None:
    notes = "First line\r\nSecond\tline\n\u202bRTL paragraph\u202c"
    assert entity(client, "Acme", notes=notes)["notes"] == notes


def test_nul_in_a_ruleset_or_its_notes_is_a_422_naming_the_rule(
    client: TestClient, engine: Engine, active_ruleset: dict[str, Any]
) -> None:
    before = stored(engine)
    first = active_ruleset["rules"][0]
    titled = {**active_ruleset, "rules": [{**first, "title": "a\x00b"}, *active_ruleset["rules"][1:]]}
    body = problem(client.post("/v1/rulesets", json=titled), 422, "invalid-input")
    assert [(e["field"], e.get("rule_id")) for e in body["errors"]] == [("title", first["id"])]
    leaf = {"fact": "deal.sector", "op": "in", "value": ["ports", "a\x00b"]}
    valued = {**active_ruleset, "rules": [{**first, "when": leaf}, *active_ruleset["rules"][1:]]}
    body = problem(client.post("/v1/rulesets", json=valued), 422, "invalid-input")
    assert [(e["field"], e.get("rule_id")) for e in body["errors"]] == [("when", first["id"])]
    noted = client.post("/v1/rulesets", params={"notes": "a\x00b"}, json=active_ruleset)
    assert fields(problem(noted, 422, "invalid-input")) == ["notes"]
    assert stored(engine) == before


def test_nul_in_searches_filters_and_paths_is_a_4xx_never_a_500(client: TestClient, engine: Engine) -> None:
    for url in ("/v1/entities", "/v1/deals", "/v1/lists/US-DOD-1260H/entries"):
        body = problem(client.get(url, params={"q": "CR\x00RC"}), 422, "invalid-input")
        assert fields(body) == ["q"]
    before = stored(engine)
    # On SQLite nothing matches a NUL; PostgreSQL cannot even compare one, and that too is a 4xx.
    for response in (
        client.get("/v1/deals", params={"sector": "por\x00ts"}),
        client.get("/v1/lists/US-DOD%00/entries"),
        import_list(client, "US-DOD%00", "dod_1260h_csv", DOD_HEADER + b"Acme,,,,,,2024-01-01,,\n"),
    ):
        assert response.status_code in (200, 404, 422), response.text
        if response.status_code != 200:
            problem(response, response.status_code, "not-found" if response.status_code == 404 else "invalid-input")
    assert stored(engine) == before


# Size


def test_one_megabyte_strings_are_refused_and_nothing_is_stored(
    client: TestClient, roomy_client: TestClient, engine: Engine
) -> None:
    before = stored(engine)
    huge = "x" * ONE_MEGABYTE
    # Over the body limit (64 KiB in tests): refused before the body is read.
    body = problem(client.post("/v1/entities", json={"name": huge}), 413, "body-too-large")
    assert body["errors"] == []
    party = entity(client, "Harbour Holdings")["id"]
    before = stored(engine)
    # Under a 1 MiB body limit: each field's own maximum.
    for url, payload, field, limit in [
        ("/v1/entities", {"name": "x" * 501}, "name", 500),
        ("/v1/entities", {"name": "Acme", "notes": "x" * 10_001}, "notes", 10_000),
        ("/v1/deals", deal_body([party], title="x" * 301), "title", 300),
        ("/v1/deals", deal_body([party], description="x" * 20_001), "description", 20_000),
        ("/v1/deals", deal_body([party], attributes={"k": "x" * 2_001}), "attributes.k.text", 2_000),
        ("/v1/screen", {"name": "x" * 501}, "name", 500),
    ]:
        refused = problem(roomy_client.post(url, json=payload), 422, "invalid-input")
        assert refused["errors"] == [{"field": field, "message": f"String should have at most {limit} characters"}]
    too_big = roomy_client.post("/v1/entities", json={"name": "Acme", "notes": huge})
    problem(too_big, 413, "body-too-large")
    assert stored(engine) == before


def test_lists_in_a_body_have_a_maximum_length(client: TestClient, engine: Engine) -> None:
    party = entity(client, "Harbour Holdings")["id"]
    before = stored(engine)
    for url, payload, field in [
        ("/v1/entities", {"name": "Acme", "aliases": [f"a{i}" for i in range(51)]}, "aliases"),
        ("/v1/entities", {"name": "Acme", "identifiers": {f"k{i}": "v" for i in range(21)}}, "identifiers"),
        ("/v1/deals", deal_body([party], attributes={f"k{i}": 1 for i in range(51)}), "attributes"),
        ("/v1/deals", deal_body([party], attributes={"tags": ["t"] * 101}), "attributes.tags.list"),
        ("/v1/deals", deal_body([party] * 51), "parties"),
        ("/v1/screen", {"name": "Acme", "lists": ["US-DOD-1260H"] * 51}, "lists"),
    ]:
        assert fields(problem(client.post(url, json=payload), 422, "invalid-input")) == [field]
    assert stored(engine) == before


def test_page_size_has_a_maximum(client: TestClient) -> None:
    body = problem(client.get("/v1/entities", params={"limit": 201}), 422, "invalid-input")
    assert fields(body) == ["limit"]


@pytest.mark.parametrize("url", ["/v1/lists/US-DOD-1260H/import?format=dod_1260h_csv", "/v1/deals/import"])
def test_an_upload_over_the_file_limit_is_a_413(
    settings: Settings, api_keys: dict[Role, str], engine: Engine, url: str
) -> None:
    before = stored(engine)
    content = DOD_HEADER + b"Acme,,,,,,2024-01-01,,\n" * 400  # about 9 KiB
    with client_with(settings, api_keys, max_list_file_bytes=4096) as small:
        body = problem(small.post(url, files={"file": ("deals.csv", content)}), 413, "body-too-large")
        assert "4096 bytes" in body["detail"]

        def chunked() -> Iterator[bytes]:
            yield b"x" * 3000
            yield b"x" * 3000

        problem(small.post(url, content=chunked(), headers={"content-type": "text/csv"}), 413, "body-too-large")
    assert stored(engine) == before


# Deep nesting


@pytest.mark.parametrize(
    "attributes", [nested(10_000), '{"a": ' * 5_000 + "1" + "}" * 5_000], ids=["arrays", "objects"]
)
def test_deeply_nested_json_is_a_400_and_nothing_is_stored(client: TestClient, engine: Engine, attributes: str) -> None:
    party = entity(client, "Harbour Holdings")["id"]
    before = stored(engine)
    text = json.dumps(deal_body([party]))[:-1] + f', "attributes": {{"k": {attributes}}}}}'
    body = problem(raw_json(client, "POST", "/v1/deals", text), 400, "malformed-json")
    assert body["errors"] == [{"field": "body", "message": "nested too deeply"}]
    # Shallow enough to read, still not an attribute value: a 422 naming the attribute.
    shallow = json.dumps(deal_body([party]))[:-1] + f', "attributes": {{"k": {nested(500)}}}}}'
    assert fields(problem(raw_json(client, "POST", "/v1/deals", shallow), 422, "invalid-input")) == [
        "attributes.k.list.0"
    ]
    assert stored(engine) == before


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 600])
def test_a_rule_tree_deeper_than_the_limit_is_a_422_naming_the_rule(
    client: TestClient, engine: Engine, active_ruleset: dict[str, Any], depth: int
) -> None:
    before = stored(engine)
    first = active_ruleset["rules"][0]
    placed = {**active_ruleset, "rules": [{**first, "when": "WHEN"}, *active_ruleset["rules"][1:]]}
    leaf = json.dumps({"fact": "deal.control", "op": "eq", "value": True})
    text = json.dumps(placed).replace('"WHEN"', '{"not": ' * (depth - 1) + leaf + "}" * (depth - 1), 1)
    body = problem(raw_json(client, "POST", "/v1/rulesets", text), 422, "invalid-input")
    assert body["errors"] == [
        {
            "field": "when" + ".not" * MAX_DEPTH,
            "message": f"tree deeper than {MAX_DEPTH} levels",
            "rule_id": first["id"],
        }
    ]
    assert stored(engine) == before


def test_a_rule_tree_too_deep_to_read_is_a_400(roomy_client: TestClient, engine: Engine) -> None:
    before = stored(engine)
    rule = '{"id": "blacklist.deep", "when": ' + '{"not": ' * 10_000 + "{}" + "}" * 10_000 + "}"
    response = raw_json(roomy_client, "POST", "/v1/rulesets", '{"rules": [' + rule + "]}")
    body = problem(response, 400, "malformed-json")
    assert body["errors"] == [{"field": "body", "message": "nested too deeply"}]
    assert stored(engine) == before


def test_too_many_rules_is_a_422_naming_the_first_rule_over(
    roomy_client: TestClient, engine: Engine, active_ruleset: dict[str, Any]
) -> None:
    before = stored(engine)
    template = active_ruleset["rules"][0]
    rules = [{**template, "id": f"blacklist.copy_{i}"} for i in range(MAX_RULES + 1)]
    body = problem(roomy_client.post("/v1/rulesets", json={**active_ruleset, "rules": rules}), 422, "invalid-input")
    assert body["errors"] == [
        {
            "field": f"rules[{MAX_RULES}]",
            "message": f"a ruleset holds at most {MAX_RULES} rules; this one has {MAX_RULES + 1}",
            "rule_id": f"blacklist.copy_{MAX_RULES}",
        }
    ]
    assert stored(engine) == before


# List files


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# Rows that do not compress away, so that half of the archive ends inside sdn.csv.
ROWS = b"".join(b"%d,%s,-0-\n" % (i, hashlib.sha256(b"%d" % i).hexdigest().encode()) for i in range(2_000))
TRUNCATED_ZIP = _zip(**{"sdn.csv": ROWS})[: len(_zip(**{"sdn.csv": ROWS})) // 2]


def dod_row(name: bytes = b"Acme", note: bytes = b"") -> bytes:
    return DOD_HEADER + name + b",,,,," + note + b",2024-01-01,,\n"


def sdn_xml(body: bytes, doctype: bytes = b"") -> bytes:
    return b'<?xml version="1.0"?>\n' + doctype + b"\n<sdnList>" + body + b"</sdnList>"


def ftm_line(properties: bytes) -> bytes:
    return b'{"id": "x", "schema": "Company", "properties": ' + properties + b"}\n"


LAUGHS = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"lol") * 10) for i in range(1, 10))
ENTRY = b"<sdnEntry><uid>1</uid><lastName>%s</lastName>%s</sdnEntry>"
HOSTILE_LIST_FILES = [
    pytest.param("US-DOD-1260H", "dod_1260h_csv", b"", "is empty", id="empty"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", DOD_HEADER, "No importable rows", id="header-only"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", bytes(range(256)) * 64, "not UTF-8", id="binary-garbage"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", dod_row("Société".encode("latin-1")), "not UTF-8", id="latin-1"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", dod_row().decode().encode("utf-16"), "not UTF-8", id="utf-16"),
    pytest.param(
        "US-DOD-1260H", "dod_1260h_csv", dod_row(note=b"N" * ONE_MEGABYTE), "field larger than", id="huge-field"
    ),
    pytest.param(
        "US-DOD-1260H",
        "dod_1260h_csv",
        dod_row(b"A" * (MAX_NAME_LENGTH + 1)),
        "the limit is 1,000",
        id="name-too-long",
    ),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", dod_row(b"Ac\x00me"), "U+0000 (NUL)", id="nul-in-name"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", dod_row(note=b"a\x00b"), "U+0000 (NUL)", id="nul-in-note"),
    pytest.param("US-DOD-1260H", "dod_1260h_csv", dod_row("\u202eemcA".encode()), "U+202E", id="rtl-override"),
    pytest.param(
        "US-DOD-1260H",
        "ftm_jsonl",
        ftm_line(b'{"name": ' + nested(10_000, '"x"').encode() + b"}"),
        "nested too deeply",
        id="ftm-json-too-deep-to-read",
    ),
    pytest.param(
        "US-DOD-1260H",
        "ftm_jsonl",
        ftm_line(b'{"name": ["Acme"], "notes": ' + nested(500, '"x"').encode() + b"}"),
        "nests deeper than 16 levels",
        id="ftm-record-too-deep",
    ),
    pytest.param("US-DOD-1260H", "ftm_jsonl", ftm_line(b'{"name": ["Ac\\u0000me"]}'), "U+0000 (NUL)", id="ftm-nul"),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_csv",
        TRUNCATED_ZIP,
        "truncated or corrupt",
        id="truncated-zip",
    ),
    pytest.param("US-OFAC-SDN", "ofac_sdn_csv", _zip(**{"sdn.csv": b"\x00" * 10_000_000}), "zip bomb", id="zip-bomb"),
    pytest.param("US-OFAC-SDN", "ofac_sdn_xml", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image", id="png"),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(b"&lol9;", b"<!DOCTYPE lolz [" + LAUGHS + b"]>"),
        "XML bomb",
        id="billion-laughs",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(b"&a;" * 20_000, b'<!DOCTYPE q [<!ENTITY a "' + b"a" * 50_000 + b'">]>'),
        "XML bomb",
        id="quadratic-blowup",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(ENTRY % (b"&xxe;", b""), b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
        "external entities (XXE)",
        id="external-entity",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(b"", b'<!DOCTYPE sdnList SYSTEM "http://example.org/evil.dtd">'),
        "external DTDs are refused",
        id="external-dtd",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        b"<sdnList><sdnEntry><uid>1</uid><lastName>Acme",
        "truncated?",
        id="xml-truncated",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(ENTRY % (b"Acme", b"<a>" * 20_000 + b"</a>" * 20_000)),
        "nests elements deeper than 16 levels",
        id="xml-too-deep",
    ),
    pytest.param(
        "US-OFAC-SDN",
        "ofac_sdn_xml",
        sdn_xml(ENTRY % (b"L" * ONE_MEGABYTE, b"")),
        "the limit is 1,000",
        id="xml-name-of-1-MB",
    ),
]


@pytest.mark.parametrize(("code", "fmt", "content", "says"), HOSTILE_LIST_FILES)
def test_hostile_list_files_are_refused_whole_and_nothing_is_stored(
    client: TestClient, engine: Engine, code: str, fmt: str, content: bytes, says: str
) -> None:
    current = client.get(f"/v1/lists/{code}").json()
    before = stored(engine)
    body = problem(import_list(client, code, fmt, content), 422, "import-rejected")
    assert says in body["detail"] + " ".join(e["message"] for e in body["errors"]), body
    assert "root:" not in json.dumps(body)  # nothing of /etc/passwd came back
    assert stored(engine) == before
    assert client.get(f"/v1/lists/{code}").json() == current


def test_a_bad_row_is_reported_with_its_line_and_the_rest_imported(client: TestClient) -> None:
    rows = DOD_HEADER + b"Acme Ltd.,,,,,,2024-01-01,,\nBad\x00Name,,,,,,2024-01-01,,\nZeta Corp.,,,,,,2024-01-01,,\n"
    result = import_list(client, "US-DOD-1260H", "dod_1260h_csv", rows)
    assert result.status_code == 201, result.text
    assert result.json()["entries"] == 2
    assert [r["line"] for r in result.json()["rejected"]] == [3]
    assert "U+0000 (NUL)" in result.json()["rejected"][0]["reason"]


def _source_names(engine: Engine) -> list[str | None]:
    with Session(engine) as session:
        return list(session.execute(select(ListVersion.source_name).order_by(col(ListVersion.id))).scalars())


def test_a_long_or_unprintable_file_name_is_kept_cut_to_its_column(client: TestClient, engine: Engine) -> None:
    name = "n" * 2 * SOURCE_NAME_MAX_LENGTH + ".csv"
    response = import_list(client, "US-DOD-1260H", "dod_1260h_csv", dod_row(), name)
    assert response.status_code == 201, response.text
    assert _source_names(engine)[-1] == "n" * SOURCE_NAME_MAX_LENGTH
    # Written by hand: an HTTP client would escape the control characters in the file name.
    multipart = (
        b"--hostile\r\n"
        b'Content-Disposition: form-data; name="file"; filename="ac\x01me\x7f.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + dod_row(b"Zeta") + b"\r\n--hostile--\r\n"
    )
    response = client.post(
        "/v1/lists/US-DOD-1260H/import?format=dod_1260h_csv",
        content=multipart,
        headers={"content-type": "multipart/form-data; boundary=hostile"},
    )
    assert response.status_code == 201, response.text
    assert _source_names(engine)[-1] == "acme.csv"


# Deal files


def deal_csv(title: bytes = b"Cranes", attributes: bytes = b"") -> bytes:
    return (
        b"title,deal_type,sector,host_country,parties,attributes\n"
        + title
        + b",supply,ports,IL,buyer:#1,"
        + attributes
        + b"\n"
    )


def deal_json(**fields: Any) -> bytes:
    row = {"title": "Cranes", "deal_type": "supply", "sector": "ports", "host_country": "IL", **fields}
    return json.dumps([{**row, "parties": [{"entity_id": 1, "role": "buyer"}]}]).encode()


HOSTILE_DEAL_FILES = [
    pytest.param("deals.csv", b"", "import-rejected", "The file is empty", id="empty"),
    pytest.param("deals.csv", bytes(range(256)) * 16, "import-rejected", "not UTF-8", id="binary-garbage"),
    pytest.param("deals.csv", deal_csv("Société".encode("latin-1")), "import-rejected", "not UTF-8", id="latin-1"),
    pytest.param(
        "deals.csv", deal_csv(b"T" * ONE_MEGABYTE), "import-rejected", "field larger than", id="huge-csv-field"
    ),
    pytest.param("deals.csv", deal_csv(b"Cr\x00anes"), "invalid-input", "U+0000 (NUL)", id="nul-in-csv"),
    pytest.param(
        "deals.csv",
        deal_csv(attributes=b'"{""k"": ' + nested(10_000).encode() + b'}"'),
        "invalid-input",
        "nested too deeply",
        id="csv-attributes-too-deep",
    ),
    pytest.param("deals.json", nested(10_000).encode(), "import-rejected", "too deeply", id="json-too-deep"),
    pytest.param(
        "deals.json", deal_json(title="T" * ONE_MEGABYTE), "invalid-input", "at most 300", id="json-title-of-1-MB"
    ),
    pytest.param(
        "deals.json",
        json.dumps({"entities": [{"ref": "e1", "name": "Ac\x00me"}], "deals": []}).encode(),
        "invalid-input",
        "U+0000 (NUL)",
        id="json-entity-with-nul",
    ),
    pytest.param("deals.yaml", b"- " + nested(10_000).encode(), "import-rejected", "nesting depth", id="yaml-deep"),
    pytest.param(
        "deals.yaml",
        b'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n',
        "import-rejected",
        "anchors and aliases",
        id="yaml-bomb",
    ),
]


@pytest.mark.parametrize(("filename", "content", "slug", "says"), HOSTILE_DEAL_FILES)
def test_hostile_deal_files_are_refused_whole_and_nothing_is_stored(
    client: TestClient, engine: Engine, filename: str, content: bytes, slug: str, says: str
) -> None:
    before = stored(engine)
    body = problem(import_deals(client, filename, content), 422, slug)
    assert says in body["detail"] + " ".join(e["message"] for e in body["errors"]), body
    assert stored(engine) == before
