"""Scoring: factor clamping, total clamping, tiers, floors, and property tests over random rule sets."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.compile import compile_ruleset
from app.rules.score import FactorTotal, score
from app.rules.validate import validate_ruleset
from app.vocabulary import TIER_ORDER, Recommendation, Tier

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
FACTORS = {
    "blacklist": {"cap": 60},
    "sector": {"cap": 30},
    "us_relations": {"cap": 20},
    "mitigation": {"cap": 25},
}
LEAVES = [
    {"fact": "deal.control", "op": "eq", "value": True},
    {"fact": "counterparty.lists", "op": "contains", "value": "US-DOD-1260H"},
    {"fact": "sector.sensitivity", "op": "gte", "value": 3},
    {"fact": "deal.type", "op": "in", "value": ["acquisition", "concession"]},
    {"fact": "mitigations", "op": "contains", "value": "data_localisation"},
    {"fact": "deal.stake_pct", "op": "between", "value": [10, 50]},
]


def make_rule(rule_id: str, factor: str, points: int, when: Any, min_tier: str | None = None) -> dict[str, Any]:
    return {
        "id": rule_id,
        "factor": factor,
        "title": rule_id,
        "when": when,
        "points": points,
        "min_tier": min_tier,
        "citation": "c",
    }


def run(rules: list[dict[str, Any]], facts: dict[str, Any]) -> Any:
    ruleset = validate_ruleset({"factors": FACTORS, "tiers": TIERS, "recommendations": RECOMMENDATIONS, "rules": rules})
    compiled = compile_ruleset(ruleset)
    return score(compiled, ruleset, compiled.evaluate(facts))


ALWAYS = {"fact": "deal.control", "op": "exists", "value": True}


def test_factor_totals_clamp_to_cap() -> None:
    rules = [make_rule(f"sector.r{i}", "sector", 20, ALWAYS) for i in range(3)]
    rules.append(make_rule("mitigation.m", "mitigation", -40, ALWAYS))
    result = run(rules, {"deal.control": True})
    assert FactorTotal("sector", 30, 30) in result.factors
    assert FactorTotal("mitigation", -25, 25) in result.factors
    assert FactorTotal("blacklist", 0, 60) in result.factors
    assert result.score == 5 and result.tier is Tier.low
    assert result.recommendation is Recommendation.approve


def test_total_clamped_to_zero_and_hundred() -> None:
    high = [
        make_rule("blacklist.a", "blacklist", 60, ALWAYS),
        make_rule("sector.a", "sector", 30, ALWAYS),
        make_rule("us_relations.a", "us_relations", 20, ALWAYS),
    ]
    result = run(high, {"deal.control": True})
    assert result.score == 100 and result.tier is Tier.critical and result.recommendation is Recommendation.block
    low = run([make_rule("mitigation.a", "mitigation", -25, ALWAYS)], {"deal.control": True})
    assert low.score == 0


def test_tier_boundaries() -> None:
    for points, tier in [(19, Tier.low), (20, Tier.moderate), (40, Tier.elevated), (60, Tier.high)]:
        result = run([make_rule("blacklist.a", "blacklist", points, ALWAYS)], {"deal.control": True})
        assert result.tier is tier


def test_floor_cannot_be_lowered_by_mitigation() -> None:
    rules = [
        make_rule("blacklist.listed", "blacklist", 10, ALWAYS, min_tier="high"),
        make_rule("mitigation.agreement", "mitigation", -25, ALWAYS),
    ]
    result = run(rules, {"deal.control": True})
    assert result.score == 0
    assert result.tier is Tier.high and result.recommendation is Recommendation.escalate


def test_floor_does_not_lower_a_higher_tier() -> None:
    rules = [
        make_rule("blacklist.a", "blacklist", 60, ALWAYS, min_tier="moderate"),
        make_rule("sector.a", "sector", 25, ALWAYS),
    ]
    assert run(rules, {"deal.control": True}).tier is Tier.critical


rule_specs = st.lists(
    st.tuples(
        st.sampled_from(["blacklist", "sector", "us_relations", "mitigation"]),
        st.integers(min_value=0, max_value=70),
        st.sampled_from(range(len(LEAVES))),
        st.booleans(),
        st.none() | st.sampled_from([t.value for t in TIER_ORDER]),
    ),
    max_size=12,
)
facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "deal.control": st.booleans(),
        "counterparty.lists": st.frozensets(st.sampled_from(["US-DOD-1260H", "US-BIS-EL", "US-OFAC-SDN"])),
        "sector.sensitivity": st.integers(min_value=0, max_value=5),
        "deal.type": st.sampled_from(["acquisition", "supply", "concession"]),
        "mitigations": st.frozensets(st.sampled_from(["data_localisation", "security_review"])),
        "deal.stake_pct": st.floats(min_value=0, max_value=100),
    },
)


def build(specs: list[tuple[str, int, int, bool, str | None]]) -> list[dict[str, Any]]:
    rules = []
    for i, (factor, points, leaf, negate, floor) in enumerate(specs):
        when = {"not": LEAVES[leaf]} if negate else LEAVES[leaf]
        mitigation = factor == "mitigation"
        # The validator refuses positive or floored mitigations, so generated ones subtract and set no floor.
        rules.append(
            make_rule(f"{factor}.r{i}", factor, -points if mitigation else points, when, None if mitigation else floor)
        )
    return rules


@settings(max_examples=150, deadline=None)
@given(rule_specs, facts_strategy)
def test_score_in_range_and_floors_hold(specs: list[Any], facts: dict[str, Any]) -> None:
    rules = build(specs)
    ruleset = validate_ruleset({"factors": FACTORS, "tiers": TIERS, "recommendations": RECOMMENDATIONS, "rules": rules})
    compiled = compile_ruleset(ruleset)
    fired = compiled.evaluate(facts)
    result = score(compiled, ruleset, fired)
    assert 0 <= result.score <= 100
    for rule in fired:
        if rule.min_tier is not None:
            assert TIER_ORDER.index(result.tier) >= TIER_ORDER.index(rule.min_tier)
    assert result.recommendation is Recommendation(RECOMMENDATIONS[result.tier.value])


@settings(max_examples=150, deadline=None)
@given(rule_specs, facts_strategy, st.integers(min_value=1, max_value=40), st.sampled_from(range(len(LEAVES))))
def test_adding_mitigation_never_raises_score(specs: list[Any], facts: dict[str, Any], points: int, leaf: int) -> None:
    rules = build(specs)
    before = run(rules, facts)
    after = run([*rules, make_rule("mitigation.extra", "mitigation", -points, LEAVES[leaf])], facts)
    assert after.score <= before.score
    assert TIER_ORDER.index(after.tier) <= TIER_ORDER.index(before.tier)


@settings(max_examples=100, deadline=None)
@given(rule_specs, facts_strategy)
def test_evaluation_is_deterministic(specs: list[Any], facts: dict[str, Any]) -> None:
    rules = build(specs)
    assert run(rules, facts) == run(rules, dict(reversed(list(facts.items()))))
    ruleset = validate_ruleset({"factors": FACTORS, "tiers": TIERS, "recommendations": RECOMMENDATIONS, "rules": rules})
    compiled = compile_ruleset(ruleset)
    assert compiled.evaluate(facts) == compiled.evaluate(facts)
