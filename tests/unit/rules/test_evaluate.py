"""Compiled evaluation: every operator, missing facts, evidence and the compile cache."""

from datetime import date
from typing import Any

import pytest

from app.rules.compile import Evidence, compile_ruleset, compiled_for, ruleset_digest
from app.rules.validate import validate_ruleset

TIERS = [
    {"name": "low", "min_score": 0},
    {"name": "moderate", "min_score": 20},
    {"name": "elevated", "min_score": 40},
    {"name": "high", "min_score": 60},
    {"name": "critical", "min_score": 80},
]
RECOMMENDATIONS = {
    "low": "approve",
    "moderate": "approve_with_conditions",
    "elevated": "escalate",
    "high": "escalate",
    "critical": "block",
}
FACTS: dict[str, Any] = {
    "deal.type": "acquisition",
    "deal.value_usd": 500_000_000,
    "deal.stake_pct": 49.5,
    "deal.control": True,
    "deal.signed_on": date(2024, 3, 15),
    "counterparty.lists": frozenset({"US-DOD-1260H", "US-BIS-EL"}),
    "counterparty.countries": ["CN"],
    "sector.sensitivity": 4,
}


def data_for(*whens: dict[str, Any]) -> dict[str, Any]:
    rules = [
        {"id": f"sector.r{i}", "factor": "sector", "title": f"Rule {i}", "when": w, "points": 5, "citation": "c"}
        for i, w in enumerate(whens)
    ]
    return {"factors": {"sector": {"cap": 50}}, "tiers": TIERS, "recommendations": RECOMMENDATIONS, "rules": rules}


def fires(when: dict[str, Any], facts: dict[str, Any] = FACTS) -> bool:
    compiled = compile_ruleset(validate_ruleset(data_for(when)))
    return bool(compiled.evaluate(facts))


@pytest.mark.parametrize(
    ("fact", "op", "value", "expected"),
    [
        ("deal.type", "eq", "acquisition", True),
        ("deal.type", "eq", "supply", False),
        ("deal.type", "ne", "supply", True),
        ("deal.type", "ne", "acquisition", False),
        ("deal.value_usd", "lt", 500_000_001, True),
        ("deal.value_usd", "lt", 500_000_000, False),
        ("deal.value_usd", "lte", 500_000_000, True),
        ("deal.value_usd", "lte", 499_999_999, False),
        ("deal.stake_pct", "gt", 49, True),
        ("deal.stake_pct", "gt", 49.5, False),
        ("deal.stake_pct", "gte", 49.5, True),
        ("deal.stake_pct", "gte", 50, False),
        ("deal.type", "in", ["acquisition", "concession"], True),
        ("deal.type", "in", ["supply"], False),
        ("deal.type", "not_in", ["supply"], True),
        ("deal.type", "not_in", ["acquisition"], False),
        ("counterparty.lists", "contains", "US-DOD-1260H", True),
        ("counterparty.lists", "contains", "US-OFAC-SDN", False),
        ("counterparty.lists", "contains_any", ["US-OFAC-SDN", "US-BIS-EL"], True),
        ("counterparty.lists", "contains_any", ["US-OFAC-SDN"], False),
        ("counterparty.lists", "contains_all", ["US-DOD-1260H", "US-BIS-EL"], True),
        ("counterparty.lists", "contains_all", ["US-DOD-1260H", "US-OFAC-SDN"], False),
        ("counterparty.countries", "contains", "CN", True),
        ("deal.control", "exists", True, True),
        ("deal.control", "exists", False, False),
        ("mitigations", "exists", False, True),
        ("mitigations", "exists", True, False),
        ("sector.sensitivity", "between", [4, 5], True),
        ("sector.sensitivity", "between", [0, 3], False),
        ("deal.signed_on", "between", ["2024-01-01", "2024-12-31"], True),
        ("deal.signed_on", "lt", "2024-03-15", False),
        ("deal.signed_on", "gte", "2024-03-15", True),
        ("deal.control", "eq", True, True),
        ("deal.control", "ne", True, False),
    ],
)
def test_operator(fact: str, op: str, value: Any, expected: bool) -> None:
    assert fires({"fact": fact, "op": op, "value": value}) is expected


