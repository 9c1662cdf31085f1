"""The integrity check the crash tests rely on does report a broken database, so its silence means something."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.engine import is_sqlite, make_engine
from tests.crash.integrity import integrity_problems


def test_the_integrity_check_reports_a_party_row_without_its_deal(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            if is_sqlite(db_url):
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # before the first write: not inside a transaction
            else:
                try:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))  # skips FK triggers
                except DBAPIError:
                    pytest.skip("turning foreign-key triggers off needs a superuser")
            conn.execute(text("INSERT INTO deal_party (deal_id, entity_id, role) VALUES (999999, 999999, 'buyer')"))
    finally:
        engine.dispose()
    problems = integrity_problems(db_url)
    assert any("deal_party" in problem for problem in problems), problems
