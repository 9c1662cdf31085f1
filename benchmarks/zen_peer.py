"""The default ruleset as a zen-engine (GoRules) decision, the peer the rules benchmark is measured against.

`translate` turns a validated `Ruleset` (the object `app.rules` compiles) into a JDM decision graph: one
decision table with the "collect" hit policy and one row per rule, in ruleset order. A row's single input cell is
the rule's `when` tree written as a ZEN expression; its output cell is the rule's id. The table returns the id of
every row that held, so zen answers "which rules fire" as our evaluator does, but without evidence: it returns no
fact values. (One output column is zen's fastest form: each output cell is an expression evaluated for every row
that fires, and five columns cost about a quarter more per deal; one expression filtering the ids is no faster.)
`translate(..., score=True)` adds the factor, points, floor tier and the floor's rank to each row and appends an
expression node that does what `app.rules.score.score` does (factor totals clamped to their caps, the sum clamped
to 0-100, the tier from the thresholds, then raised to the highest floor, and the recommendation), so the scored
variant does the same work on both sides.

Facts go in as zen reads them: a dotted fact name is a path into nested objects (`counterparty.lists` is
`{"counterparty": {"lists": [...]}}`), a string set is a sorted list, a date an ISO string, and a fact that is
unknown is left out, as in our facts. Every leaf is guarded like ours (`x != null and ...`), because a missing
fact must make a leaf false, and zen makes `null != 5` true and raises on `null < 5` or `'a' in null`.

zen-engine is a bench-only extra (`pip install -e '.[bench]'`); nothing under app/ imports it.
"""

import argparse
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, Leaf, Node, Not, Op, Rule, Ruleset
from app.vocabulary import TIER_ORDER
from benchmarks.bench_rules import RULESET, load_ruleset

Facts = Mapping[str, object]

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "in"})
_TABLE = "rules"


class Untranslatable(ValueError):
    """A rule that cannot be written as a ZEN expression with the same meaning."""


def translate(ruleset: Ruleset, *, score: bool = False) -> dict[str, Any]:
    """The JDM graph (a JSON-ready dict) that fires the same rules as `ruleset`, and scores them when `score`."""
    _check_paths(leaf.fact for rule in ruleset.rules for leaf in _leaves(rule.when))
    rank = {tier.value: i for i, tier in enumerate(TIER_ORDER)}
    columns = ("id", "factor", "points", "min_tier", "floor") if score else ("id",)
    table = {
        "hitPolicy": "collect",
        "passThrough": False,
        "inputField": None,
        "outputPath": "fired",
        "executionMode": "single",
        # An input column without a field: each cell is a full expression, true when the rule holds.
        "inputs": [{"id": "when", "name": "when", "field": ""}],
        "outputs": [{"id": name, "name": name, "field": name} for name in columns],
        "rules": [_row(index, rule, rank, columns) for index, rule in enumerate(ruleset.rules)],
    }
    steps = [node(_TABLE, "decisionTableNode", table)]
    if score:
        steps.append(node("score", "expressionNode", _score_content(ruleset)))
    return chain(steps)


