"""Validate a ruleset's raw data, reporting every problem with its rule id and path inside `when`."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from app.core.text import line_problem
from app.rules.facts import REGISTRY, FactType
from app.rules.model import All, AnyOf, FactorName, Leaf, Node, Not, Op, Rule, Ruleset
from app.vocabulary import TIER_ORDER

MAX_DEPTH = 8  # levels of a `when` tree, the rule itself being level 1
MAX_RULES = 500
MAX_LEAF_VALUES = 500  # values in one leaf's list (in, not_in, contains_any, contains_all)
LEAF_VALUE_MAX_LENGTH = 200  # characters of one string value in a leaf

_ORDERED = frozenset({FactType.integer, FactType.number, FactType.date})
_OPS_BY_TYPE: dict[FactType, frozenset[Op]] = {
    FactType.boolean: frozenset({Op.eq, Op.ne, Op.exists}),
    FactType.string: frozenset({Op.eq, Op.ne, Op.in_, Op.not_in, Op.exists}),
    FactType.string_set: frozenset({Op.contains, Op.contains_any, Op.contains_all, Op.exists}),
}
_ORDERED_OPS = frozenset({Op.eq, Op.ne, Op.lt, Op.lte, Op.gt, Op.gte, Op.in_, Op.not_in, Op.between, Op.exists})
_NODE_TAGS = frozenset({"leaf", "all", "any", "not"})


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One problem found in a ruleset; rule_id is None for problems outside the rules."""

    rule_id: str | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"rule {self.rule_id!r} at {self.path}" if self.rule_id else self.path
        return f"{where}: {self.message}"


