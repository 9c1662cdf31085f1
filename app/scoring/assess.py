"""Assemble one score: screening hits → facts → fired rules → factor totals, score, tier, digest. Pure."""

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.rules.compile import CompiledRuleset, FiredRule
from app.rules.score import FactorTotal, score
from app.scoring.facts import DealInput, Reference, derive_facts, to_json
from app.screening.model import Hit
from app.vocabulary import Recommendation, Tier

Screen = Callable[[date], Mapping[int, Sequence[Hit]]]
"""Screens the deal's parties as of a date: hits (direct and inherited) per entity id."""


@dataclass(frozen=True, slots=True)
class RulesetRef:
    """A compiled ruleset with the version and digest a snapshot records."""

    version: int | None
    digest: str
    compiled: CompiledRuleset


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything a snapshot stores: the result and what it was computed from."""

    score: int
    tier: Tier
    recommendation: Recommendation
    factors: list[FactorTotal]
    fired: list[FiredRule]
    facts: dict[str, Any]
    screening: list[dict[str, Any]]
    inputs_digest: str
    ruleset_version: int | None
    ruleset_digest: str
    as_of: date


@dataclass(frozen=True, slots=True)
class Prepared:
    """A deal's facts as of a date, ready to be evaluated by any number of rulesets (simulate uses two)."""

    facts: dict[str, object]
    facts_json: dict[str, Any]
    screening: list[dict[str, Any]]
    as_of: date


def prepare(deal: DealInput, ref: Reference, screen: Screen, as_of: date) -> Prepared:
    """Screen the parties (as of the date and, when known, the signing date) and derive the facts."""
    hits = screen(as_of)
    hits_at_signing = screen(deal.signed_on) if deal.signed_on is not None else None
    facts = derive_facts(deal, ref, hits, as_of, hits_at_signing)
    names = {p.entity_id: p.name for p in deal.parties}
    roles: dict[int, list[str]] = {}
    for party in deal.parties:
        roles.setdefault(party.entity_id, []).append(party.role.value)
    screening = _screening(hits, names, roles, as_of)
    if hits_at_signing is not None and deal.signed_on is not None:
        screening += _screening(hits_at_signing, names, roles, deal.signed_on)
    return Prepared(facts, to_json(facts), screening, as_of)


def prepare_facts(deal: DealInput, ref: Reference, screen: Screen, as_of: date) -> dict[str, object]:
    """The facts `prepare` derives, without the JSON and the screening explanation a snapshot keeps: all that
    comparing two rulesets on a deal (simulate) needs."""
    hits = screen(as_of)
    hits_at_signing = screen(deal.signed_on) if deal.signed_on is not None else None
    return derive_facts(deal, ref, hits, as_of, hits_at_signing)


def evaluate(prepared: Prepared, ruleset: RulesetRef) -> Assessment:
    """Evaluate prepared facts with one ruleset; equal facts and ruleset give an equal result and digest."""
    fired = ruleset.compiled.evaluate(prepared.facts)
    result = score(ruleset.compiled, ruleset.compiled.ruleset, fired)
    return Assessment(
        score=result.score,
        tier=result.tier,
        recommendation=result.recommendation,
        factors=result.factors,
        fired=fired,
        facts=prepared.facts_json,
        screening=prepared.screening,
        inputs_digest=inputs_digest(prepared.facts_json, ruleset.digest),
        ruleset_version=ruleset.version,
        ruleset_digest=ruleset.digest,
        as_of=prepared.as_of,
    )


def assess(deal: DealInput, ref: Reference, screen: Screen, ruleset: RulesetRef, as_of: date) -> Assessment:
    """Score one deal as of a date with one ruleset."""
    return evaluate(prepare(deal, ref, screen, as_of), ruleset)


def inputs_digest(facts_json: Mapping[str, Any], ruleset_digest: str) -> str:
    """sha256 over the canonical JSON of the facts and the ruleset digest: the identity of a score's inputs."""
    canonical = json.dumps(
        {"facts": facts_json, "ruleset": ruleset_digest}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _screening(
    hits: Mapping[int, Sequence[Hit]], names: Mapping[int, str], roles: Mapping[int, list[str]], when: date
) -> list[dict[str, Any]]:
    """The hits of the deal's parties, as the snapshot explains them."""
    out: list[dict[str, Any]] = []
    for entity_id in sorted(names):
        for hit in hits.get(entity_id, ()):
            out.append(
                {
                    "entity_id": entity_id,
                    "entity_name": names[entity_id],
                    "roles": sorted(roles[entity_id]),
                    "list_code": hit.list_code,
                    "entry_id": hit.entry_id,
                    "entry_name": hit.entry_name,
                    "listed_since": hit.listed_since.isoformat() if hit.listed_since else None,
                    "score": hit.score,
                    "matched": {"query": hit.query, "candidate": hit.candidate},
                    "via": list(hit.via),
                    "screened_as_of": when.isoformat(),
                }
            )
    return out
