"""Compile a ruleset's `when` trees into closures once, and evaluate them against a facts mapping."""

import hashlib
import json
import operator
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, Leaf, Node, Not, Op, Ruleset
from app.rules.validate import validate_ruleset
from app.vocabulary import Tier

Facts = Mapping[str, object]
Predicate = Callable[[Facts], bool]

_CACHE_SIZE = 16
_FLIPPED: dict[Op, Callable[[Any, Any], Any]] = {
    Op.eq: operator.eq,
    Op.ne: operator.ne,
    Op.lt: operator.gt,
    Op.lte: operator.ge,
    Op.gt: operator.lt,
    Op.gte: operator.le,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A leaf that held, with the fact value it saw: the explanation of a fired rule."""

    fact: str
    op: str
    value: object
    actual: object


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose `when` held for a deal, with the evidence for it."""

    rule_id: str
    factor: str
    title: str
    points: int
    min_tier: Tier | None
    citation: str
    evidence: list[Evidence]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A node with its fast predicate; children or leaf kept for the evidence walk."""

    kind: str
    test: Predicate
    children: tuple["_Compiled", ...] = ()
    leaf: Leaf | None = None


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    id: str
    factor: str
    title: str
    points: int
    min_tier: Tier | None
    citation: str
    root: _Compiled


class CompiledRuleset:
    """A ruleset whose rules are closures, ready to evaluate many deals quickly."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._rules = tuple(
            _CompiledRule(r.id, r.factor.value, r.title, r.points, r.min_tier, r.citation, _compile_node(r.when))
            for r in ruleset.rules
        )

    def evaluate(self, facts: Facts) -> list[FiredRule]:
        """Return the rules that fire for these facts, in ruleset order, each with its evidence."""
        fired: list[FiredRule] = []
        for rule in self._rules:
            # The boolean pass is cheap; evidence is gathered only for the few rules that fire.
            if rule.root.test(facts):
                fired.append(
                    FiredRule(
                        rule.id,
                        rule.factor,
                        rule.title,
                        rule.points,
                        rule.min_tier,
                        rule.citation,
                        _evidence(rule.root, facts),
                    )
                )
        return fired


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """Compile every rule of a validated ruleset."""
    return CompiledRuleset(ruleset)


def ruleset_digest(data: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a ruleset, so equal content gives an equal digest."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_cache: OrderedDict[str, CompiledRuleset] = OrderedDict()


def compiled_for(ruleset_data: dict[str, Any]) -> CompiledRuleset:
    """Validate and compile a ruleset, reusing the compiled form for content seen recently."""
    digest = ruleset_digest(ruleset_data)
    hit = _cache.get(digest)
    if hit is not None:
        _cache.move_to_end(digest)
        return hit
    compiled = compile_ruleset(validate_ruleset(ruleset_data))
    _cache[digest] = compiled
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return compiled


def _compile_node(node: Node) -> _Compiled:
    """Build the closure for one node of a `when` tree."""
    if isinstance(node, All):
        kids = tuple(_compile_node(c) for c in node.all)
        return _Compiled("all", _all_of(tuple(k.test for k in kids)), kids)
    if isinstance(node, AnyOf):
        kids = tuple(_compile_node(c) for c in node.any)
        return _Compiled("any", _any_of(tuple(k.test for k in kids)), kids)
    if isinstance(node, Not):
        kid = _compile_node(node.not_)
        inner = kid.test
        return _Compiled("not", lambda f: not inner(f), (kid,))
    return _Compiled("leaf", _compile_leaf(node), leaf=node)


def _all_of(tests: tuple[Predicate, ...]) -> Predicate:
    """Conjunction; small arities are unrolled because generator overhead dominates short trees."""
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda f: a(f) and b(f)
    return lambda f: all(t(f) for t in tests)


def _any_of(tests: tuple[Predicate, ...]) -> Predicate:
    """Disjunction, unrolled for small arities like _all_of."""
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda f: a(f) or b(f)
    return lambda f: any(t(f) for t in tests)


def _compile_leaf(leaf: Leaf) -> Predicate:
    """Build the closure for one leaf; a missing (or null) fact makes it false, except for `exists`."""
    name = leaf.fact
    op = leaf.op
    spec = REGISTRY.get(name)
    is_date = spec is not None and spec.type is FactType.date
    value = _coerce(leaf.value, is_date)
    if op is Op.exists:
        want = bool(value)
        return lambda f: (f.get(name) is not None) is want
    check = _check(op, value)

    if is_date:

        def test_date(facts: Facts) -> bool:
            actual = facts.get(name)
            if actual is None:
                return False
            try:
                return bool(check(date.fromisoformat(actual) if isinstance(actual, str) else actual))
            except (TypeError, ValueError):
                return False

        return test_date

    def test(facts: Facts) -> bool:
        actual = facts.get(name)
        if actual is None:
            return False
        try:
            return bool(check(actual))
        except TypeError:
            # A fact of an unexpected type cannot satisfy the rule; it must not crash scoring.
            return False

    return test


def _coerce(value: Any, is_date: bool) -> Any:
    """Turn ISO date strings into dates once at compile time."""
    if not is_date:
        return value
    if isinstance(value, list):
        return [date.fromisoformat(v) for v in value]
    return date.fromisoformat(value)


def _check(op: Op, value: Any) -> Callable[[Any], object]:
    """The comparison of one operator against a fixed value; C-level callables where possible, for speed."""
    if op in _FLIPPED:
        # partial binds the rule value first, so the operator is mirrored: actual < value == value > actual.
        return partial(_FLIPPED[op], value)
    if op is Op.in_:
        return frozenset(value).__contains__
    if op is Op.not_in:
        excluded = frozenset(value)
        return lambda actual: actual not in excluded
    if op is Op.contains:
        return lambda actual: value in actual
    if op is Op.contains_any:
        wanted = frozenset(value)
        return lambda actual: not wanted.isdisjoint(actual)
    if op is Op.contains_all:
        return frozenset(value).issubset
    lo, hi = value
    return lambda actual: lo <= actual <= hi


def _evidence(node: _Compiled, facts: Facts) -> list[Evidence]:
    """The leaves that made a holding node hold."""
    if node.kind == "leaf":
        assert node.leaf is not None
        return [_leaf_evidence(node.leaf, facts, "")]
    if node.kind == "all":
        return [e for c in node.children for e in _evidence(c, facts)]
    if node.kind == "any":
        return [e for c in node.children if c.test(facts) for e in _evidence(c, facts)]
    return _negative_evidence(node.children[0], facts)


def _negative_evidence(node: _Compiled, facts: Facts) -> list[Evidence]:
    """The leaves that made a failing node fail, each recorded with its op prefixed by "not "."""
    if node.kind == "leaf":
        assert node.leaf is not None
        return [_leaf_evidence(node.leaf, facts, "not ")]
    if node.kind == "all":
        return [e for c in node.children if not c.test(facts) for e in _negative_evidence(c, facts)]
    if node.kind == "any":
        return [e for c in node.children for e in _negative_evidence(c, facts)]
    return _evidence(node.children[0], facts)


def _leaf_evidence(leaf: Leaf, facts: Facts, prefix: str) -> Evidence:
    """Record one leaf with the value it saw; a set is sorted so snapshots are reproducible."""
    actual = facts.get(leaf.fact)
    if isinstance(actual, set | frozenset):
        actual = sorted(actual, key=str)
    return Evidence(leaf.fact, prefix + leaf.op.value, leaf.value, actual)