class RulesetInvalid(ValueError):
    """Raised with every problem found, so an analyst can fix a ruleset in one pass."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def validate_ruleset(data: dict[str, Any]) -> Ruleset:
    """Parse and check a ruleset, raising RulesetInvalid listing every problem found."""
    problems: list[RuleProblem] = []
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    shell = dict(data) if isinstance(data, dict) else {}
    shell["rules"] = []
    ruleset: Ruleset | None = None
    try:
        ruleset = Ruleset.model_validate(shell)
    except ValidationError as exc:
        problems.extend(RuleProblem(None, _dotted(err["loc"]), err["msg"]) for err in exc.errors())
    rules: list[Rule] = []
    if not isinstance(raw_rules, list):
        problems.append(RuleProblem(None, "rules", "rules must be a list"))
    elif len(raw_rules) > MAX_RULES:
        extra = raw_rules[MAX_RULES].get("id") if isinstance(raw_rules[MAX_RULES], dict) else None
        problems.append(
            RuleProblem(
                extra if isinstance(extra, str) else None,
                f"rules[{MAX_RULES}]",
                f"a ruleset holds at most {MAX_RULES} rules; this one has {len(raw_rules)}",
            )
        )
    else:
        for index, raw in enumerate(raw_rules):
            rule = _parse_rule(raw, index, problems)
            if rule is not None:
                rules.append(rule)
    _check_duplicates(rules, problems)
    if ruleset is not None:
        _check_tiers(ruleset, problems)
        declared = set(ruleset.factors)
        for rule in rules:
            if rule.factor not in declared:
                problems.append(RuleProblem(rule.id, "factor", f"factor {rule.factor.value!r} is not declared"))
    if problems or ruleset is None:
        raise RulesetInvalid(problems)
    return ruleset.model_copy(update={"rules": rules})


def _parse_rule(raw: object, index: int, problems: list[RuleProblem]) -> Rule | None:
    """Parse one rule on its own so a broken rule does not hide problems in the others."""
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    rid = rule_id if isinstance(rule_id, str) else None
    too_deep = _too_deep(raw.get("when")) if isinstance(raw, dict) else None
    if too_deep is not None:
        # Refused before pydantic walks the tree: a tree thousands of levels deep would exhaust its recursion.
        problems.append(RuleProblem(rid, too_deep, f"tree deeper than {MAX_DEPTH} levels"))
        return None
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            path = _when_path(loc[1:]) if loc and loc[0] == "when" else _dotted(loc)
            problems.append(RuleProblem(rid, path or f"rules[{index}]", err["msg"]))
        return None
    before = len(problems)
    _check_sign(rule, problems)
    _check_node(rule.when, "when", rule.id, problems)
    return rule if len(problems) == before else None


def _too_deep(when: object) -> str | None:
    """The path of the first node of a raw `when` tree below MAX_DEPTH, or None. Iterative, so any depth is safe."""
    stack: list[tuple[object, str, int]] = [(when, "when", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path
        if not isinstance(node, dict):
            continue
        for key in ("all", "any"):
            children = node.get(key)
            if isinstance(children, list):
                stack.extend((child, f"{path}.{key}[{i}]", depth + 1) for i, child in enumerate(children))
        if "not" in node:
            stack.append((node["not"], f"{path}.not", depth + 1))
    return None


def _check_sign(rule: Rule, problems: list[RuleProblem]) -> None:
    """Mitigations only subtract and set no floor, other factors only add, so a mitigation never raises a score."""
    if rule.factor is FactorName.mitigation:
        if rule.points > 0:
            problems.append(RuleProblem(rule.id, "points", "a mitigation rule's points must be zero or negative"))
        if rule.min_tier is not None:
            problems.append(RuleProblem(rule.id, "min_tier", "a mitigation rule cannot set a tier floor"))
    elif rule.points < 0:
        problems.append(
            RuleProblem(rule.id, "points", "only mitigation rules may subtract points; use factor: mitigation")
        )


def _check_node(node: Node, path: str, rule_id: str, problems: list[RuleProblem]) -> None:
    """Walk the `when` tree (no deeper than MAX_DEPTH: `_too_deep` came first) checking each leaf against the
    fact registry."""
    if isinstance(node, All):
        for i, child in enumerate(node.all):
            _check_node(child, f"{path}.all[{i}]", rule_id, problems)
    elif isinstance(node, AnyOf):
        for i, child in enumerate(node.any):
            _check_node(child, f"{path}.any[{i}]", rule_id, problems)
    elif isinstance(node, Not):
        _check_node(node.not_, f"{path}.not", rule_id, problems)
    else:
        message = _leaf_problem(node)
        if message:
            problems.append(RuleProblem(rule_id, path, message))


def operators_for(fact_type: FactType) -> frozenset[Op]:
    """The operators a rule may apply to a fact of this type."""
    return _ORDERED_OPS if fact_type in _ORDERED else _OPS_BY_TYPE[fact_type]


def _leaf_problem(leaf: Leaf) -> str | None:
    """Return why a leaf does not fit its fact's type, or None when it does."""
    spec = REGISTRY.get(leaf.fact)
    if spec is None:
        return f"unknown fact {leaf.fact!r}"
    allowed = operators_for(spec.type)
    if leaf.op not in allowed:
        return f"operator {leaf.op.value!r} does not fit {spec.type.value} fact {leaf.fact!r}"
    value = leaf.value
    if leaf.op is Op.exists:
        return None if isinstance(value, bool) else "exists takes true or false"
    text_problem = _text_value_problem(value)
    if text_problem:
        return text_problem
    if leaf.op in (Op.in_, Op.not_in, Op.contains_any, Op.contains_all):
        if not isinstance(value, list) or not value:
            return f"{leaf.op.value} takes a non-empty list"
        if len(value) > MAX_LEAF_VALUES:
            return f"{leaf.op.value} takes at most {MAX_LEAF_VALUES} values; this list has {len(value)}"
        bad = [v for v in value if not _scalar_fits(spec.type, v)]
        if bad:
            return f"{leaf.op.value} list holds values that are not {_expected(spec.type)}: {bad!r}"
        return _choice_problem(spec.choices, value)
    if leaf.op is Op.between:
        if not isinstance(value, list) or len(value) != 2:
            return "between takes [lo, hi]"
        if not all(_scalar_fits(spec.type, v) for v in value):
            return f"between bounds must be {_expected(spec.type)}"
        lo, hi = (_as_comparable(spec.type, v) for v in value)
        return None if lo <= hi else "between takes [lo, hi] with lo <= hi"
    if not _scalar_fits(spec.type, value):
        return f"value {value!r} is not {_expected(spec.type)}"
    return _choice_problem(spec.choices, [value])


