"""Compile a ruleset once, and evaluate it against a facts mapping, recording evidence for the rules that fire.

Two evaluators are built from each ruleset. The fast one is a single Python function written for the ruleset
(see `_generate`): every leaf is an inline expression, each fact is read once, and evidence is built only for
rules that fired, so a deal costs one call instead of a closure call per node. That is what lets one core
evaluate the default ruleset on tens of thousands of deals per second (benchmarks/bench_rules.py). The other is
a tree of closures whose leaves each catch a wrongly typed fact; the fast function assumes well-typed facts and
hands a deal over to the closures when a comparison raises, so both always give the same answer.
"""

import hashlib
import json
import operator
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import partial
from typing import Any

from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, Leaf, Node, Not, Op, Rule, Ruleset
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
    """A leaf that held, with the fact value it saw: the explanation of a fired rule.

    Read-only, `actual` and `value` included: the evaluator hands the same instance to every deal whose fact had
    the same value.
    """

    fact: str
    op: str
    value: object
    actual: object


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule whose `when` held for a deal, with the evidence for it.

    Read-only, `evidence` included: the evaluator hands the same instance to every deal with the same evidence.
    """

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
    """A ruleset compiled for evaluating many deals quickly; `source` is the generated evaluator, for reading."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._rules = tuple(
            _CompiledRule(r.id, r.factor.value, r.title, r.points, r.min_tier, r.citation, _compile_node(r.when))
            for r in ruleset.rules
        )
        self.source, self._fast = _generate(ruleset.rules)

    def evaluate(self, facts: Facts) -> list[FiredRule]:
        """Return the rules that fire for these facts, in ruleset order, each with its evidence."""
        try:
            return self._fast(facts)
        except TypeError:
            # A fact of an unexpected type (a string where a number is compared, ...) raised inside the generated
            # function. Evaluate the deal again leaf by leaf, so the bad fact only falsifies the leaves that read
            # it: the documented outcome, and the same one the fast path gives for well-typed facts.
            return self._evaluate_leafwise(facts)

    def _evaluate_leafwise(self, facts: Facts) -> list[FiredRule]:
        """The closure-tree evaluator: slower, but each leaf catches its own type errors."""
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


def cached(digest: str) -> CompiledRuleset | None:
    """The compiled form of content with this digest, if it was compiled recently."""
    hit = _cache.get(digest)
    if hit is not None:
        _cache.move_to_end(digest)
    return hit


def compiled_for(ruleset_data: dict[str, Any], digest: str | None = None) -> CompiledRuleset:
    """Validate and compile a ruleset, reusing the compiled form for content seen recently. `digest` is the
    content's ruleset_digest when the caller already knows it (a stored version keeps it beside its body)."""
    digest = digest or ruleset_digest(ruleset_data)
    hit = cached(digest)
    if hit is not None:
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
    if op is Op.exists:
        # Before any coercion: `exists` takes a boolean even on a date fact.
        want = bool(leaf.value)
        return lambda f: (f.get(name) is not None) is want
    spec = REGISTRY.get(name)
    is_date = spec is not None and spec.type is FactType.date
    value = _coerce(leaf.value, is_date)
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
    """Record one leaf with the value it saw."""
    return _leaf_evidence_of(leaf.fact, prefix + leaf.op.value, leaf.value, facts.get(leaf.fact))


def _leaf_evidence_of(fact: str, op: str, value: object, actual: object) -> Evidence:
    """The Evidence of a leaf; a set is sorted so snapshots are reproducible."""
    if isinstance(actual, set | frozenset):
        actual = sorted(actual, key=str)
    return Evidence(fact, op, value, actual)


# The generated evaluator. Its source only ever holds names this module chose (a0, k3, ev_2, ...) and
# operator keywords: every rule value, fact name and rule field is bound through the namespace, so no text from
# a ruleset is ever parsed as code. `CompiledRuleset.source` keeps the source for reading and debugging.

_INFIX: dict[Op, str] = {Op.eq: "==", Op.ne: "!=", Op.lt: "<", Op.lte: "<=", Op.gt: ">", Op.gte: ">="}
# Distinct fact values whose Evidence one leaf keeps for reuse; enough for every boolean, vocabulary value and
# common list combination, while a leaf on a money amount stops growing after this many.
_INTERNED_PER_LEAF = 256
# The same bound for the FiredRules one rule keeps for reuse (one per distinct evidence it produced).
_REUSED_PER_RULE = 256
# Value types for which equal means identical when shown, so reusing the Evidence of an equal earlier value
# cannot change what a snapshot records (floats are left out for 0.0 == -0.0, and are rarely repeated anyway).
_INTERNABLE: frozenset[type] = frozenset({bool, int, str, date, frozenset, type(None)})


