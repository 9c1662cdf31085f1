"""Turn fired rules into factor totals, a 0-100 score, a tier and a recommendation."""

from dataclasses import dataclass
from weakref import WeakKeyDictionary

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


@dataclass(frozen=True, slots=True)
class _Plan:
    """What scoring needs from a ruleset, worked out once per compiled ruleset rather than once per deal."""

    factors: tuple[tuple[str, int], ...]
    thresholds: tuple[tuple[int, Tier], ...]  # highest min_score first
    rank: dict[Tier, int]
    recommendations: dict[Tier, Recommendation]


_plans: "WeakKeyDictionary[CompiledRuleset, _Plan]" = WeakKeyDictionary()


def _plan(compiled: CompiledRuleset, ruleset: Ruleset) -> _Plan:
    plan = _plans.get(compiled)
    if plan is None or compiled.ruleset is not ruleset:
        plan = _Plan(
            factors=tuple((name.value, factor.cap) for name, factor in ruleset.factors.items()),
            thresholds=tuple(
                (t.min_score, t.name) for t in sorted(ruleset.tiers, key=lambda t: t.min_score, reverse=True)
            ),
            rank={tier: i for i, tier in enumerate(TIER_ORDER)},
            recommendations=dict(ruleset.recommendations),
        )
        if compiled.ruleset is ruleset:
            _plans[compiled] = plan
    return plan


def score(compiled: CompiledRuleset, ruleset: Ruleset, fired: list[FiredRule]) -> ScoreResult:
    """Clamp each factor to its cap, clamp the sum to 0..100, pick the tier, then apply rule floors."""
    plan = _plan(compiled, ruleset)
    raw: dict[str, int] = {}
    for rule in fired:
        raw[rule.factor] = raw.get(rule.factor, 0) + rule.points
    totals: list[FactorTotal] = []
    total = 0
    for name, cap in plan.factors:
        points = raw.get(name, 0)
        points = cap if points > cap else -cap if points < -cap else points
        totals.append(FactorTotal(name, points, cap))
        total += points
    total = 0 if total < 0 else 100 if total > 100 else total
    tier = TIER_ORDER[0]
    for min_score, name in plan.thresholds:
        if total >= min_score:
            tier = name
            break
    # Floors come after mitigations are summed, so no mitigation can pull a deal below them.
    rank = plan.rank
    for rule in fired:
        if rule.min_tier is not None and rank[rule.min_tier] > rank[tier]:
            tier = rule.min_tier
    return ScoreResult(total, tier, plan.recommendations[tier], totals)
