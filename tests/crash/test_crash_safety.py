"""SIGKILL the server in the middle of a big import, start it again on the same database, and find the database
as it was before the import: the previous list version current, not one row of the import anywhere, and the
integrity checks passing. Then a new import succeeds, so recovery left the database writable. See
docs/crash-safety.md."""

import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, or_, select, text
from sqlmodel import Session, SQLModel, col

from app.db.engine import make_engine
from app.models import Deal, Entity, ListVersion, ScreeningEntry, ScreeningList
from tests.crash.inflight import SqliteWrites, WriteWatch, wait_for, wait_until_rolled_back, write_watch
from tests.crash.integrity import integrity_problems
from tests.crash.server import Server, running_server

LIST_CODE = "US-UFLPA"  # seeded without a version, and with no ownership rule to propagate
EDITION_1 = ("Zorvanta Kestrel Dynamics Ltd.", "Plumbrook Oxyntic Machinery Co.", "Tavermine Quasar Optics Inc.")
ONLY_IN_EDITION_2 = "Quillomar Vextrion Industries Ltd."
# Sized so that, on a loaded two-core machine, the server writes for a second or more after the watch first sees
# the import on disk (measured: SQLite ~1 s, PostgreSQL ~2 s for the list and ~7 s for the deals).
BULK_LIST_ENTRIES = 40_000  # a 28 MB FtM file: ~3.5 s of parsing, then ~1.5 s (SQLite) to ~2.5 s of writing
BULK_DEALS = 5_000  # a 6 MB JSON file: ~2 s of checks, then ~2 s (SQLite) to ~7 s (PostgreSQL) of writing
BULK_ENTITIES = 100
# Long texts, so that the writes overflow SQLite's page cache (2 MB) early and uncommitted pages reach the WAL.
NOTES = "Listed for supplying dual-use components to military end users; see the Federal Register notice. " * 5
DESCRIPTION = "Ship-to-shore cranes with remote diagnostics, spare parts and ten years of maintenance. " * 10
# How much of the import must be on disk, uncommitted, when the server is killed.
SQLITE_WAL_BYTES = 256 * 1024
POSTGRES_TABLE_BYTES = 64 * 1024
KILL_WAIT_SECONDS = 90.0
ROLLBACK_WAIT_SECONDS = 30.0


def ftm_jsonl(names: Iterable[str]) -> bytes:
    """An FtM JSON lines file of listed companies, one line each."""
    lines = []
    for i, name in enumerate(names):
        properties = {
            "name": [name],
            "country": ["cn"],
            "program": ["CRASH-TEST"],
            "startDate": ["2024-01-01"],
            "notes": [NOTES],
        }
        lines.append(json.dumps({"id": f"crash-{i}", "schema": "Company", "properties": properties, "target": True}))
    return ("\n".join(lines) + "\n").encode()


def bulk_names(count: int) -> list[str]:
    return [f"Crash Test Holding {i:06d} Ltd." for i in range(count)]


def deals_json(entity_ids: list[int], deals: int, entities: int) -> bytes:
    """A JSON deal file that creates `entities` new entities and `deals` deals naming them and stored ones."""
    new = [
        {"ref": f"crash-entity-{i}", "name": f"Crash Test Supplier {i:04d} Ltd.", "country": "CN"}
        for i in range(entities)
    ]
    rows = [
        {
            "ref": f"crash-deal-{i}",
            "title": f"Crash test supply contract {i}",
            "description": DESCRIPTION,
            "deal_type": "supply",
            "sector": "ports",
            "host_country": "IL",
            "value_usd": 1_000_000 + i,
            "attributes": {"units": i % 40},
            "parties": [
                {"entity": f"crash-entity-{i % entities}", "role": "supplier"},
                {"entity": f"#{entity_ids[i % len(entity_ids)]}", "role": "buyer"},
            ],
        }
        for i in range(deals)
    ]
    return json.dumps({"entities": new, "deals": rows}).encode()


