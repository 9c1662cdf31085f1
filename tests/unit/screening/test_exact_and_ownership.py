"""The simple matcher and ownership propagation the rules engine screens with."""

from datetime import date

from app.screening.exact import ExactMatcher
from app.screening.model import Edge, Entry, Hit, ListRule, Subject
from app.screening.normalise import normalise
from app.screening.ownership import OwnershipGraph, propagate
from app.vocabulary import ListCategory, OwnershipRule

RULES = {
    "US-DOD-1260H": ListRule("US-DOD-1260H", ListCategory.military, OwnershipRule.listed_affiliates),
    "US-OFAC-SDN": ListRule("US-OFAC-SDN", ListCategory.sanctions, OwnershipRule.fifty_percent),
    "US-BIS-EL": ListRule("US-BIS-EL", ListCategory.export_control, OwnershipRule.none),
}


def hit(entity_id: int, code: str, entry_id: int = 1) -> Hit:
    return Hit(entity_id, code, entry_id, "Listed Co", 1.0, "Listed Co", "Listed Co", date(2022, 10, 5))


def test_normalise_folds_case_accents_punctuation_and_spacing() -> None:
    assert normalise("  Société  Générale, S.A. ") == "societe generale s a"
    assert normalise("CRRC Corporation Limited") == normalise("crrc corporation   limited.")
    assert normalise("中国中车股份有限公司") == "中国中车股份有限公司"


def test_entry_counts_from_start_until_the_day_before_its_end() -> None:
    entry = Entry(1, "US-DOD-1260H", "X", start_date=date(2024, 1, 31), end_date=date(2025, 1, 7))
    assert not entry.in_force(date(2024, 1, 30))
    assert entry.in_force(date(2024, 1, 31)) and entry.in_force(date(2025, 1, 6))
    assert not entry.in_force(date(2025, 1, 7))


def test_exact_match_on_alias_reports_earliest_edition_in_force() -> None:
    matcher = ExactMatcher(
        [
            Entry(10, "US-DOD-1260H", "CRRC Corporation Limited", ("CRRC",), date(2025, 1, 7)),
            Entry(11, "US-DOD-1260H", "CRRC Corporation Limited", ("CRRC",), date(2022, 10, 5)),
            Entry(12, "US-DOD-1260H", "BYD Company Limited", ("BYD",), date(2026, 6, 8)),
        ]
    )
    [found] = matcher.match(Subject(4, "CRRC Corp", ("crrc",)), date(2026, 1, 1))
    assert (found.entry_id, found.listed_since, found.query, found.candidate) == (11, date(2022, 10, 5), "crrc", "CRRC")
    assert matcher.match(Subject(5, "BYD Company Limited"), date(2025, 3, 31)) == []
    assert [h.entry_id for h in matcher.match(Subject(5, "BYD Company Limited"), date(2026, 6, 8))] == [12]
    assert matcher.match(Subject(6, "CRRC Corporation"), date(2026, 1, 1)) == []


def test_listed_affiliates_reach_controlled_subsidiaries_with_the_path() -> None:
    # 1 listed parent -> 2 (55%) -> 3 (100%); 4 holds 10% of nothing listed
    graph = OwnershipGraph([Edge(1, 2, 55.0), Edge(2, 3, 100.0), Edge(1, 4, 10.0)])
    result = propagate({1: [hit(1, "US-DOD-1260H")]}, graph, RULES, [1, 2, 3, 4])
    assert [h.via for h in result[1]] == [()]
    assert [h.via for h in result[2]] == [(1,)]
    assert [h.via for h in result[3]] == [(2, 1)]
    assert result[4] == []


def test_fifty_percent_rule_aggregates_listed_owners() -> None:
    graph = OwnershipGraph([Edge(1, 3, 30.0), Edge(2, 3, 20.0), Edge(1, 4, 30.0)])
    direct = {1: [hit(1, "US-OFAC-SDN")], 2: [hit(2, "US-OFAC-SDN", 2)]}
    result = propagate(direct, graph, RULES, [3, 4])
    assert [(h.list_code, h.via) for h in result[3]] == [("US-OFAC-SDN", (1,))]
    assert result[4] == []


def test_list_without_ownership_rule_is_not_inherited() -> None:
    graph = OwnershipGraph([Edge(1, 2, 100.0, control=True)])
    assert propagate({1: [hit(1, "US-BIS-EL")]}, graph, RULES, [2]) == {2: []}


def test_ownership_cycles_terminate() -> None:
    graph = OwnershipGraph([Edge(1, 2, 60.0), Edge(2, 1, 60.0), Edge(2, 3, 60.0), Edge(9, 1, 60.0)])
    result = propagate({9: [hit(9, "US-DOD-1260H")]}, graph, RULES, [1, 2, 3])
    assert [h.via for h in result[3]] == [(2, 1, 9)]
    assert propagate({}, graph, RULES, [1, 2, 3]) == {1: [], 2: [], 3: []}


def test_controllers_follow_controlling_edges_only() -> None:
    graph = OwnershipGraph([Edge(1, 2, 55.91), Edge(2, 3, 100.0), Edge(7, 3, 28.6), Edge(8, 3, 5.0, control=True)])
    assert set(graph.controllers(3)) == {1, 2, 8}
