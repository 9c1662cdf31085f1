"""Ruleset limits: tree depth at any depth, rule count, text lengths and characters, leaf list sizes."""

from typing import Any

import pytest

from app.rules.model import CITATION_MAX_LENGTH, RULE_ID_MAX_LENGTH, RULE_TITLE_MAX_LENGTH
from app.rules.validate import (
    LEAF_VALUE_MAX_LENGTH,
    MAX_DEPTH,
    MAX_LEAF_VALUES,
    MAX_RULES,
    RuleProblem,
    RulesetInvalid,
    validate_ruleset,
)
from tests.unit.rules.test_validate import problems_of, rule, ruleset


def _not_tree(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"fact": "deal.control", "op": "eq", "value": True}
    for _ in range(depth - 1):
        node = {"not": node}
    return node


def _all_tree(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"fact": "deal.control", "op": "eq", "value": True}
    for _ in range(depth - 1):
        node = {"all": [{"fact": "deal.control", "op": "exists", "value": True}, node]}
    return node


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 200, 5_000, 50_000])
def test_a_tree_of_any_depth_is_one_problem_naming_the_rule(depth: int) -> None:
    found = problems_of(ruleset(rule("sector.deep", _not_tree(depth)), rule("sector.ok")))
    assert found == [RuleProblem("sector.deep", "when" + ".not" * MAX_DEPTH, f"tree deeper than {MAX_DEPTH} levels")]


def test_the_path_leads_to_the_first_node_too_deep() -> None:
    [problem] = problems_of(ruleset(rule("sector.deep", _all_tree(5_000))))
    assert problem.path == "when" + ".all[1]" * MAX_DEPTH


def test_a_tree_at_the_depth_limit_is_accepted() -> None:
    validate_ruleset(ruleset(rule("sector.deep", _not_tree(MAX_DEPTH))))
    validate_ruleset(ruleset(rule("sector.deep", _all_tree(MAX_DEPTH))))


def test_too_many_rules_is_one_problem_naming_the_first_rule_over() -> None:
    rules = [rule(f"sector.r{i}") for i in range(MAX_RULES + 1)]
    assert problems_of(ruleset(*rules)) == [
        RuleProblem(
            f"sector.r{MAX_RULES}",
            f"rules[{MAX_RULES}]",
            f"a ruleset holds at most {MAX_RULES} rules; this one has 501",
        )
    ]
    validate_ruleset(ruleset(*rules[:MAX_RULES]))


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("title", "t" * (RULE_TITLE_MAX_LENGTH + 1), "at most 300 characters"),
        ("title", "two\nlines", "U+000A (line feed)"),
        ("title", "\u202eeltit", "U+202E (right-to-left override)"),
        ("citation", "c" * (CITATION_MAX_LENGTH + 1), "at most 2000 characters"),
        ("citation", "NDAA\x00", "U+0000 (NUL)"),
    ],
)
def test_rule_texts_have_a_length_and_character_limit(field: str, value: str, says: str) -> None:
    [problem] = problems_of(ruleset(rule("sector.text", **{field: value})))
    assert (problem.rule_id, problem.path) == ("sector.text", field) and says in problem.message


def test_rule_id_and_notes_have_a_length_limit() -> None:
    long_id = "sector." + "x" * RULE_ID_MAX_LENGTH
    assert [p.path for p in problems_of(ruleset(rule(long_id)))] == ["id"]
    with pytest.raises(RulesetInvalid) as refused:
        validate_ruleset({**ruleset(rule("sector.ok")), "notes": "n" * 10_001})
    assert [p.path for p in refused.value.problems] == ["notes"]


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ({"fact": "deal.sector", "op": "in", "value": ["ports"] * (MAX_LEAF_VALUES + 1)}, "at most 500 values"),
        ({"fact": "deal.sector", "op": "eq", "value": "p" * (LEAF_VALUE_MAX_LENGTH + 1)}, "at most 200"),
        ({"fact": "deal.sector", "op": "in", "value": ["ports", "por\x00ts"]}, "U+0000 (NUL)"),
        ({"fact": "deal.sector", "op": "eq", "value": "ports\n"}, "U+000A (line feed)"),
    ],
)
def test_leaf_values_have_size_and_character_limits(when: dict[str, Any], says: str) -> None:
    [problem] = problems_of(ruleset(rule("sector.leaf", when)))
    assert (problem.rule_id, problem.path) == ("sector.leaf", "when") and says in problem.message