def test_date_fact_given_as_iso_string() -> None:
    facts = {**FACTS, "deal.signed_on": "2024-03-15"}
    assert fires({"fact": "deal.signed_on", "op": "eq", "value": "2024-03-15"}, facts)


@pytest.mark.parametrize(
    "when",
    [
        {"fact": "deal.sector", "op": "eq", "value": "telecom"},
        {"fact": "deal.sector", "op": "ne", "value": "telecom"},
        {"fact": "mitigations", "op": "contains", "value": "security_review"},
        {"fact": "deal.attributes.market_share_pct", "op": "lt", "value": 100},
        {"fact": "deal.status", "op": "not_in", "value": ["withdrawn"]},
    ],
)
def test_missing_fact_makes_leaf_false(when: dict[str, Any]) -> None:
    assert not fires(when)
    assert not fires(when, {**FACTS, when["fact"]: None})


def test_wrongly_typed_fact_is_false_not_a_crash() -> None:
    assert not fires({"fact": "deal.value_usd", "op": "gt", "value": 1}, {"deal.value_usd": "lots"})


def test_all_any_not_combinators() -> None:
    yes = {"fact": "deal.control", "op": "eq", "value": True}
    no = {"fact": "deal.control", "op": "eq", "value": False}
    assert fires({"all": [yes, yes]}) and not fires({"all": [yes, no]})
    assert fires({"any": [no, yes]}) and not fires({"any": [no, no]})
    assert fires({"not": no}) and not fires({"not": yes})


def test_evidence_of_all_lists_every_leaf_with_actual_values() -> None:
    when = {
        "all": [
            {"fact": "deal.control", "op": "eq", "value": True},
            {"fact": "counterparty.lists", "op": "contains", "value": "US-DOD-1260H"},
        ]
    }
    [fired] = compile_ruleset(validate_ruleset(data_for(when))).evaluate(FACTS)
    assert fired.rule_id == "sector.r0" and fired.points == 5 and fired.factor == "sector"
    assert fired.evidence == [
        Evidence("deal.control", "eq", True, True),
        Evidence("counterparty.lists", "contains", "US-DOD-1260H", ["US-BIS-EL", "US-DOD-1260H"]),
    ]


def test_evidence_of_any_keeps_only_branches_that_held() -> None:
    when = {
        "any": [
            {"fact": "deal.type", "op": "eq", "value": "supply"},
            {"all": [{"fact": "deal.stake_pct", "op": "gt", "value": 25}]},
            {"fact": "sector.sensitivity", "op": "gte", "value": 4},
        ]
    }
    [fired] = compile_ruleset(validate_ruleset(data_for(when))).evaluate(FACTS)
    assert fired.evidence == [
        Evidence("deal.stake_pct", "gt", 25, 49.5),
        Evidence("sector.sensitivity", "gte", 4, 4),
    ]


def test_evidence_of_not_prefixes_op() -> None:
    when = {
        "all": [
            {"not": {"fact": "mitigations", "op": "contains", "value": "data_localisation"}},
            {"not": {"any": [{"fact": "deal.type", "op": "eq", "value": "supply"}]}},
        ]
    }
    [fired] = compile_ruleset(validate_ruleset(data_for(when))).evaluate(FACTS)
    assert fired.evidence == [
        Evidence("mitigations", "not contains", "data_localisation", None),
        Evidence("deal.type", "not eq", "supply", "acquisition"),
    ]


def test_rules_that_do_not_fire_are_absent_and_order_is_kept() -> None:
    yes = {"fact": "deal.control", "op": "eq", "value": True}
    no = {"fact": "deal.control", "op": "eq", "value": False}
    fired = compile_ruleset(validate_ruleset(data_for(yes, no, yes))).evaluate(FACTS)
    assert [f.rule_id for f in fired] == ["sector.r0", "sector.r2"]


def test_digest_is_canonical_and_cache_reuses_compiled() -> None:
    data = data_for({"fact": "deal.control", "op": "eq", "value": True})
    reordered = dict(reversed(list(data.items())))
    assert ruleset_digest(data) == ruleset_digest(reordered)
    assert len(ruleset_digest(data)) == 64
    assert compiled_for(data) is compiled_for(reordered)
    other = data_for({"fact": "deal.control", "op": "eq", "value": False})
    assert ruleset_digest(other) != ruleset_digest(data)
    assert compiled_for(other) is not compiled_for(data)
