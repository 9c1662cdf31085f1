"""Rules: evaluate the default ruleset on precomputed facts, with the evidence of fired rules, and score it.

Target: at least 50,000 deals per second on one core, compiled once, evidence collected only for
the rules that fire; we aim for 100,000. The baseline is the obvious tree-walking interpreter over the
pydantic `when` models below, run in the same process on the same deals: the ratio between the two is the
figure that survives a change of machine. Both must fire the same rules with the same evidence on every
deal, so a speed-up that changes an answer fails the benchmark instead of improving it.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from app.rules.compile import CompiledRuleset, Evidence, FiredRule, compile_ruleset, ruleset_digest
from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, Leaf, Node, Not, Op, Rule, Ruleset
from app.rules.score import score
from app.rules.validate import validate_ruleset
from benchmarks import deal_facts
from benchmarks.harness import Result, Settings, measure_rates

RULESET = Path(__file__).resolve().parent.parent / "seeds" / "rulesets" / "default.yaml"
DEALS = 10_000
TARGET = 50_000.0
AIM = 100_000.0

Facts = Mapping[str, object]


def run(settings: Settings) -> list[Result]:
    """Measure compiled evaluation (and evaluation plus scoring) against the interpreter, after checking both agree."""
    digest, ruleset = load_ruleset(RULESET)
    compiled = compile_ruleset(ruleset)
    rules = tuple(ruleset.rules)
    deals = deal_facts.generate(max(100, round(DEALS * settings.scale)))

    fired_per_deal = [compiled.evaluate(facts) for facts in deals]
    check_agreement(rules, deals, fired_per_deal)
    stats = workload_stats(compiled, ruleset, deals, fired_per_deal)

    evaluate = compiled.evaluate

    def compiled_only() -> int:
        for facts in deals:
            evaluate(facts)
        return len(deals)

    def compiled_scored() -> int:
        for facts in deals:
            score(compiled, ruleset, evaluate(facts))
        return len(deals)

    def interpreted_only() -> int:
        for facts in deals:
            interpret(rules, facts)
        return len(deals)

    def interpreted_scored() -> int:
        for facts in deals:
            score(compiled, ruleset, interpret(rules, facts))
        return len(deals)

    jobs: dict[str, Callable[[], int]] = {
        "compiled": compiled_only,
        "interpreted": interpreted_only,
        "compiled+score": compiled_scored,
        "interpreted+score": interpreted_scored,
    }
    rates = measure_rates(jobs, settings.repeat)
    common = {
        "ruleset": str(RULESET.relative_to(RULESET.parents[2])),
        "ruleset_digest": digest,
        "rules": len(rules),
        "deals": len(deals),
        "aim": AIM,
        **stats,
    }
    notes = [
        f"{len(rules)} rules, {len(deals):,} deals; mean fired rules per deal {stats['mean_fired_rules']:.2f}, "
        f"mean evidence leaves {stats['mean_evidence_leaves']:.2f}; {stats['share_listed']:.1%} of deals listed",
        f"tiers: {', '.join(f'{k} {v:.1%}' for k, v in stats['tier_shares'].items())}",
        f"median of {settings.repeat} runs; best compiled {rates['compiled'].best:,.0f}/s "
        f"(aim {AIM:,.0f}/s); compiled and interpreted agree on every deal",
    ]
    if stats["rules_never_fired"]:
        notes.append(f"rules that never fired: {', '.join(stats['rules_never_fired'])}")
    return [
        Result(
            benchmark="rules.evaluate (with evidence)",
            figure=rates["compiled"].median,
            unit="deals/s",
            baseline=rates["interpreted"].median,
            baseline_label="interpreted",
            ratio=rates["compiled"].ratio_to(rates["interpreted"]),
            target=TARGET,
            details={
                **common,
                "compiled": rates["compiled"].as_json(),
                "interpreted": rates["interpreted"].as_json(),
                "notes": notes,
            },
        ),
        Result(
            benchmark="rules.evaluate + score",
            figure=rates["compiled+score"].median,
            unit="deals/s",
            baseline=rates["interpreted+score"].median,
            baseline_label="interpreted",
            ratio=rates["compiled+score"].ratio_to(rates["interpreted+score"]),
            details={
                "compiled": rates["compiled+score"].as_json(),
                "interpreted": rates["interpreted+score"].as_json(),
            },
        ),
    ]


def load_ruleset(path: Path) -> tuple[str, Ruleset]:
    """The ruleset as the service loads it (YAML, then validation, which raises on any problem), with its digest."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return ruleset_digest(data), validate_ruleset(data)


