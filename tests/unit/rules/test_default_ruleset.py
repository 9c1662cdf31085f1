"""The default ruleset: its shape, how it scores the three seed deals and other typical deals, and its invariants."""

from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.compile import CompiledRuleset, FiredRule, compile_ruleset
from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, FactorName, Leaf, Node, Not, Ruleset
from app.rules.score import ScoreResult, score
from app.rules.validate import validate_ruleset
from app.vocabulary import TIER_ORDER, Mitigation, Recommendation, Tier

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
RULESET_PATH = SEEDS / "rulesets" / "default.yaml"

# The facts the scoring layer derives for the three seed deals (seeds/deals/*.yaml) as of 2026-11-24.
LIGHT_RAIL: dict[str, Any] = {
    "as_of": "2026-11-24",
    "deal.type": "procurement",
    "deal.sector": "urban_rail",
    "sector.sensitivity": 4,
    "sector.regimes": {"eu.art4.critical_infrastructure", "il.committee.transportation", "il.committee.infrastructure"},
    "deal.value_usd": 383000000,
    "deal.control": False,
    "deal.government_party": False,
    "deal.status": "signed",
    "host.country": "IL",
    "host.groups": {"mnna"},
    "counterparty.countries": {"CN"},
    "counterparty.country_groups": {"country_of_concern", "foreign_adversary"},
    "counterparty.state_controlled": True,
    "counterparty.lists": {"US-DOD-1260H"},
    "counterparty.lists_direct": {"US-DOD-1260H"},
    "counterparty.lists_inherited": set(),
    "counterparty.list_categories": {"military"},
    "counterparty.roles": {"supplier"},
    "counterparty.count": 1,
    "parties.lists": {"US-DOD-1260H"},
    "manufacturer.countries": {"US"},
    "manufacturer.country_groups": {"five_eyes", "nato"},
    "buyer.state_owned": False,
    "us.concern_level": "private",
    "us.domestic_restrictions": {"us.transit_rolling_stock_2021"},
    "mitigations": {"supply_via_allied_subsidiary"},
    "deal.attributes.claimed_signed_before_listing": True,
    "deal.attributes.host_security_objection": True,
}

HAIFA_PORT: dict[str, Any] = {
    "as_of": "2026-11-24",
    "deal.type": "concession",
    "deal.sector": "ports",
    "sector.sensitivity": 5,
    "sector.regimes": {
        "cfius.critical_infrastructure",
        "cfius.real_estate",
        "eu.art4.critical_infrastructure",
        "il.committee.transportation",
        "il.committee.infrastructure",
    },
    "deal.control": True,
    "deal.government_party": True,
    "deal.status": "in_operation",
    "host.country": "IL",
    "host.groups": {"mnna"},
    "counterparty.countries": {"CN"},
    "counterparty.country_groups": {"country_of_concern", "foreign_adversary"},
    "counterparty.state_controlled": True,
    "counterparty.lists": set(),
    "counterparty.lists_direct": set(),
    "counterparty.lists_inherited": set(),
    "counterparty.list_categories": set(),
    "counterparty.roles": {"operator"},
    "counterparty.count": 1,
    "parties.lists": set(),
    "manufacturer.countries": set(),
    "manufacturer.country_groups": set(),
    "us.concern_level": "public",
    "us.domestic_restrictions": {"us.port_cranes_2024", "us.sts_cranes_tariff_2024"},
    "mitigations": set(),
    "deal.attributes.near_sensitive_site": True,
    "deal.attributes.near_us_military_presence": True,
}

CHINESE_EVS: dict[str, Any] = {
    "as_of": "2026-11-24",
    "deal.type": "market_entry",
    "deal.sector": "connected_vehicles",
    "sector.sensitivity": 4,
    "sector.regimes": {
        "cfius.sensitive_personal_data",
        "eu.art4.critical_technologies",
        "eu.art4.sensitive_information",
        "il.committee.transportation",
    },
    "deal.control": False,
    "deal.government_party": False,
    "deal.status": "in_operation",
    "host.country": "IL",
    "host.groups": {"mnna"},
    "counterparty.countries": {"CN"},
    "counterparty.country_groups": {"country_of_concern", "foreign_adversary"},
    "counterparty.state_controlled": True,
    "counterparty.lists": {"US-DOD-1260H"},
    "counterparty.lists_direct": {"US-DOD-1260H"},
    "counterparty.lists_inherited": set(),
    "counterparty.list_categories": {"military"},
    "counterparty.roles": {"supplier"},
    "counterparty.count": 3,
    "parties.lists": {"US-DOD-1260H"},
    "manufacturer.countries": set(),
    "manufacturer.country_groups": set(),
    "buyer.state_owned": False,
    "us.concern_level": "none",
    "us.domestic_restrictions": {"us.chinese_ev_tariff_2024", "us.connected_vehicles_2025"},
    "mitigations": set(),
    "deal.attributes.market_share_pct": 25,
    "deal.attributes.data_access": True,
    "deal.attributes.remote_access": True,
    "deal.attributes.near_sensitive_site": True,
    "deal.attributes.host_security_restriction": True,
}