def _as_date(actual: object) -> object:
    """A date fact given as an ISO string, parsed; None (so the leaf fails) when it is not a date."""
    if isinstance(actual, str):
        try:
            return date.fromisoformat(actual)
        except ValueError:
            return None
    return actual


def _interning(fact: str, op: str, value: object) -> Callable[[object], Evidence]:
    """The Evidence of one leaf for a fact value, reused for values seen before.

    Building a frozen dataclass and sorting a set cost far more than testing the rule, and the same leaf sees the
    same few values (True, "CN", {"US-DOD-1260H"}) over and over. Evidence is immutable, so one instance can be
    handed to many results; the cache is keyed by type too, so True and 1 stay apart. Racing threads can at worst
    build the same Evidence twice or overshoot the bound by a few entries.
    """
    cache: dict[object, Evidence] = {}

    def evidence(actual: object) -> Evidence:
        kind = actual.__class__
        if kind not in _INTERNABLE:
            return _leaf_evidence_of(fact, op, value, actual)
        key = (kind, actual)
        made = cache.get(key)
        if made is None:
            made = _leaf_evidence_of(fact, op, value, actual)
            if len(cache) < _INTERNED_PER_LEAF:
                cache[key] = made
        return made

    return evidence


def _fired_setters() -> dict[str, Callable[[FiredRule, object], None]]:
    """FiredRule's slot setters, field by field.

    A frozen dataclass's __init__ assigns each field through object.__setattr__, which makes FiredRule() cost
    about as much as evaluating a dozen leaves; setting the slots directly halves that. The generator needs a
    value for every field, so a field added to FiredRule fails compilation rather than being left unset.
    """
    return {f.name: getattr(FiredRule, f.name).__set__ for f in fields(FiredRule)}