def check_agreement(rules: Sequence[Rule], deals: Sequence[Facts], compiled: Sequence[list[FiredRule]]) -> None:
    """Fail loudly unless the interpreter fires the same rules, with the same evidence, on every deal."""
    for index, (facts, fired) in enumerate(zip(deals, compiled, strict=True)):
        expected = interpret(rules, facts)
        if [f.rule_id for f in fired] != [f.rule_id for f in expected]:
            raise AssertionError(
                f"deal {index}: compiled fired {[f.rule_id for f in fired]}, "
                f"interpreted fired {[f.rule_id for f in expected]}"
            )
        if fired != expected:
            raise AssertionError(f"deal {index}: same rules but different evidence:\n{fired}\n{expected}")


def workload_stats(
    compiled: CompiledRuleset, ruleset: Ruleset, deals: Sequence[Facts], fired_per_deal: Sequence[list[FiredRule]]
) -> dict[str, Any]:
    """How realistic the workload is: how many rules fire, how often each does, and the tiers that result."""
    fired_counts = Counter(f.rule_id for fired in fired_per_deal for f in fired)
    tiers = Counter(score(compiled, ruleset, fired).tier.value for fired in fired_per_deal)
    n = len(deals)
    return {
        "mean_fired_rules": sum(len(f) for f in fired_per_deal) / n,
        "max_fired_rules": max(len(f) for f in fired_per_deal),
        "share_no_rule_fired": sum(not f for f in fired_per_deal) / n,
        "mean_evidence_leaves": sum(len(r.evidence) for f in fired_per_deal for r in f) / n,
        "share_listed": sum(bool(d.get("counterparty.lists")) for d in deals) / n,
        "tier_shares": {t: tiers[t] / n for t in ("low", "moderate", "elevated", "high", "critical") if tiers[t]},
        "fire_rate_by_rule": {r.id: round(fired_counts[r.id] / n, 4) for r in ruleset.rules},
        "rules_never_fired": [r.id for r in ruleset.rules if not fired_counts[r.id]],
    }


# The baseline: walk the pydantic tree for every deal, as one would write it without a compiler.


def interpret(rules: Sequence[Rule], facts: Facts) -> list[FiredRule]:
    """The rules that hold for these facts, with the same evidence the compiled evaluator records."""
    return [
        FiredRule(r.id, r.factor.value, r.title, r.points, r.min_tier, r.citation, _evidence(r.when, facts, False))
        for r in rules
        if _holds(r.when, facts)
    ]


def _holds(node: Node, facts: Facts) -> bool:
    if isinstance(node, All):
        return all(_holds(child, facts) for child in node.all)
    if isinstance(node, AnyOf):
        return any(_holds(child, facts) for child in node.any)
    if isinstance(node, Not):
        return not _holds(node.not_, facts)
    return _leaf_holds(node, facts)


def _leaf_holds(leaf: Leaf, facts: Facts) -> bool:
    actual = facts.get(leaf.fact)
    if leaf.op is Op.exists:
        return (actual is not None) == bool(leaf.value)
    if actual is None:
        return False
    value = leaf.value
    if REGISTRY[leaf.fact].type is FactType.date:
        value = [date.fromisoformat(v) for v in value] if isinstance(value, list) else date.fromisoformat(value)
        if isinstance(actual, str):
            try:
                actual = date.fromisoformat(actual)
            except ValueError:
                return False
    try:
        return bool(_apply(leaf.op, actual, value))
    except TypeError:
        return False


def _apply(op: Op, actual: Any, value: Any) -> object:
    if op is Op.eq:
        return actual == value
    if op is Op.ne:
        return actual != value
    if op is Op.lt:
        return actual < value
    if op is Op.lte:
        return actual <= value
    if op is Op.gt:
        return actual > value
    if op is Op.gte:
        return actual >= value
    if op is Op.in_:  # set membership, as the language means it (an unhashable fact is a type error)
        return actual in frozenset(value)
    if op is Op.not_in:
        return actual not in frozenset(value)
    if op is Op.contains:
        return value in actual
    if op is Op.contains_any:
        return any(v in actual for v in value)
    if op is Op.contains_all:
        return all(v in actual for v in value)
    if op is Op.between:
        return value[0] <= actual <= value[1]
    raise ValueError(f"unknown operator {op!r}")


def _evidence(node: Node, facts: Facts, negated: bool) -> list[Evidence]:
    """The leaves that made `node` hold (or, when negated, fail); a `not` flips which of the two is wanted."""
    if isinstance(node, Leaf):
        actual = facts.get(node.fact)
        if isinstance(actual, set | frozenset):
            actual = sorted(actual, key=str)
        return [Evidence(node.fact, ("not " if negated else "") + node.op.value, node.value, actual)]
    if isinstance(node, Not):
        return _evidence(node.not_, facts, not negated)
    children = node.all if isinstance(node, All) else node.any
    # A holding `all` and a failing `any` owe their outcome to every child; otherwise only to the children
    # that went the same way as the node.
    if isinstance(node, All) != negated:
        return [e for child in children for e in _evidence(child, facts, negated)]
    return [e for child in children if _holds(child, facts) != negated for e in _evidence(child, facts, negated)]