def with_session(url: str, read: Callable[[Session], Any]) -> Any:
    """Run `read` on a short-lived engine, disposed at once: on SQLite the test must hold no connection while the
    server is killed and restarted, so that the restarted server is the one that recovers the WAL."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def table_counts(url: str) -> dict[str, int]:
    """Rows in every table: the import must leave each count exactly as it was."""

    def read(session: Session) -> dict[str, int]:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }

    return with_session(url, read)  # type: ignore[no-any-return]


def scalar(url: str, statement: Any) -> Any:
    return with_session(url, lambda session: session.execute(statement).scalar_one())


def upload(
    server: Server, path: str, headers: dict[str, str], name: str, content: bytes, **params: Any
) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}{path}", headers=headers, params=params, files={"file": (name, content)}, timeout=120.0
    )


def import_list(server: Server, headers: dict[str, str], content: bytes) -> httpx.Response:
    return upload(server, f"/v1/lists/{LIST_CODE}/import", headers, "edition.jsonl", content, format="ftm_jsonl")


def import_deals(server: Server, headers: dict[str, str], content: bytes) -> httpx.Response:
    return upload(server, "/v1/deals/import", headers, "deals.json", content)


def list_hits(server: Server, headers: dict[str, str], name: str) -> list[str]:
    response = httpx.post(f"{server.base_url}/v1/screen", headers=headers, json={"name": name, "lists": [LIST_CODE]})
    assert response.status_code == 200, response.text
    return [hit["entry_name"] for hit in response.json()["hits"]]


def kill_mid_import(server: Server, watch: WriteWatch, send: Callable[[], httpx.Response]) -> None:
    """Send the import from a thread, wait until the watch sees it half-written, and SIGKILL the server. The
    request must then fail: a response would mean the import finished before the kill."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        request: Future[httpx.Response] = pool.submit(send)

        def pointless() -> str | None:
            if not server.is_alive():
                return f"the server died on its own during the import:\n{server.log()}"
            if request.done():
                error = request.exception()
                outcome = repr(error) if error else f"{request.result().status_code} {request.result().text[:500]}"
                return (
                    f"the import ended ({outcome}) before it was seen writing ({watch.describe()}); "
                    "if it succeeded, the generated file is too small for this machine"
                )
            return None

        wait_for(watch.in_progress, timeout=KILL_WAIT_SECONDS, failure=pointless)
        # Seen, then frozen, then seen again: the kill is sure to strike an open transaction, not one that
        # committed in between.
        server.pause()
        assert watch.in_progress(), f"the import committed just before the server was frozen ({watch.describe()})"
        server.kill()
        error = request.exception(timeout=30)
    finally:
        watch.close()
        server.kill()
        pool.shutdown(wait=True, cancel_futures=True)
    assert isinstance(error, httpx.TransportError), f"the import was not cut off by the kill: {error!r}"


def assert_left_uncommitted_writes(url: str, watch: WriteWatch) -> None:
    """The crash left the import's writes behind for recovery to discard: on SQLite, frames in the WAL after those of
    the last commit; on PostgreSQL, a transaction that the server rolls back once it sees its client gone."""
    if isinstance(watch, SqliteWrites):
        assert watch.baseline > 0, "the last commit before the crash should be in the WAL only"
        assert watch.grown() >= SQLITE_WAL_BYTES, watch.describe()
    wait_until_rolled_back(url, ROLLBACK_WAIT_SECONDS)


def assert_sound(url: str) -> None:
    problems = integrity_problems(url)
    assert problems == [], "\n".join(problems)