# Before BYD's 1260H listing (2026-06-08 edition) no counterparty is on a list.
CHINESE_EVS_2025: dict[str, Any] = {
    **CHINESE_EVS,
    "as_of": "2025-03-31",
    "counterparty.lists": set(),
    "counterparty.lists_direct": set(),
    "counterparty.list_categories": set(),
    "parties.lists": set(),
}


@cache
def ruleset_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULESET_PATH.read_text(encoding="utf-8"))
    return data


@cache
def default() -> tuple[Ruleset, CompiledRuleset]:
    ruleset = validate_ruleset(ruleset_data())
    return ruleset, compile_ruleset(ruleset)


def run(facts: dict[str, Any]) -> tuple[ScoreResult, list[FiredRule]]:
    ruleset, compiled = default()
    fired = compiled.evaluate(facts)
    return score(compiled, ruleset, fired), fired


def ids(fired: list[FiredRule]) -> set[str]:
    return {rule.rule_id for rule in fired}


def rank(tier: Tier) -> int:
    return TIER_ORDER.index(tier)


def leaves(node: Node) -> list[Leaf]:
    if isinstance(node, All):
        return [leaf for child in node.all for leaf in leaves(child)]
    if isinstance(node, AnyOf):
        return [leaf for child in node.any for leaf in leaves(child)]
    if isinstance(node, Not):
        return leaves(node.not_)
    return [node]


def seed_codes(filename: str, key: str) -> set[str]:
    data = yaml.safe_load((SEEDS / filename).read_text(encoding="utf-8"))
    return {item["code"] for item in data[key]}


# --- Shape ---------------------------------------------------------------------------------------------------


def test_default_ruleset_validates_and_has_enough_rules() -> None:
    ruleset, _ = default()
    assert len(ruleset.rules) >= 30
    assert [t.name for t in ruleset.tiers] == list(TIER_ORDER)
    assert ruleset.recommendations[Tier.critical] is Recommendation.block
    assert ruleset.notes


def test_every_factor_is_declared_and_has_at_least_two_rules() -> None:
    ruleset, _ = default()
    assert set(ruleset.factors) == set(FactorName)
    counts = Counter(rule.factor for rule in ruleset.rules)
    assert all(counts[factor] >= 2 for factor in FactorName), counts


def test_every_rule_is_cited_and_prefixed_by_its_factor() -> None:
    ruleset, _ = default()
    for rule in ruleset.rules:
        assert rule.citation.strip(), rule.id
        assert rule.title.strip() and "\n" not in rule.title, rule.id
        assert rule.id.startswith(f"{rule.factor.value}."), rule.id


def test_mitigations_subtract_and_other_factors_add() -> None:
    ruleset, _ = default()
    for rule in ruleset.rules:
        if rule.factor is FactorName.mitigation:
            assert rule.points < 0 and rule.min_tier is None, rule.id
        else:
            assert rule.points > 0, rule.id


def test_no_scoring_rule_depends_on_the_mitigation_codes() -> None:
    """Only mitigation rules read `mitigations`, so recording a mitigation can never add points."""
    ruleset, _ = default()
    for rule in ruleset.rules:
        if rule.factor is not FactorName.mitigation:
            assert all(leaf.fact != "mitigations" for leaf in leaves(rule.when)), rule.id


def test_no_single_factor_reaches_high_on_points_alone() -> None:
    ruleset, _ = default()
    high = next(t.min_score for t in ruleset.tiers if t.name is Tier.high)
    assert all(factor.cap < high for factor in ruleset.factors.values())


