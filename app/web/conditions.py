"""A rule's `when` tree in plain words, for readers who do not read code. Pure.

Each fact has a phrase: a noun for comparisons ("sector sensitivity is at least 4"), a sentence for membership in
a set fact ("a counterparty is on US-DOD-1260H") and for each value of a boolean fact ("the counterparty gains
control"). A fact without a phrase here is described by its meaning in the fact registry (GET /v1/facts), so a
fact added to the registry is readable at once. `not` is pushed down to the leaves (not all = at least one
fails), so the words never stack negations.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.rules.facts import REGISTRY, FactType


@dataclass(frozen=True, slots=True)
class Condition:
    """A leaf's words, or a heading ("all of these hold") with the conditions under it."""

    text: str
    parts: tuple["Condition", ...] = ()


@dataclass(frozen=True, slots=True)
class Phrase:
    noun: str | None = None  # subject of a comparison
    member: str | None = None  # a set fact holds {}
    no_member: str | None = None  # ... and its negation
    yes: str | None = None  # a boolean fact is true
    no: str | None = None  # ... and false
    unknown: str | None = None  # the fact is absent (`exists: false`)


PHRASES: dict[str, Phrase] = {
    "as_of": Phrase(noun="the date of the evaluation"),
    "deal.type": Phrase(noun="the deal type"),
    "deal.sector": Phrase(noun="the sector"),
    "sector.sensitivity": Phrase(noun="sector sensitivity"),
    "sector.regimes": Phrase(
        noun="the screening regimes covering the sector",
        member="the sector falls under {}",
        no_member="the sector does not fall under {}",
    ),
    "deal.value_usd": Phrase(noun="the deal value in US dollars"),
    "deal.stake_pct": Phrase(noun="the stake the counterparties acquire (%)"),
    "deal.control": Phrase(yes="the counterparty gains control", no="the counterparty does not gain control"),
    "deal.government_party": Phrase(yes="a host-government body is a party", no="no host-government body is a party"),
    "deal.signed_on": Phrase(noun="the signing date", unknown="the signing date is not known"),
    "deal.status": Phrase(noun="the deal status"),
    "host.country": Phrase(noun="the host country"),
    "host.groups": Phrase(member="the host country is in the group {}", no_member="the host country is not in {}"),
    "counterparty.countries": Phrase(member="a counterparty is from {}", no_member="no counterparty is from {}"),
    "counterparty.country_groups": Phrase(
        member="a counterparty's country is in the group {}", no_member="no counterparty's country is in {}"
    ),
    "counterparty.state_controlled": Phrase(
        yes="a counterparty is state-controlled", no="no counterparty is state-controlled"
    ),
    "counterparty.lists": Phrase(member="a counterparty is on {}", no_member="no counterparty is on {}"),
    "counterparty.lists_direct": Phrase(
        member="a counterparty is itself named on {}", no_member="no counterparty is itself named on {}"
    ),
    "counterparty.lists_inherited": Phrase(
        member="a counterparty inherits a listing on {} from an owner",
        no_member="no counterparty inherits a listing on {} from an owner",
    ),
    "counterparty.list_categories": Phrase(
        member="a counterparty is on a list of the category {}", no_member="no counterparty is on a {} list"
    ),
    "counterparty.lists_at_signing": Phrase(
        member="a counterparty was on {} on the signing date",
        no_member="no counterparty was on {} on the signing date",
        unknown="the signing date is not known",
    ),
    "counterparty.listed_at_signing": Phrase(
        yes="a counterparty was already listed on the signing date",
        no="no counterparty was listed yet on the signing date",
        unknown="the signing date is not known",
    ),
    "counterparty.roles": Phrase(member="a counterparty acts as {}", no_member="no counterparty acts as {}"),
    "counterparty.count": Phrase(noun="the number of foreign counterparties"),
    "parties.lists": Phrase(member="a party to the deal is on {}", no_member="no party to the deal is on {}"),
    "manufacturer.countries": Phrase(member="a manufacturer is from {}", no_member="no manufacturer is from {}"),
    "manufacturer.country_groups": Phrase(
        member="a manufacturer's country is in the group {}", no_member="no manufacturer's country is in {}"
    ),
    "buyer.state_owned": Phrase(
        yes="the buyer is state-owned",
        no="the buyer is not state-owned",
        unknown="the deal has no host-side buyer",
    ),
    "us.concern_level": Phrase(noun="the level of US concern"),
    "us.domestic_restrictions": Phrase(
        member="the US restricts the same at home ({})", no_member="no US measure {} applies"
    ),
    "mitigations": Phrase(
        member="the deal's mitigations include {}", no_member="the deal's mitigations do not include {}"
    ),
    "deal.attributes.data_access": Phrase(
        yes="the counterparty gains access to sensitive data",
        no="the counterparty gains no access to sensitive data",
    ),
    "deal.attributes.remote_access": Phrase(
        yes="the counterparty can reach the systems remotely", no="the counterparty cannot reach the systems remotely"
    ),
    "deal.attributes.technology_transfer": Phrase(
        yes="the deal transfers sensitive technology", no="the deal transfers no sensitive technology"
    ),
    "deal.attributes.near_sensitive_site": Phrase(
        yes="the asset lies near a military or critical site", no="the asset lies near no military or critical site"
    ),
    "deal.attributes.near_us_military_presence": Phrase(
        yes="the asset lies near a US military presence", no="the asset lies near no US military presence"
    ),
    "deal.attributes.market_share_pct": Phrase(noun="the counterparty's market share (%)"),
    "deal.attributes.claimed_signed_before_listing": Phrase(
        yes="the parties claim the deal was signed before the listing",
        no="the parties do not claim the deal was signed before the listing",
    ),
    "deal.attributes.host_security_objection": Phrase(
        yes="the host's security services objected", no="the host's security services did not object"
    ),
    "deal.attributes.host_security_restriction": Phrase(
        yes="the host imposed a security restriction", no="the host imposed no security restriction"
    ),
}