class _Generator:
    """Writes the evaluation function of one ruleset: read each fact once, test every rule inline, and build
    the evidence of a rule only when it fired."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"as_date": _as_date, "new": object.__new__, "FiredRule": FiredRule}
        self.setters: dict[str, str] = {}
        for name, setter in _fired_setters().items():
            self.setters[name] = f"set_{name}"
            self.namespace[f"set_{name}"] = setter
        self.reads: dict[str, str] = {}  # fact name -> local holding its raw value
        self.dates: dict[str, str] = {}  # date fact name -> local holding it parsed
        self.exprs: dict[int, str] = {}  # id(node) -> its boolean expression, so shared subtrees reuse constants

    def const(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def read(self, fact: str) -> str:
        if fact not in self.reads:
            self.reads[fact] = f"a{len(self.reads)}"
        return self.reads[fact]

    def read_date(self, fact: str) -> str:
        if fact not in self.dates:
            self.read(fact)
            self.dates[fact] = f"d{len(self.dates)}"
        return self.dates[fact]

    def expr(self, node: Node) -> str:
        """A Python expression that is true when the node holds; a missing fact makes a leaf false."""
        key = id(node)
        if key not in self.exprs:
            if isinstance(node, All):
                text = "(" + " and ".join(self.expr(c) for c in node.all) + ")"
            elif isinstance(node, AnyOf):
                text = "(" + " or ".join(self.expr(c) for c in node.any) + ")"
            elif isinstance(node, Not):
                text = f"(not {self.expr(node.not_)})"
            else:
                text = self.leaf(node)
            self.exprs[key] = text
        return self.exprs[key]

    def leaf(self, leaf: Leaf) -> str:
        """One leaf inline; the same meaning as `_compile_leaf`, for facts of the declared type."""
        op = leaf.op
        if op is Op.exists:
            return f"({self.read(leaf.fact)} is {'not ' if leaf.value else ''}None)"
        spec = REGISTRY.get(leaf.fact)
        is_date = spec is not None and spec.type is FactType.date
        a = self.read_date(leaf.fact) if is_date else self.read(leaf.fact)
        value = _coerce(leaf.value, is_date)
        if op in _INFIX:
            test = f"{a} {_INFIX[op]} {self.const('k', value)}"
        elif op is Op.in_:
            test = f"{a} in {self.const('k', frozenset(value))}"
        elif op is Op.not_in:
            test = f"{a} not in {self.const('k', frozenset(value))}"
        elif op is Op.contains:
            test = f"{self.const('k', value)} in {a}"
        elif op is Op.contains_any:
            test = f"not {self.const('k', frozenset(value))}.isdisjoint({a})"
        elif op is Op.contains_all:
            test = f"{self.const('k', frozenset(value))}.issubset({a})"
        else:
            lo, hi = value
            test = f"{self.const('k', lo)} <= {a} <= {self.const('k', hi)}"
        return f"({a} is not None and {test})"

    def evidence(self, node: Node, negated: bool, guards: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
        """The Evidence expressions `_evidence` / `_negative_evidence` would record, in the same order, each with
        the conditions (on sibling branches of an `any`, or of a failing `all`) under which it is recorded."""
        if isinstance(node, Not):
            return self.evidence(node.not_, not negated, guards)
        if isinstance(node, All | AnyOf):
            children = node.all if isinstance(node, All) else node.any
            # A holding `all` and a failing `any` owe their outcome to every child; a holding `any` and a failing
            # `all` only to the children that went the same way as the node.
            if isinstance(node, All) != negated:
                return [item for c in children for item in self.evidence(c, negated, guards)]
            out: list[tuple[tuple[str, ...], str]] = []
            for c in children:
                went = f"(not {self.expr(c)})" if negated else self.expr(c)
                out.extend(self.evidence(c, negated, (*guards, went)))
            return out
        op = ("not " if negated else "") + node.op.value
        maker = self.const("ev_", _interning(node.fact, op, node.value))
        return [(guards, f"{maker}({self.read(node.fact)})")]

    def rule(self, index: int, rule: Rule) -> list[str]:
        """The lines testing one rule and, when it holds, appending its FiredRule.

        A FiredRule is reused for a deal whose evidence is the same Evidence instances as an earlier deal's, which
        is the common case once evidence is interned. The key is the instances' ids: the cached FiredRule holds
        those instances, so while it is cached no other object can have their ids.
        """
        lines = [f"    if {self.expr(rule.when)}:  # rules[{index}]"]
        items = self.evidence(rule.when, False, ())
        if all(not guards for guards, _ in items):
            names = [f"e{i}" for i in range(len(items))]
            lines += [f"        {name} = {item}" for name, (_, item) in zip(names, items, strict=True)]
            key = "(" + ", ".join(f"id({name})" for name in names) + ("," if len(names) == 1 else "") + ")"
            evidence = "[" + ", ".join(names) + "]"
        else:
            lines.append("        evidence = []")
            for guards, item in items:
                condition = f"if {' and '.join(guards)}: " if guards else ""
                lines.append(f"        {condition}evidence.append({item})")
            key = "tuple(map(id, evidence))"
            evidence = "evidence"
        seen = self.const("seen_", {})
        lines += [
            f"        key = {key}",
            f"        fired_rule = {seen}.get(key)",
            "        if fired_rule is None:",
            "            fired_rule = new(FiredRule)",
        ]
        values = {
            "rule_id": rule.id,
            "factor": rule.factor.value,
            "title": rule.title,
            "points": rule.points,
            "min_tier": rule.min_tier,
            "citation": rule.citation,
        }
        for name, setter in self.setters.items():
            source = evidence if name == "evidence" else self.const("r", values.pop(name))
            lines.append(f"            {setter}(fired_rule, {source})")
        if values:
            raise TypeError(f"FiredRule has no fields {sorted(values)}")
        lines += [
            f"            if len({seen}) < {_REUSED_PER_RULE}:",
            f"                {seen}[key] = fired_rule",
            "        fired.append(fired_rule)",
        ]
        return lines


def _generate(rules: Sequence[Rule]) -> tuple[str, Callable[[Facts], list[FiredRule]]]:
    """Source and function evaluating every rule on one facts mapping, in ruleset order."""
    gen = _Generator()
    body = [line for index, rule in enumerate(rules) for line in gen.rule(index, rule)]
    head = ["def evaluate(facts):", "    get = facts.get"]
    for fact, local in gen.reads.items():
        head.append(f"    {local} = get({gen.const('n', fact)})")
    for fact, local in gen.dates.items():
        head.append(f"    {local} = as_date({gen.reads[fact]})")
    source = "\n".join([*head, "    fired = []", *body, "    return fired", ""])
    exec(compile(source, "<compiled ruleset>", "exec"), gen.namespace)
    return source, gen.namespace["evaluate"]