def test_codes_in_rules_exist_in_the_seed_files() -> None:
    """The registry has no vocabulary for these facts, so a typo would silently never match."""
    known = {
        "counterparty.lists": seed_codes("lists/lists.yaml", "lists"),
        "counterparty.lists_direct": seed_codes("lists/lists.yaml", "lists"),
        "counterparty.lists_inherited": seed_codes("lists/lists.yaml", "lists"),
        "parties.lists": seed_codes("lists/lists.yaml", "lists"),
        "us.domestic_restrictions": seed_codes("us_restrictions.yaml", "restrictions"),
        "sector.regimes": seed_codes("sectors.yaml", "regimes"),
        "deal.sector": seed_codes("sectors.yaml", "sectors"),
        "counterparty.country_groups": seed_codes("countries.yaml", "groups"),
        "manufacturer.country_groups": seed_codes("countries.yaml", "groups"),
        "host.groups": seed_codes("countries.yaml", "groups"),
    }
    ruleset, _ = default()
    for rule in ruleset.rules:
        for leaf in leaves(rule.when):
            if leaf.fact in known and isinstance(leaf.value, str | list):
                values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
                assert set(values) <= known[leaf.fact], (rule.id, set(values) - known[leaf.fact])


def test_every_us_measure_in_the_seeds_is_scored_by_a_us_relations_rule() -> None:
    ruleset, _ = default()
    scored = {
        code
        for rule in ruleset.rules
        if rule.factor is FactorName.us_relations
        for leaf in leaves(rule.when)
        if leaf.fact == "us.domestic_restrictions"
        for code in (leaf.value if isinstance(leaf.value, list) else [leaf.value])
    }
    assert seed_codes("us_restrictions.yaml", "restrictions") <= scored


# --- The three seed deals ------------------------------------------------------------------------------------


def test_light_rail_is_escalated_on_the_1260h_floor_with_its_mitigations_counted() -> None:
    result, fired = run(LIGHT_RAIL)
    [listing] = [rule for rule in fired if rule.rule_id == "blacklist.dod_1260h"]
    assert listing.min_tier is Tier.high
    assert {
        "mitigation.claimed_signed_before_listing",
        "mitigation.allied_subsidiary_supply",
        "mitigation.private_buyer",
    } <= ids(fired)
    assert "mitigation.signed_before_listing" not in ids(fired)  # the signing date is unknown
    assert result.tier is Tier.high and result.recommendation is Recommendation.escalate
    # Points alone would put it lower; the floor keeps it at high.
    ruleset, _ = default()
    high = next(t.min_score for t in ruleset.tiers if t.name is Tier.high)
    assert result.score < high


def test_light_rail_mitigations_lower_the_score_but_not_the_tier() -> None:
    bare = {**LIGHT_RAIL, "mitigations": set()}
    del bare["deal.attributes.claimed_signed_before_listing"]
    with_mitigations, _ = run(LIGHT_RAIL)
    without, fired = run(bare)
    assert "mitigation.allied_subsidiary_supply" not in ids(fired)
    assert with_mitigations.score < without.score
    assert with_mitigations.tier is without.tier is Tier.high


def test_light_rail_scores_lower_than_under_the_ruleset_without_mitigation_rules() -> None:
    data = ruleset_data()
    stripped = {**data, "rules": [r for r in data["rules"] if r["factor"] != "mitigation"]}
    ruleset = validate_ruleset(stripped)
    compiled = compile_ruleset(ruleset)
    unmitigated = score(compiled, ruleset, compiled.evaluate(LIGHT_RAIL))
    result, _ = run(LIGHT_RAIL)
    assert result.score < unmitigated.score
    assert result.tier is unmitigated.tier is Tier.high


def test_light_rail_signing_date_before_listing_earns_full_credit_and_after_it_adds_points() -> None:
    before, before_fired = run({**LIGHT_RAIL, "counterparty.listed_at_signing": False})
    claimed, _ = run(LIGHT_RAIL)
    after, after_fired = run({**LIGHT_RAIL, "counterparty.listed_at_signing": True})
    assert "mitigation.signed_before_listing" in ids(before_fired)
    assert "mitigation.claimed_signed_before_listing" not in ids(before_fired)
    assert {"blacklist.listed_at_signing"} <= ids(after_fired)
    assert not {"mitigation.signed_before_listing", "mitigation.claimed_signed_before_listing"} & ids(after_fired)
    assert before.score < claimed.score < after.score