_NEGATED_OP = {
    "eq": "ne",
    "ne": "eq",
    "lt": "gte",
    "gte": "lt",
    "lte": "gt",
    "gt": "lte",
    "in": "not_in",
    "not_in": "in",
}
_COMPARE = {"eq": "is", "ne": "is not", "lt": "is below", "lte": "is at most", "gt": "is above", "gte": "is at least"}
_COMPARE_DATES = {"lt": "is before", "lte": "is on or before", "gt": "is after", "gte": "is on or after"}


def _noun(fact: str) -> str:
    phrase = PHRASES.get(fact)
    if phrase is not None and phrase.noun:
        return phrase.noun
    spec = REGISTRY.get(fact)
    if spec is None:
        return fact
    meaning = spec.meaning.rstrip(".")
    return meaning[:1].lower() + meaning[1:]


def _value(fact: str, value: object) -> str:
    spec = REGISTRY.get(fact)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    if isinstance(value, str) and spec is not None and spec.choices:
        return value.replace("_", " ")
    return str(value)


def _join(fact: str, values: object, last: str) -> str:
    items = [_value(fact, v) for v in values] if isinstance(values, list | tuple) else [_value(fact, values)]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def leaf_words(fact: str, op: str, value: object, negated: bool = False) -> str:
    """One test in words. `op` may carry the "not " prefix evidence uses for a leaf that failed under a `not`."""
    if op.startswith("not "):
        op, negated = op[4:], not negated
    phrase = PHRASES.get(fact, Phrase())
    spec = REGISTRY.get(fact)
    noun = _noun(fact)
    if op == "exists":
        present = bool(value) is not negated
        if present:
            return f"{noun} is known"
        return phrase.unknown or f"{noun} is not known"
    if spec is not None and spec.type is FactType.boolean and op in ("eq", "ne") and isinstance(value, bool):
        truth = value is (op == "eq")
        if negated:
            truth = not truth
        words = phrase.yes if truth else phrase.no
        return words or f"{noun}: {'yes' if truth else 'no'}"
    if op in ("contains", "contains_any", "contains_all"):
        joined = _join(fact, value, "and" if op == "contains_all" else "or")
        if negated and op == "contains_all" and phrase.member:
            return "it is not true that " + phrase.member.format(joined)
        template = phrase.no_member if negated else phrase.member
        if template:
            return template.format(joined)
        verb = {"contains": "include", "contains_any": "include any of", "contains_all": "include all of"}[op]
        return f"{noun} {'do not ' if negated else ''}{verb} {joined}"
    if op == "between":
        low, high = value if isinstance(value, list | tuple) and len(value) == 2 else (value, value)
        word = "is not between" if negated else "is between"
        return f"{noun} {word} {_value(fact, low)} and {_value(fact, high)} (inclusive)"
    if negated:
        op = _NEGATED_OP.get(op, op)
    if op in ("in", "not_in"):
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) == 1:
            return f"{noun} {'is' if op == 'in' else 'is not'} {_value(fact, values[0])}"
        word = "is one of" if op == "in" else "is none of"
        return f"{noun} {word} {_join(fact, values, 'or')}"
    is_date = spec is not None and spec.type is FactType.date
    verb = (_COMPARE_DATES.get(op) if is_date else None) or _COMPARE.get(op, op)
    return f"{noun} {verb} {_value(fact, value)}"


def describe(when: Mapping[str, Any], negated: bool = False) -> Condition:
    """The `when` tree (its JSON form) in words."""
    if "not" in when:
        return describe(when["not"], not negated)
    for key in ("all", "any"):
        if key in when:
            children: Sequence[Mapping[str, Any]] = when[key]
            parts = tuple(describe(child, negated) for child in children)
            if len(parts) == 1:
                return parts[0]
            conjunction = (key == "all") is not negated
            return Condition("all of these hold" if conjunction else "at least one of these holds", parts)
    return Condition(leaf_words(str(when.get("fact")), str(when.get("op")), when.get("value"), negated))


def sentence(condition: Condition) -> str:
    """The condition on one line: "A and (B or C)"."""
    if not condition.parts:
        return condition.text
    joiner = " and " if condition.text.startswith("all") else " or "
    return joiner.join(f"({sentence(p)})" if p.parts else p.text for p in condition.parts)