def chain(steps: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A graph running `steps` one after the other, between a request (input) node and a response (output) node."""
    nodes = [node("request", "inputNode"), *steps, node("response", "outputNode")]
    edges = [
        {"id": f"edge{i}", "type": "edge", "sourceId": a["id"], "targetId": b["id"]}
        for i, (a, b) in enumerate(pairwise(nodes))
    ]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def node(name: str, kind: str, content: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One JDM node; the name doubles as its id (positions only matter to the visual editor)."""
    made: dict[str, Any] = {"id": name, "name": name, "type": kind, "position": {"x": 0, "y": 0}}
    if content is not None:
        made["content"] = content
    return made


def _row(index: int, rule: Rule, rank: Mapping[str, int], columns: Sequence[str]) -> dict[str, str]:
    """One table row: the rule's condition, then the output cells asked for."""
    outputs = {
        "id": _literal(rule.id),
        "factor": _literal(rule.factor.value),
        "points": _literal(rule.points),
        "min_tier": _literal(rule.min_tier.value if rule.min_tier else None),
        # The floor's rank in the tier ladder, -1 for none, so the score node needs no lookup per row.
        "floor": _literal(rank[rule.min_tier.value] if rule.min_tier else -1),
    }
    return {
        "_id": f"row{index}",
        "_description": rule.id,
        "when": expression(rule.when),
        **{name: outputs[name] for name in columns},
    }


def expression(node: Node) -> str:
    """A ZEN expression that is true exactly when `node` holds for facts in `zen_input` form."""
    if isinstance(node, All):
        return "(" + " and ".join(expression(c) for c in node.all) + ")"
    if isinstance(node, AnyOf):
        return "(" + " or ".join(expression(c) for c in node.any) + ")"
    if isinstance(node, Not):
        return f"(not {expression(node.not_)})"
    return _leaf(node)


def _leaf(leaf: Leaf) -> str:
    """One leaf; a missing fact makes it false (except `exists`), as in app/rules/compile.py."""
    path = leaf.fact
    if leaf.op is Op.exists:
        return f"({path} {'!=' if leaf.value else '=='} null)"
    spec = REGISTRY[leaf.fact]
    is_date = spec.type is FactType.date
    actual = f"date({path})" if is_date else path
    op, value = leaf.op, leaf.value
    if op in _INFIX:
        test = f"{actual} {_INFIX[op]} {_value(value, is_date)}"
    elif op is Op.between:
        lo, hi = value
        test = f"{actual} >= {_value(lo, is_date)} and {actual} <= {_value(hi, is_date)}"
    elif is_date:
        raise Untranslatable(f"{op.value} on the date fact {path}")
    elif op is Op.in_:
        test = f"{actual} in {_array(value)}"
    elif op is Op.not_in:
        test = f"not ({actual} in {_array(value)})"
    elif op is Op.contains:
        test = f"{_literal(value)} in {actual}"
    elif op is Op.contains_any:
        # Iterate the fact (a deal has a few list codes or groups) and test membership in the rule's values.
        test = f"some({actual}, # in {_array(value)})"
    elif op is Op.contains_all:
        test = f"all({_array(value)}, # in {actual})"
    else:
        raise Untranslatable(f"operator {op.value}")
    return f"({path} != null and {test})"


_INFIX: dict[Op, str] = {Op.eq: "==", Op.ne: "!=", Op.lt: "<", Op.lte: "<=", Op.gt: ">", Op.gte: ">="}


def _value(value: Any, is_date: bool) -> str:
    return f"date({_literal(value)})" if is_date else _literal(value)


def _array(values: Iterable[Any]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def _literal(value: Any) -> str:
    """A ZEN literal for a rule value. Strings with quotes or backslashes are refused rather than escaped: the
    validator already limits rule strings to one printable line, and none of the default ruleset has them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if any(c in value for c in "'\"\\`"):
            raise Untranslatable(f"string {value!r} needs escaping")
        return f"'{value}'"
    raise Untranslatable(f"value {value!r}")


def _check_paths(facts: Iterable[str]) -> None:
    """Dotted fact names become nested paths; refuse names zen would read otherwise, or that would collide."""
    names = set(facts)
    for name in names:
        for segment in name.split("."):
            if not _SEGMENT.match(segment) or segment in _KEYWORDS:
                raise Untranslatable(f"fact {name!r}: segment {segment!r} is not a ZEN identifier")
        for other in names:
            if other.startswith(name + "."):
                raise Untranslatable(f"fact {name!r} is also the parent of {other!r}")


def _score_content(ruleset: Ruleset) -> dict[str, Any]:
    """Expressions doing what app.rules.score.score does, over the `fired` array the table produced."""
    expressions: list[tuple[str, str]] = []
    factors = [(name.value, factor.cap) for name, factor in ruleset.factors.items()]
    for name, cap in factors:
        raw = f"sum(map(filter(fired, #.factor == '{name}'), #.points))"
        expressions.append((f"factors.{name}", f"max([min([{raw}, {cap}]), {-cap}])"))
    total = " + ".join(f"$.factors.{name}" for name, _ in factors) or "0"
    expressions.append(("score", f"max([min([{total}, 100]), 0])"))
    rank = {tier: i for i, tier in enumerate(TIER_ORDER)}
    by_score = "0"
    for threshold in sorted(ruleset.tiers, key=lambda t: t.min_score):
        by_score = f"($.score >= {threshold.min_score} ? {rank[threshold.name]} : {by_score})"
    # Floors come after the thresholds, so no mitigation can lower them (zen's max() refuses an empty array).
    floor = "(len(fired) > 0 ? max(map(fired, #.floor)) : -1)"
    expressions.append(("rank", f"max([{by_score}, {floor}])"))
    expressions.append(("tier", f"{_array(t.value for t in TIER_ORDER)}[$.rank]"))
    recommendations = _array(ruleset.recommendations[tier].value for tier in TIER_ORDER)
    expressions.append(("recommendation", f"{recommendations}[$.rank]"))
    return {
        "passThrough": True,
        "inputField": None,
        "outputPath": None,
        "executionMode": "single",
        "expressions": [{"id": f"x{i}", "key": key, "value": value} for i, (key, value) in enumerate(expressions)],
    }


def zen_input(facts: Facts) -> dict[str, Any]:
    """Our facts as a JSON-ready zen context: nested by the dots of their names, sets sorted, dates ISO."""
    root: dict[str, Any] = {}
    for name, value in facts.items():
        if value is None:
            continue
        *parents, leaf = name.split(".")
        node = root
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _json_value(value)
    return root


def _json_value(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, date):
        return value.isoformat()
    return value


def fired_ids(response: Mapping[str, Any]) -> list[str]:
    """The ids of the rules zen fired, in ruleset order (the table's row order), from one evaluation's response."""
    return [row["id"] for row in response["result"]["fired"]]


def _leaves(node: Node) -> Iterable[Leaf]:
    if isinstance(node, All):
        return (leaf for c in node.all for leaf in _leaves(c))
    if isinstance(node, AnyOf):
        return (leaf for c in node.any for leaf in _leaves(c))
    if isinstance(node, Not):
        return _leaves(node.not_)
    return (node,)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the default ruleset's JDM graph, to read it or evaluate it elsewhere."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.zen_peer", description=main.__doc__)
    parser.add_argument("--score", action="store_true", help="append the scoring expression node")
    args = parser.parse_args(argv)
    print(json.dumps(translate(load_ruleset(RULESET)[1], score=args.score), indent=2))


if __name__ == "__main__":
    main()