def test_haifa_port_is_high_on_points_with_no_listing() -> None:
    result, fired = run(HAIFA_PORT)
    assert {
        "sector.critical_infrastructure_control",
        "foreign_control.state_controlled",
        "foreign_control.government_controlled_transaction",
        "us_relations.public_concern",
        "sector.near_sensitive_site",
        "us_relations.near_us_military",
    } <= ids(fired)
    assert not any(rule.factor == "blacklist" for rule in fired)
    assert 60 <= result.score <= 79
    assert result.tier is Tier.high and result.recommendation is Recommendation.escalate


def test_chinese_evs_after_byd_listing_are_high_or_critical() -> None:
    result, fired = run(CHINESE_EVS)
    assert {
        "data_technology.data_access_by_country_of_concern",
        "us_relations.us_bars_connected_vehicles",
        "blacklist.dod_1260h",
    } <= ids(fired)
    assert result.tier in (Tier.high, Tier.critical)


def test_chinese_evs_before_byd_listing_are_not_high() -> None:
    result, fired = run(CHINESE_EVS_2025)
    assert {"data_technology.data_access_by_country_of_concern", "us_relations.us_bars_connected_vehicles"} <= ids(
        fired
    )
    assert "blacklist.dod_1260h" not in ids(fired)
    assert result.tier in (Tier.moderate, Tier.elevated)
    later, _ = run(CHINESE_EVS)
    assert later.score > result.score


# The scores and fired rules documented in docs/default-ruleset.md.
DOCUMENTED = [
    (
        LIGHT_RAIL,
        51,
        Tier.high,
        {
            "blacklist.dod_1260h",
            "sector.sensitivity_high",
            "sector.host_security_objection",
            "us_relations.private_concern",
            "us_relations.us_restricts_at_home",
            "foreign_control.state_controlled",
            "foreign_control.country_of_concern",
            "mitigation.claimed_signed_before_listing",
            "mitigation.allied_subsidiary_supply",
            "mitigation.private_buyer",
        },
    ),
    (
        HAIFA_PORT,
        71,
        Tier.high,
        {
            "sector.sensitivity_core",
            "sector.critical_infrastructure_control",
            "sector.near_sensitive_site",
            "us_relations.public_concern",
            "us_relations.us_restricts_at_home",
            "us_relations.near_us_military",
            "foreign_control.state_controlled",
            "foreign_control.government_controlled_transaction",
            "foreign_control.control_acquired",
            "foreign_control.adversary_state_takes_core_asset",
            "foreign_control.country_of_concern",
            "data_technology.operator_watches_military_site",
        },
    ),
    (
        CHINESE_EVS,
        82,
        Tier.critical,
        {
            "blacklist.dod_1260h",
            "sector.sensitivity_high",
            "sector.near_sensitive_site",
            "sector.critical_technologies",
            "us_relations.us_bars_connected_vehicles",
            "foreign_control.state_controlled",
            "foreign_control.country_of_concern",
            "foreign_control.market_dominance",
            "data_technology.data_access_by_country_of_concern",
            "data_technology.remote_access_by_country_of_concern",
            "data_technology.sensitive_data_sector",
            "mitigation.host_security_restriction",
        },
    ),
]


@pytest.mark.parametrize(("facts", "expected_score", "expected_tier", "expected_rules"), DOCUMENTED)
def test_seed_deal_scores_match_the_documentation(
    facts: dict[str, Any], expected_score: int, expected_tier: Tier, expected_rules: set[str]
) -> None:
    result, fired = run(facts)
    assert (result.score, result.tier, ids(fired)) == (expected_score, expected_tier, expected_rules)


def test_chinese_evs_2025_score_matches_the_documentation() -> None:
    result, fired = run(CHINESE_EVS_2025)
    *_, later_rules = DOCUMENTED[2]
    assert (result.score, result.tier, ids(fired)) == (52, Tier.elevated, later_rules - {"blacklist.dod_1260h"})


# --- Other kinds of deal, as an analyst would expect them ---------------------------------------------------

CHINESE_SOE = {
    "counterparty.countries": {"CN"},
    "counterparty.country_groups": {"country_of_concern", "foreign_adversary"},
    "counterparty.state_controlled": True,
}


def test_sdn_listed_counterparty_is_critical_even_when_mitigated() -> None:
    result, fired = run(
        {
            **CHINESE_SOE,
            "deal.type": "supply",
            "sector.sensitivity": 2,
            "counterparty.lists": {"US-OFAC-SDN"},
            "counterparty.lists_direct": {"US-OFAC-SDN"},
            "mitigations": set(Mitigation),
        }
    )
    assert "blacklist.ofac_sdn" in ids(fired)
    assert result.tier is Tier.critical and result.recommendation is Recommendation.block


