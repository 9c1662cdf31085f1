"""Name matching and ownership propagation, the screening the rules engine relies on."""

from datetime import date

from app.screening.match import FuzzyMatcher, name_variants, normalise_name
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


def test_match_reports_the_earliest_edition_in_force_and_what_matched() -> None:
    matcher = FuzzyMatcher(
        [
            Entry(10, "US-DOD-1260H", "CRRC Corporation Limited", ("CRRC",), date(2025, 1, 7)),
            Entry(11, "US-DOD-1260H", "CRRC Corporation Limited", ("CRRC",), date(2022, 10, 5)),
            Entry(12, "US-DOD-1260H", "BYD Company Limited", ("BYD",), date(2026, 6, 8)),
        ]
    )
    [found] = matcher.match(Subject(4, "CRRC Corp", ("crrc",)), date(2026, 1, 1))
    assert (found.entry_id, found.listed_since, found.score) == (11, date(2022, 10, 5), 1.0)
    assert (found.query, found.candidate) == ("CRRC Corp", "CRRC Corporation Limited")
    assert found.entry_key == Entry(11, "US-DOD-1260H", "CRRC Corporation Limited", ("CRRC",)).key
    assert matcher.match(Subject(5, "BYD Company Limited"), date(2025, 3, 31)) == []
    assert [h.entry_id for h in matcher.match(Subject(5, "BYD Co., Ltd."), date(2026, 6, 8))] == [12]
    assert [h.entry_id for h in matcher.match(Subject(5, "BYD Co., Ltd."), None)] == [12]


def test_normalisation_drops_legal_forms_and_finds_acronyms() -> None:
    assert normalise_name("CRRC Corporation Limited") == normalise_name("crrc corp.") == "crrc"
    assert normalise_name("Huawei Technologies Co., Ltd.") == "huawei technology"
    assert normalise_name("Group Co., Ltd.") == "group co ltd"  # nothing but legal forms: kept, not emptied
    assert name_variants("CRRC Corporation Limited (CRRC)*") == [
        "CRRC Corporation Limited (CRRC)",
        "CRRC Corporation Limited",
        "CRRC",
    ]
    assert name_variants("Shanghai International Port (Group) Co., Ltd.") == [
        "Shanghai International Port (Group) Co., Ltd.",
        "Shanghai International Port Co., Ltd.",
    ]


def test_generic_words_never_match_on_their_own() -> None:
    matcher = FuzzyMatcher(
        [
            Entry(1, "US-DOD-1260H", "China Aerospace Technology Group Corporation"),
            Entry(2, "US-DOD-1260H", "Shanghai Micro Electronics Equipment (Group) Co., Ltd."),
            Entry(3, "US-DOD-1260H", "Huawei Technologies Co., Ltd."),
        ]
    )
    for query in ("China", "Shanghai", "Technology", "Corp", "China Technology Corp", "Shanghai International Port"):
        assert matcher.match(Subject(1, query)) == [], query
    assert [h.entry_id for h in matcher.match(Subject(1, "Huawey Technologies"))] == [3]
    # A listed name made only of common words still matches itself in full.
    common = FuzzyMatcher([Entry(1, "US-DOD-1260H", "China Electronics Corporation")])
    assert [h.score for h in common.match(Subject(1, "China Electronics Corp."))] == [1.0]
    assert common.match(Subject(1, "China Electronics Technology Corp.")) == []


def test_another_country_lowers_the_score() -> None:
    matcher = FuzzyMatcher([Entry(1, "US-OFAC-SDN", "Rosoboronexport", country="RU")])
    same = matcher.match(Subject(1, "Rosoboronexport", country="RU"))[0].score
    other = matcher.match(Subject(1, "Rosoboronexport", country="BY"))[0].score
    assert same == 1.0 and other < same


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
