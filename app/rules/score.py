"""Turn fired rules into factor totals, a 0-100 score, a tier and a recommendation."""

from dataclasses import dataclass

from app.rules.compile import CompiledRuleset, FiredRule
from app.rules.model import Ruleset
from app.vocabulary import TIER_ORDER, Recommendation, Tier


@dataclass(frozen=True, slots=True)
class FactorTotal:
    """A factor's clamped total and its cap."""

    factor: str
    points: int
    cap: int


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The outcome of scoring one deal."""

    score: int
    tier: Tier
    recommendation: Recommendation
    factors: list[FactorTotal]


def score(compiled: CompiledRuleset, ruleset: Ruleset, fired: list[FiredRule]) -> ScoreResult:
    """Clamp each factor to its cap, clamp the sum to 0..100, pick the tier, then apply rule floors."""
    del compiled  # kept in the signature so callers can pass precompiled state later without churn
    raw: dict[str, int] = {name.value: 0 for name in ruleset.factors}
    for rule in fired:
        raw[rule.factor] = raw.get(rule.factor, 0) + rule.points
    totals: list[FactorTotal] = []
    for name, factor in ruleset.factors.items():
        cap = factor.cap
        totals.append(FactorTotal(name.value, max(-cap, min(cap, raw[name.value])), cap))
    total = max(0, min(100, sum(t.points for t in totals)))
    tier = TIER_ORDER[0]
    for threshold in sorted(ruleset.tiers, key=lambda t: t.min_score):
        if total >= threshold.min_score:
            tier = threshold.name
    # Floors come after mitigations are summed, so no mitigation can pull a deal below them.
    for rule in fired:
        if rule.min_tier is not None and TIER_ORDER.index(rule.min_tier) > TIER_ORDER.index(tier):
            tier = rule.min_tier
    return ScoreResult(total, tier, ruleset.recommendations[tier], totals)
