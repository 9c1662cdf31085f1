"""Rule conditions in plain words, from the fact registry's phrases and meanings."""

from pathlib import Path

import pytest
import yaml

from app.rules.facts import REGISTRY
from app.web.conditions import PHRASES, Condition, describe, leaf_words, sentence

DEFAULT_RULESET = Path(__file__).resolve().parents[3] / "seeds" / "rulesets" / "default.yaml"


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (
            {"fact": "counterparty.lists", "op": "contains", "value": "US-DOD-1260H"},
            "a counterparty is on US-DOD-1260H",
        ),
        ({"fact": "sector.sensitivity", "op": "gte", "value": 4}, "sector sensitivity is at least 4"),
        (
            {"fact": "sector.sensitivity", "op": "between", "value": [2, 3]},
            "sector sensitivity is between 2 and 3 (inclusive)",
        ),
        ({"fact": "deal.control", "op": "eq", "value": True}, "the counterparty gains control"),
        ({"fact": "deal.control", "op": "ne", "value": True}, "the counterparty does not gain control"),
        (
            {"fact": "us.concern_level", "op": "eq", "value": "official_objection"},
            "the level of US concern is official objection",
        ),
        (
            {"fact": "deal.type", "op": "in", "value": ["acquisition", "joint_venture"]},
            "the deal type is one of acquisition or joint venture",
        ),
        (
            {"fact": "deal.value_usd", "op": "gt", "value": 100000000},
            "the deal value in US dollars is above 100,000,000",
        ),
        ({"fact": "deal.signed_on", "op": "lt", "value": "2022-10-05"}, "the signing date is before 2022-10-05"),
        ({"fact": "counterparty.listed_at_signing", "op": "exists", "value": False}, "the signing date is not known"),
        (
            {"fact": "counterparty.countries", "op": "contains_any", "value": ["CN", "RU", "IR"]},
            "a counterparty is from CN, RU or IR",
        ),
    ],
)
def test_a_leaf_reads_as_a_sentence(when: dict[str, object], words: str) -> None:
    assert sentence(describe(when)) == words


def test_not_is_pushed_down_to_the_leaves() -> None:
    when = {
        "not": {
            "any": [
                {"fact": "deal.control", "op": "eq", "value": True},
                {"fact": "counterparty.lists", "op": "contains", "value": "X"},
            ]
        }
    }
    condition = describe(when)
    assert condition == Condition(
        "all of these hold",
        (Condition("the counterparty does not gain control"), Condition("no counterparty is on X")),
    )
    assert sentence(describe({"not": {"not": {"fact": "sector.sensitivity", "op": "lt", "value": 3}}})) == (
        "sector sensitivity is below 3"
    )
    assert leaf_words("sector.sensitivity", "not lt", 3) == "sector sensitivity is at least 3"


def test_nested_groups_keep_their_brackets_on_one_line() -> None:
    when = {
        "all": [
            {"fact": "counterparty.state_controlled", "op": "eq", "value": True},
            {
                "any": [
                    {"fact": "deal.control", "op": "eq", "value": True},
                    {"fact": "counterparty.roles", "op": "contains", "value": "operator"},
                ]
            },
        ]
    }
    assert sentence(describe(when)) == (
        "a counterparty is state-controlled and (the counterparty gains control or a counterparty acts as operator)"
    )


def test_a_fact_without_a_phrase_is_described_by_its_registry_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(PHRASES, "sector.sensitivity")
    assert (
        leaf_words("sector.sensitivity", "gte", 4) == "security sensitivity of the sector, 0 (none) to 5 is at least 4"
    )
    monkeypatch.delitem(PHRASES, "deal.control")
    assert leaf_words("deal.control", "eq", True) == "whether counterparties gain control of the target: yes"
    assert leaf_words("no.such.fact", "eq", 1) == "no.such.fact is 1"


def test_every_fact_in_the_registry_has_a_phrase() -> None:
    assert set(REGISTRY) <= set(PHRASES), sorted(set(REGISTRY) - set(PHRASES))


def test_every_default_rule_reads_without_code() -> None:
    rules = yaml.safe_load(DEFAULT_RULESET.read_text())["rules"]
    for rule in rules:
        words = sentence(describe(rule["when"]))
        assert words and "{" not in words and "contains" not in words and "_any" not in words, rule["id"]
        assert not any(f" {name} " in f" {words} " for name in REGISTRY if "." in name), (rule["id"], words)
