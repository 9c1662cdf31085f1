"""Validation of rulesets: every problem kind is reported with its rule id and path."""

from typing import Any

import pytest

from app.rules.facts import REGISTRY, FactType
from app.rules.validate import MAX_DEPTH, RuleProblem, RulesetInvalid, validate_ruleset


def ruleset(*rules: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid ruleset shell around the given rules."""
    data: dict[str, Any] = {
        "factors": {"blacklist": {"cap": 40}, "sector": {"cap": 30}, "mitigation": {"cap": 20}},
        "tiers": [
            {"name": "low", "min_score": 0},
            {"name": "moderate", "min_score": 20},
            {"name": "elevated", "min_score": 40},
            {"name": "high", "min_score": 60},
            {"name": "critical", "min_score": 80},
        ],
        "recommendations": {
            "low": "approve",
            "moderate": "approve_with_conditions",
            "elevated": "escalate",
            "high": "escalate",
            "critical": "block",
        },
        "rules": list(rules),
    }
    data.update(overrides)
    return data


def rule(rule_id: str = "sector.test", when: Any = None, **overrides: Any) -> dict[str, Any]:
    """A valid rule, with `when` and other fields replaceable."""
    data: dict[str, Any] = {
        "id": rule_id,
        "factor": "sector",
        "title": "A test rule",
        "when": when if when is not None else {"fact": "deal.control", "op": "eq", "value": True},
        "points": 10,
        "citation": "Test citation",
    }
    data.update(overrides)
    return data


def problems_of(data: dict[str, Any]) -> list[RuleProblem]:
    with pytest.raises(RulesetInvalid) as info:
        validate_ruleset(data)
    return info.value.problems


def test_registry_declares_every_fact_once_with_fitting_example() -> None:
    assert len(REGISTRY) == 40
    for name, spec in REGISTRY.items():
        assert spec.name == name and spec.meaning
        if spec.type is FactType.string_set:
            assert isinstance(spec.example, list)


def test_valid_ruleset_parses() -> None:
    parsed = validate_ruleset(ruleset(rule()))
    assert [r.id for r in parsed.rules] == ["sector.test"]


@pytest.mark.parametrize(
    ("leaf", "fragment"),
    [
        ({"fact": "deal.nonsense", "op": "eq", "value": 1}, "unknown fact"),
        ({"fact": "deal.control", "op": "lt", "value": True}, "does not fit boolean"),
        ({"fact": "deal.sector", "op": "contains", "value": "x"}, "does not fit string"),
        ({"fact": "deal.sector", "op": "between", "value": ["a", "b"]}, "does not fit string"),
        ({"fact": "counterparty.lists", "op": "eq", "value": "x"}, "does not fit string_set"),
        ({"fact": "deal.value_usd", "op": "contains_any", "value": [1]}, "does not fit integer"),
        ({"fact": "deal.value_usd", "op": "gt", "value": "big"}, "not an integer"),
        ({"fact": "deal.value_usd", "op": "gt", "value": True}, "not an integer"),
        ({"fact": "deal.stake_pct", "op": "gt", "value": "10"}, "not a number"),
        ({"fact": "deal.signed_on", "op": "lt", "value": "15/03/2024"}, "ISO date"),
        ({"fact": "deal.type", "op": "in", "value": "acquisition"}, "non-empty list"),
        ({"fact": "deal.type", "op": "not_in", "value": ["acquisition", 3]}, "not a string"),
        ({"fact": "deal.value_usd", "op": "between", "value": [10]}, "[lo, hi]"),
        ({"fact": "deal.value_usd", "op": "between", "value": [10, 1]}, "lo <= hi"),
        ({"fact": "deal.signed_on", "op": "between", "value": ["2024-02-01", "2024-01-01"]}, "lo <= hi"),
        ({"fact": "deal.control", "op": "exists", "value": "yes"}, "true or false"),
        ({"fact": "counterparty.lists", "op": "contains", "value": 5}, "not a string"),
        ({"fact": "counterparty.lists", "op": "contains_all", "value": []}, "non-empty list"),
    ],
)
def test_leaf_problems_name_rule_and_path(leaf: dict[str, Any], fragment: str) -> None:
    when = {"all": [{"fact": "deal.control", "op": "eq", "value": True}, {"any": [leaf]}]}
    [problem] = problems_of(ruleset(rule("sector.bad", when)))
    assert problem.rule_id == "sector.bad"
    assert problem.path == "when.all[1].any[0]"
    assert fragment in problem.message
    assert "sector.bad" in str(problem) and "when.all[1].any[0]" in str(problem)


def test_every_problem_is_reported_not_just_the_first() -> None:
    bad_a = rule("sector.a", {"fact": "nope", "op": "eq", "value": 1})
    bad_b = rule("sector.b", {"not": {"fact": "deal.control", "op": "gt", "value": 1}})
    found = problems_of(ruleset(bad_a, bad_b, rule("sector.ok")))
    assert [(p.rule_id, p.path) for p in found] == [("sector.a", "when"), ("sector.b", "when.not")]


def test_duplicate_rule_id() -> None:
    [problem] = problems_of(ruleset(rule("sector.same"), rule("sector.same")))
    assert problem.rule_id == "sector.same" and "duplicate" in problem.message


def test_factor_must_be_declared() -> None:
    [problem] = problems_of(ruleset(rule("sector.x", factor="us_relations")))
    assert (problem.rule_id, problem.path) == ("sector.x", "factor")
    assert "not declared" in problem.message


def test_tree_depth_limit() -> None:
    when: dict[str, Any] = {"fact": "deal.control", "op": "eq", "value": True}
    for _ in range(MAX_DEPTH):
        when = {"not": when}
    [problem] = problems_of(ruleset(rule("sector.deep", when)))
    assert problem.rule_id == "sector.deep" and "deeper" in problem.message
    assert problem.path.startswith("when.not.not")


def test_depth_at_limit_is_accepted() -> None:
    when: dict[str, Any] = {"fact": "deal.control", "op": "eq", "value": True}
    for _ in range(MAX_DEPTH - 1):
        when = {"not": when}
    validate_ruleset(ruleset(rule("sector.deep", when)))


def test_structural_errors_carry_rule_id_and_path() -> None:
    when = {"all": [{"fact": "deal.control", "op": "bogus", "value": True}]}
    found = problems_of(ruleset(rule("sector.op", when), rule("sector.cite", citation="")))
    assert ("sector.op", "when.all[0].op") in [(p.rule_id, p.path) for p in found]
    assert ("sector.cite", "citation") in [(p.rule_id, p.path) for p in found]


@pytest.mark.parametrize("bad_id", ["Sector.Test", "sector", "sector..x", "sector.x-y"])
def test_rule_id_pattern(bad_id: str) -> None:
    [problem] = problems_of(ruleset(rule(bad_id)))
    assert problem.rule_id == bad_id and problem.path == "id"


def test_unknown_factor_name_rejected() -> None:
    found = problems_of(ruleset(rule("sector.x", factor="vibes")))
    assert found[0].path == "factor"


def test_tiers_must_cover_all_in_increasing_order_from_zero() -> None:
    tiers = [
        {"name": "low", "min_score": 5},
        {"name": "moderate", "min_score": 20},
        {"name": "elevated", "min_score": 20},
        {"name": "high", "min_score": 60},
    ]
    found = problems_of(ruleset(rule(), tiers=tiers))
    paths = {p.path for p in found}
    assert {"tiers", "tiers[0].min_score", "tiers[2].min_score"} <= paths
    assert all(p.rule_id is None for p in found)


def test_recommendations_must_map_every_tier() -> None:
    found = problems_of(ruleset(rule(), recommendations={"low": "approve"}))
    assert [p.path for p in found] == ["recommendations"]


def test_factor_cap_must_be_positive() -> None:
    found = problems_of(ruleset(rule(), factors={"sector": {"cap": 0}}))
    assert found[0].path == "factors.sector.cap"


def test_value_outside_a_facts_vocabulary_is_refused() -> None:
    when = {
        "any": [
            {"fact": "us.concern_level", "op": "eq", "value": "pubic"},
            {"fact": "mitigations", "op": "contains_any", "value": ["security_review", "golden_share"]},
        ]
    }
    found = problems_of(ruleset(rule("sector.typo", when)))
    assert [(p.rule_id, p.path) for p in found] == [("sector.typo", "when.any[0]"), ("sector.typo", "when.any[1]")]
    assert "'pubic'" in found[0].message and "'golden_share'" in found[1].message


def test_mitigation_rules_only_subtract_and_set_no_floor() -> None:
    raised = rule("mitigation.up", factor="mitigation", points=5, min_tier="high")
    lowered = rule("sector.down", points=-5)
    found = problems_of(ruleset(raised, lowered))
    assert {(p.rule_id, p.path) for p in found} == {
        ("mitigation.up", "points"),
        ("mitigation.up", "min_tier"),
        ("sector.down", "points"),
    }