def _text_value_problem(value: object) -> str | None:
    """A string the leaf compares with (alone or in its list) that is too long or holds control characters."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            if len(item) > LEAF_VALUE_MAX_LENGTH:
                return f"value {item[:40]!r}... is {len(item)} characters long; at most {LEAF_VALUE_MAX_LENGTH}"
            problem = line_problem(item)
            if problem:
                return f"value {item!r} {problem}"
    return None


def _choice_problem(choices: tuple[str, ...] | None, values: list[Any]) -> str | None:
    """A value outside a fact's vocabulary can never match, so it is almost surely a typo."""
    if choices is None:
        return None
    unknown = [v for v in values if v not in choices]
    return f"{unknown!r} not among the fact's values {list(choices)}" if unknown else None


def _scalar_fits(fact_type: FactType, value: object) -> bool:
    """Whether one scalar value matches the fact type (a string_set's elements are strings)."""
    if fact_type is FactType.boolean:
        return isinstance(value, bool)
    if fact_type is FactType.integer:
        return isinstance(value, int) and not isinstance(value, bool)
    if fact_type is FactType.number:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if fact_type is FactType.date:
        return isinstance(value, str) and _iso_date(value) is not None
    return isinstance(value, str)


def _expected(fact_type: FactType) -> str:
    """Human wording of the values a fact type takes."""
    return {
        FactType.boolean: "a boolean",
        FactType.integer: "an integer",
        FactType.number: "a number",
        FactType.date: "an ISO date string",
    }.get(fact_type, "a string")


def _iso_date(value: str) -> date | None:
    """Parse an ISO date, None when it is not one."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _as_comparable(fact_type: FactType, value: Any) -> Any:
    """Turn a validated bound into something ordered, so between's lo <= hi can be checked."""
    return date.fromisoformat(value) if fact_type is FactType.date else value


def _check_duplicates(rules: list[Rule], problems: list[RuleProblem]) -> None:
    """Rule ids are stable keys in snapshots, so each must be unique."""
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(RuleProblem(rule.id, "id", f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)


def _check_tiers(ruleset: Ruleset, problems: list[RuleProblem]) -> None:
    """Tiers must list all five tiers in order from min_score 0, and each must have a recommendation."""
    names = [t.name for t in ruleset.tiers]
    if names != list(TIER_ORDER):
        problems.append(RuleProblem(None, "tiers", f"tiers must be exactly {[t.value for t in TIER_ORDER]} in order"))
    scores = [t.min_score for t in ruleset.tiers]
    if not scores or scores[0] != 0:
        problems.append(RuleProblem(None, "tiers[0].min_score", "the first tier must start at 0"))
    for i in range(1, len(scores)):
        if scores[i] <= scores[i - 1]:
            problems.append(RuleProblem(None, f"tiers[{i}].min_score", "min_score must increase"))
    missing = [t.value for t in TIER_ORDER if t not in ruleset.recommendations]
    if missing:
        problems.append(RuleProblem(None, "recommendations", f"no recommendation for tiers {missing}"))


def _dotted(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as `a.b[0].c`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _when_path(loc: tuple[int | str, ...]) -> str:
    """Render a location inside `when`, dropping the discriminator tags pydantic inserts."""
    out = "when"
    expect_tag = True
    for part in loc:
        if expect_tag and isinstance(part, str) and part in _NODE_TAGS:
            expect_tag = False
            continue
        if isinstance(part, int):
            out += f"[{part}]"
            expect_tag = True
        else:
            out += f".{part}"
            expect_tag = part == "not"
    return out