def test_subsidiary_owned_by_an_sdn_is_blocked_by_the_fifty_percent_rule() -> None:
    result, fired = run({"counterparty.lists": {"US-OFAC-SDN"}, "counterparty.lists_inherited": {"US-OFAC-SDN"}})
    assert "blacklist.ofac_sdn_fifty_percent" in ids(fired) and "blacklist.ofac_sdn" not in ids(fired)
    assert result.tier is Tier.critical


def test_affiliate_of_a_1260h_company_is_at_least_elevated() -> None:
    result, fired = run({"counterparty.lists": {"US-DOD-1260H"}, "counterparty.lists_inherited": {"US-DOD-1260H"}})
    assert "blacklist.dod_1260h_affiliate" in ids(fired) and "blacklist.dod_1260h" not in ids(fired)
    assert rank(result.tier) >= rank(Tier.elevated)


def test_huawei_style_network_supply_is_high() -> None:
    result, fired = run(
        {
            "deal.type": "supply",
            "deal.sector": "telecom",
            "sector.sensitivity": 5,
            "counterparty.country_groups": {"country_of_concern", "foreign_adversary"},
            "counterparty.roles": {"supplier"},
            "counterparty.lists": {"US-BIS-EL", "US-FCC-COVERED", "US-NDAA-889"},
            "counterparty.lists_direct": {"US-BIS-EL", "US-FCC-COVERED", "US-NDAA-889"},
            "us.domestic_restrictions": {"us.fcc_covered_list_2021", "us.ndaa_889_2019"},
            "deal.attributes.remote_access": True,
        }
    )
    assert "blacklist.ndaa_889" not in ids(fired)  # already counted through the FCC Covered List
    assert result.tier in (Tier.high, Tier.critical)


def test_official_us_objection_floors_at_high() -> None:
    result, _ = run({"sector.sensitivity": 1, "us.concern_level": "official_objection"})
    assert result.tier is Tier.high


def test_chinese_state_takeover_of_a_core_asset_is_escalated_without_any_listing() -> None:
    result, fired = run(
        {
            **CHINESE_SOE,
            "deal.type": "acquisition",
            "deal.sector": "semiconductors",
            "sector.sensitivity": 5,
            "sector.regimes": {"cfius.critical_technologies", "eu.art4.critical_technologies"},
            "deal.control": True,
            "deal.stake_pct": 75,
            "counterparty.roles": {"acquirer"},
            "deal.attributes.technology_transfer": True,
        }
    )
    assert {"foreign_control.adversary_state_takes_core_asset", "us_relations.technology_to_country_of_concern"} <= ids(
        fired
    )
    assert rank(result.tier) >= rank(Tier.high)


def test_allied_passive_minority_is_approved() -> None:
    result, fired = run(
        {
            "deal.type": "minority_investment",
            "deal.sector": "telecom",
            "sector.sensitivity": 5,
            "counterparty.countries": {"GB"},
            "counterparty.country_groups": {"excepted_foreign_state", "five_eyes", "nato"},
            "counterparty.state_controlled": False,
            "deal.control": False,
            "deal.stake_pct": 5,
        }
    )
    assert {"mitigation.passive_minority", "mitigation.allied_counterparty"} <= ids(fired)
    assert result.tier is Tier.low and result.recommendation is Recommendation.approve


def test_stake_bands_do_not_overlap() -> None:
    def stake_rules(stake: float, control: bool) -> set[str]:
        _, fired = run({"deal.stake_pct": stake, "deal.control": control})
        return ids(fired) & {
            "foreign_control.stake_25_or_more",
            "foreign_control.stake_10_to_25",
            "foreign_control.control_acquired",
            "mitigation.passive_minority",
        }

    assert stake_rules(5, False) == {"mitigation.passive_minority"}
    assert stake_rules(10, False) == {"foreign_control.stake_10_to_25"}
    assert stake_rules(24.99, False) == {"foreign_control.stake_10_to_25"}
    assert stake_rules(25, False) == {"foreign_control.stake_25_or_more"}
    assert stake_rules(60, True) == {"foreign_control.control_acquired"}


