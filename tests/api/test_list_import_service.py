"""Writing list versions: identical content creates nothing; a failed import keeps the previous version."""

import pytest
from sqlalchemy import Engine

from app.core.errors import ImportRejected
from app.db.session import unit_of_work
from app.models import ListVersion, ScreeningEntry
from app.services import lists
from tests.conftest import SEEDS
from tests.factories import count_rows

REAL = (SEEDS / "lists" / "us_dod_1260h.csv").read_bytes()


def test_reimporting_identical_content_creates_no_version(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        outcome = lists.import_list(session, "US-DOD-1260H", "dod_1260h_csv", REAL, "test")
    assert (outcome.created, outcome.version, outcome.entries) == (False, 1, 397)
    assert count_rows(engine, ListVersion) == 1


def test_changed_content_creates_version_two(engine: Engine) -> None:
    smaller = b"\n".join(REAL.splitlines()[:11]) + b"\n"
    with unit_of_work(engine) as session:
        outcome = lists.import_list(session, "US-DOD-1260H", "dod_1260h_csv", smaller, "test")
        assert lists.get_list(session, "US-DOD-1260H").current_version == 2
    assert (outcome.created, outcome.version, outcome.entries) == (True, 2, 10)
    assert count_rows(engine, ScreeningEntry) == 407


def test_a_failed_import_leaves_the_previous_version(engine: Engine) -> None:
    with pytest.raises(ImportRejected), unit_of_work(engine) as session:
        lists.import_list(session, "US-DOD-1260H", "dod_1260h_csv", b"Name,Start date\n,\n", "test")
    with unit_of_work(engine) as session:
        assert lists.get_list(session, "US-DOD-1260H").current_version == 1
    assert count_rows(engine, ListVersion) == 1 and count_rows(engine, ScreeningEntry) == 397