def test_killed_list_import_leaves_the_previous_version_current(
    db_url: str, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    edition_1 = ftm_jsonl(EDITION_1)
    edition_2 = ftm_jsonl([*EDITION_1, ONLY_IN_EDITION_2, *bulk_names(BULK_LIST_ENTRIES)])
    watch = write_watch(db_url, "screening_entry", sqlite_bytes=SQLITE_WAL_BYTES, postgres_bytes=POSTGRES_TABLE_BYTES)
    watch.prepare()
    with running_server(db_url, tmp_path) as server:
        # On SQLite, edition 1 is then committed to the WAL only: the restart must recover it from there.
        first = import_list(server, admin_headers, edition_1)
        assert first.status_code == 201, first.text
        assert (first.json()["version"], first.json()["entries"]) == (1, len(EDITION_1))
        before = table_counts(db_url)
        watch.start()
        kill_mid_import(server, watch, lambda: import_list(server, admin_headers, edition_2))
    assert_left_uncommitted_writes(db_url, watch)

    with running_server(db_url, tmp_path) as server:
        listed = httpx.get(f"{server.base_url}/v1/lists/{LIST_CODE}", headers=admin_headers)
        assert listed.status_code == 200, listed.text
        assert (listed.json()["version"], listed.json()["entries"]) == (1, len(EDITION_1))
        assert list_hits(server, admin_headers, EDITION_1[0]) == [EDITION_1[0]]
        assert list_hits(server, admin_headers, ONLY_IN_EDITION_2) == []

        assert table_counts(db_url) == before
        versions = select(col(ListVersion.version)).join(ScreeningList).where(col(ScreeningList.code) == LIST_CODE)
        assert with_session(db_url, lambda s: list(s.scalars(versions))) == [1]
        stray = select(func.count()).where(
            or_(col(ScreeningEntry.name) == ONLY_IN_EDITION_2, col(ScreeningEntry.name).like("Crash Test Holding %"))
        )
        assert scalar(db_url, stray) == 0
        assert_sound(db_url)

        # The next import is version 2: the killed one left no version behind, and the database takes writes.
        second = import_list(server, admin_headers, ftm_jsonl([*EDITION_1, ONLY_IN_EDITION_2]))
        assert second.status_code == 201, second.text
        assert (second.json()["version"], second.json()["entries"]) == (2, len(EDITION_1) + 1)
        assert list_hits(server, admin_headers, ONLY_IN_EDITION_2) == [ONLY_IN_EDITION_2]
    assert_sound(db_url)


def test_killed_deal_import_writes_no_deal_and_no_entity(
    db_url: str, seeded: Engine, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    with Session(seeded) as session:
        entity_ids = [i for i in session.scalars(select(col(Entity.id)).order_by(col(Entity.id))) if i is not None]
    seeded.dispose()  # no connection of the test's may stay open across the kill (see with_session)
    watch = write_watch(db_url, "deal", sqlite_bytes=SQLITE_WAL_BYTES, postgres_bytes=POSTGRES_TABLE_BYTES)
    big = deals_json(entity_ids, BULK_DEALS, BULK_ENTITIES)
    # An Idempotency-Key's record is written with the deals: the killed import must not leave it behind either.
    retry_headers = {**admin_headers, "Idempotency-Key": "crash-test-import"}
    watch.prepare()
    with running_server(db_url, tmp_path) as server:
        # A write committed just before the crash (on SQLite, to the WAL only) must survive it.
        committed = httpx.post(
            f"{server.base_url}/v1/entities", headers=admin_headers, json={"name": "Committed Before Crash Ltd."}
        )
        assert committed.status_code == 201, committed.text
        before = table_counts(db_url)
        watch.start()
        kill_mid_import(server, watch, lambda: import_deals(server, retry_headers, big))
    assert_left_uncommitted_writes(db_url, watch)

    with running_server(db_url, tmp_path) as server:
        kept = httpx.get(f"{server.base_url}/v1/entities/{committed.json()['id']}", headers=admin_headers)
        assert kept.status_code == 200, kept.text
        listed = httpx.get(f"{server.base_url}/v1/deals", headers=admin_headers, params={"limit": 1})
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == before["deal"]

        assert table_counts(db_url) == before
        assert scalar(db_url, select(func.count()).where(col(Deal.ref).like("crash-deal-%"))) == 0
        assert scalar(db_url, select(func.count()).where(col(Entity.ref).like("crash-entity-%"))) == 0
        orphans = text(
            "SELECT count(*) FROM deal_party p WHERE NOT EXISTS (SELECT 1 FROM deal d WHERE d.id = p.deal_id)"
        )
        assert scalar(db_url, orphans) == 0
        assert_sound(db_url)

        # The same refs and the same Idempotency-Key now import a new file: nothing of the killed import holds
        # them (a stored key would answer 422, "used for a different request").
        again = import_deals(server, retry_headers, deals_json(entity_ids, 3, 2))
        assert again.status_code == 201, again.text
        assert (again.json()["created"], again.json()["entities_created"]) == (3, 2)
    assert table_counts(db_url)["deal"] == before["deal"] + 3
    assert_sound(db_url)
