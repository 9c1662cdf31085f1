"""Integrity checks of a whole database after a crash: `integrity_problems` lists what they find, empty when sound.

SQLite: `PRAGMA integrity_check` (every page, b-tree, index entry and constraint) and `PRAGMA foreign_key_check`.
PostgreSQL: the `amcheck` extension when it can be installed — `bt_index_check(index, heapallindexed => true)`
on every B-tree index of the public schema (the index is well-formed and holds every visible row) and
`verify_heapam` on every table (no corrupt tuple or page) — and, always, every foreign key checked with a query
for rows whose parent is missing and every table read through.
"""

import warnings

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from app.db.engine import is_sqlite, make_engine


def integrity_problems(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if is_sqlite(url):
                return _sqlite(conn)
            conn.execute(text("SET statement_timeout = '60s'"))
            problems = _postgres_amcheck(conn) + _orphans(conn) + _read_every_table(conn)
            conn.rollback()
            return problems
    finally:
        engine.dispose()


def _sqlite(conn: Connection) -> list[str]:
    checked = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    problems = [] if checked == ["ok"] else [f"integrity_check: {line}" for line in checked]
    problems += [
        f"foreign_key_check: {table} rowid {rowid} -> {parent} (constraint {fkid})"
        for table, rowid, parent, fkid in conn.exec_driver_sql("PRAGMA foreign_key_check")
    ]
    return problems


def _install_amcheck(conn: Connection) -> bool:
    available = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'")).first()
    if available is None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    except DBAPIError:  # no right to create extensions: the other checks still run
        return False
    conn.commit()
    return True


def _postgres_amcheck(conn: Connection) -> list[str]:
    if not _install_amcheck(conn):
        warnings.warn(
            "amcheck cannot be installed on this PostgreSQL server: only the foreign-key and read checks ran",
            stacklevel=2,
        )
        return []
    problems: list[str] = []
    indexes = conn.execute(
        text(
            "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND a.amname = 'btree' AND i.indisvalid ORDER BY c.relname"
        )
    ).all()
    assert indexes, "no B-tree index found in the public schema"
    for oid, name in indexes:
        try:
            with conn.begin_nested():
                conn.execute(text("SELECT bt_index_check(CAST(:oid AS regclass), true)"), {"oid": oid})
        except DBAPIError as exc:  # amcheck raises on the first corruption it finds
            problems.append(f"bt_index_check {name}: {exc}")
    if conn.execute(text("SELECT to_regproc('verify_heapam')")).scalar_one() is None:
        return problems  # amcheck before 1.3 (PostgreSQL 13 and older) checks indexes only
    tables = conn.execute(
        text(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"
        )
    ).all()
    for oid, name in tables:
        for blkno, offnum, attnum, msg in conn.execute(
            text("SELECT blkno, offnum, attnum, msg FROM verify_heapam(CAST(:oid AS regclass))"), {"oid": oid}
        ):
            problems.append(f"verify_heapam {name} block {blkno} item {offnum} attribute {attnum}: {msg}")
    return problems


def _orphans(conn: Connection) -> list[str]:
    """Rows whose foreign key names a parent row that does not exist."""
    inspector = inspect(conn)
    problems: list[str] = []
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            child, parent = fk["constrained_columns"], fk["referred_columns"]
            on = " AND ".join(f'p."{p}" = c."{c}"' for c, p in zip(child, parent, strict=True))
            present = " AND ".join(f'c."{c}" IS NOT NULL' for c in child)
            orphans = conn.execute(
                text(
                    f'SELECT count(*) FROM "{table}" c WHERE {present} AND NOT EXISTS '
                    f'(SELECT 1 FROM "{fk["referred_table"]}" p WHERE {on})'
                )
            ).scalar_one()
            if orphans:
                problems.append(f"{table}.{','.join(child)}: {orphans} row(s) without their {fk['referred_table']}")
    return problems


def _read_every_table(conn: Connection) -> list[str]:
    """A full scan of each table reads every heap page, which fails on a page PostgreSQL cannot read."""
    problems: list[str] = []
    conn.execute(text("SET enable_indexonlyscan = off"))
    for table in inspect(conn).get_table_names():
        try:
            with conn.begin_nested():
                conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
        except DBAPIError as exc:
            problems.append(f"reading {table}: {exc}")
    return problems