@pytest.mark.parametrize(
    ("code", "attribute", "rule_id"),
    [
        ("data_localisation", "deal.attributes.data_access", "mitigation.data_localisation"),
        ("no_remote_access", "deal.attributes.remote_access", "mitigation.no_remote_access"),
    ],
)
def test_targeted_mitigations_count_only_against_their_risk(code: str, attribute: str, rule_id: str) -> None:
    _, without_risk = run({"mitigations": {code}})
    _, with_risk = run({"mitigations": {code}, attribute: True})
    assert rule_id not in ids(without_risk)
    assert rule_id in ids(with_risk)


# --- Properties over random facts ----------------------------------------------------------------------------


def _mentioned_values() -> dict[str, list[Any]]:
    """Every value a rule compares each fact with, so random facts often make rules fire."""
    ruleset, _ = default()
    mentioned: dict[str, set[Any]] = {}
    for rule in ruleset.rules:
        for leaf in leaves(rule.when):
            values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
            mentioned.setdefault(leaf.fact, set()).update(v for v in values if not isinstance(v, bool))
    return {fact: sorted(values, key=repr) for fact, values in mentioned.items()}


def _fact_strategy(name: str, mentioned: list[Any]) -> st.SearchStrategy[Any]:
    spec = REGISTRY[name]
    words = list(spec.choices) if spec.choices else [*mentioned, "other", "XX"]
    if spec.type is FactType.boolean:
        return st.booleans()
    if spec.type is FactType.integer:
        return st.sampled_from([*mentioned, 0]) | st.integers(min_value=-1, max_value=10**10)
    if spec.type is FactType.number:
        return st.sampled_from([*mentioned, 0]) | st.floats(min_value=0, max_value=100, allow_nan=False)
    if spec.type is FactType.date:
        return st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
    if spec.type is FactType.string:
        return st.sampled_from(words)
    return st.frozensets(st.sampled_from(words), max_size=4) | st.sets(st.sampled_from(words), max_size=4)


def _facts_strategy() -> st.SearchStrategy[dict[str, Any]]:
    mentioned = _mentioned_values()
    optional = {name: _fact_strategy(name, mentioned.get(name, [])) | st.none() for name in REGISTRY}
    return st.fixed_dictionaries({}, optional=optional)


FACTS = st.deferred(_facts_strategy)  # built on first use, so a broken ruleset fails a test, not collection
MITIGATION_CODES = st.sampled_from([m.value for m in Mitigation])


@settings(max_examples=200, deadline=None)
@given(FACTS)
def test_score_in_range_and_floors_hold(facts: dict[str, Any]) -> None:
    result, fired = run(facts)
    assert 0 <= result.score <= 100
    for rule in fired:
        if rule.min_tier is not None:
            assert rank(result.tier) >= rank(rule.min_tier), rule.rule_id
    ruleset, _ = default()
    assert result.recommendation is ruleset.recommendations[result.tier]


@settings(max_examples=200, deadline=None)
@given(FACTS, st.lists(MITIGATION_CODES, min_size=1, max_size=3))
def test_adding_a_mitigation_never_raises_score_or_tier(facts: dict[str, Any], codes: list[str]) -> None:
    before, _ = run(facts)
    current = facts.get("mitigations") or set()
    after, _ = run({**facts, "mitigations": set(current) | set(codes)})
    assert after.score <= before.score
    assert rank(after.tier) <= rank(before.tier)


@settings(max_examples=150, deadline=None)
@given(FACTS)
def test_evaluation_is_deterministic_and_ignores_key_order(facts: dict[str, Any]) -> None:
    first = run(facts)
    assert run(facts) == first
    assert run(dict(reversed(list(facts.items())))) == first


@settings(max_examples=150, deadline=None)
@given(FACTS)
def test_generated_evaluator_agrees_with_the_closure_tree(facts: dict[str, Any]) -> None:
    """The fast generated function and the leaf-by-leaf closures must fire the same rules with equal evidence."""
    _, compiled = default()
    assert compiled.evaluate(facts) == compiled._evaluate_leafwise(facts)


def test_wrongly_typed_fact_falls_back_and_only_falsifies_its_own_leaves() -> None:
    _, compiled = default()
    listed = frozenset({"US-DOD-1260H"})
    facts = {"deal.control": True, "sector.sensitivity": "five", "counterparty.lists_direct": listed}
    fired = {r.rule_id for r in compiled.evaluate(facts)}
    assert {"foreign_control.control_acquired", "blacklist.dod_1260h"} <= fired
    assert not any(rule_id.startswith("sector.sensitivity") for rule_id in fired)
