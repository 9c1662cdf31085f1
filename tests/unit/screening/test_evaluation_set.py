"""The fuzzy matcher on the labelled evaluation set, against the real 1260H list and the OFAC SDN bench set.

The entries come from the real files through the real importers (tests/fixtures/lists/), so the expected
names are the names an import produces. Dates are ignored (`as_of=None`): the set is about names.
"""

import pytest

from app.screening.match import FuzzyMatcher, normalise_name
from app.screening.model import Entry, Subject
from tests.unit.screening.evaluation import DOD_1260H, OFAC_SDN, Query, evaluate, load_entries, load_queries

MIN_RECALL = 0.98
MIN_PRECISION = 0.95
GENERIC_NAMES = ("China", "Shanghai", "Technology", "Corp", "China Technology Corp", "Group Co., Ltd.")


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return load_entries()


@pytest.fixture(scope="module")
def matcher(entries: list[Entry]) -> FuzzyMatcher:
    return FuzzyMatcher(entries)


@pytest.fixture(scope="module")
def queries() -> list[Query]:
    return load_queries()


def test_entries_come_from_both_real_files(entries: list[Entry]) -> None:
    assert sum(e.list_code == DOD_1260H for e in entries) == 397
    sdn = [e for e in entries if e.list_code == OFAC_SDN]
    assert len(sdn) == 8976
    assert sum(len(e.aliases) for e in sdn) >= 11_000
    assert [e.id for e in entries] == list(range(1, len(entries) + 1))


def test_the_set_has_over_a_hundred_queries_about_seven_in_ten_positive(queries: list[Query]) -> None:
    positives = [q for q in queries if q.kind == "positive"]
    assert len(queries) >= 100
    assert 0.6 <= len(positives) / len(queries) <= 0.8
    assert {q.list_code for q in positives} == {DOD_1260H, OFAC_SDN}
    assert len({q.query for q in queries}) == len(queries), "a query is labelled twice"


def test_every_expected_name_is_an_entry_of_the_labelled_list(queries: list[Query], entries: list[Entry]) -> None:
    names = {(e.list_code, e.name) for e in entries}
    unknown = [(q.query, name) for q in queries for name in q.expect if (q.list_code, name) not in names]
    assert unknown == []


def test_no_negative_is_a_listed_name_or_alias(queries: list[Query], entries: list[Entry]) -> None:
    listed = {normalise_name(name) for e in entries for name in (e.name, *e.aliases)}
    named = [q.query for q in queries if q.kind == "negative" and normalise_name(q.query) in listed]
    assert named == []


def test_matcher_finds_listed_variants_and_passes_over_near_misses(matcher: FuzzyMatcher, queries: list[Query]) -> None:
    report = evaluate(matcher, queries)
    print(report.describe())
    recall, precision = report.recall, report.precision
    assert recall >= MIN_RECALL and precision >= MIN_PRECISION, (
        f"wanted recall >= {MIN_RECALL} and precision >= {MIN_PRECISION}; {report.describe()}"
    )


@pytest.mark.parametrize("name", GENERIC_NAMES)
def test_generic_words_never_match_on_their_own(matcher: FuzzyMatcher, name: str) -> None:
    hits = [(h.entry_name, h.candidate, h.score) for h in matcher.match(Subject(1, name), None)]
    assert hits == []
