"""Flat records from the client's models, for `pandas.DataFrame(records)` or `csv.DictWriter`.

Plain dicts of scalars (str, int, float, bool, date, datetime, None), so pandas is never needed here: lists of
names become one `"; "`-joined string, nested objects become dotted columns (`attributes.units`), and every
timestamp is timezone-aware UTC (the server sends some without a zone), so columns sort and compare.
"""

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from app.schemas.deal import DealPublic
from app.schemas.scoring import EvidenceOut, FiredRuleOut, Snapshot
from app.vocabulary import COUNTERPARTY_ROLES

Record = dict[str, Any]
SEPARATOR = "; "


def to_records(items: Iterable[BaseModel]) -> list[Record]:
    """One flat dict per model: deals with their latest score, snapshots with a column per factor, fired
    rules with their evidence as text, and any other model flattened field by field."""
    return [_record(item) for item in items]


def rule_records(snapshots: Snapshot | Iterable[Snapshot]) -> list[Record]:
    """One row per fired rule per snapshot, with the deal and score it belongs to: compare why deals scored."""
    return [
        {**_snapshot_key(snapshot), **rule_record(rule)}
        for snapshot in _snapshots(snapshots)
        for rule in snapshot.rules
    ]


def factor_records(snapshots: Snapshot | Iterable[Snapshot]) -> list[Record]:
    """One row per factor per snapshot (long format): `deal_id, as_of, factor, points, cap, ...`."""
    return [
        {**_snapshot_key(snapshot), "factor": f.factor, "points": f.points, "cap": f.cap}
        for snapshot in _snapshots(snapshots)
        for f in snapshot.factors
    ]


def deal_record(deal: DealPublic) -> Record:
    """A deal as one row: its fields, its parties as text, its counterparties, and its latest score."""
    counterparties = [p for p in deal.parties if p.role in COUNTERPARTY_ROLES]
    latest = deal.latest_score
    record: Record = {
        "id": deal.id,
        "ref": deal.ref,
        "title": deal.title,
        "deal_type": deal.deal_type.value,
        "sector": deal.sector,
        "host_country": deal.host_country,
        "value_usd": deal.value_usd,
        "stake_pct": _scalar(deal.stake_pct),
        "control": deal.control,
        "government_party": deal.government_party,
        "signed_on": deal.signed_on,
        "status": deal.status.value,
        "concern_level": deal.us_relations.concern_level.value,
        "parties": SEPARATOR.join(f"{p.entity_name} ({p.role.value}, {p.country or '?'})" for p in deal.parties),
        "counterparties": SEPARATOR.join(p.entity_name for p in counterparties),
        "counterparty_countries": SEPARATOR.join(sorted({p.country for p in counterparties if p.country})),
        "mitigations": SEPARATOR.join(m.value for m in deal.mitigations),
        "score": latest.score if latest else None,
        "tier": latest.tier.value if latest else None,
        "recommendation": latest.recommendation.value if latest else None,
        "score_as_of": latest.as_of if latest else None,
        "scored_at": _scalar(latest.computed_at) if latest else None,
        "version": deal.version,
        "created_at": _scalar(deal.created_at),
        "updated_at": _scalar(deal.updated_at),
    }
    record.update(_flatten(deal.attributes, "attributes."))
    return record


def snapshot_record(snapshot: Snapshot) -> Record:
    """A score as one row: result, ruleset, one `factor.<name>` column per factor, and the fired rule ids."""
    record: Record = {
        **_snapshot_key(snapshot),
        "ruleset_digest": snapshot.ruleset.digest,
        "computed_at": _scalar(snapshot.computed_at),
        "rules": SEPARATOR.join(r.rule_id for r in snapshot.rules),
        "inputs_digest": snapshot.inputs_digest,
    }
    record.update({f"factor.{f.factor}": f.points for f in snapshot.factors})
    return record


def rule_record(rule: FiredRuleOut) -> Record:
    """A fired rule as one row, its evidence as `fact op value (actual ...)` clauses."""
    return {
        "rule_id": rule.rule_id,
        "factor": rule.factor,
        "title": rule.title,
        "points": rule.points,
        "min_tier": rule.min_tier.value if rule.min_tier else None,
        "evidence": SEPARATOR.join(evidence_text(e) for e in rule.evidence),
        "citation": rule.citation,
    }


def evidence_text(evidence: EvidenceOut) -> str:
    """One condition that held, readable: `counterparty.lists_direct contains "US-DOD-1260H" (actual [...])`."""
    return f"{evidence.fact} {evidence.op} {_json(evidence.value)} (actual {_json(evidence.actual)})"


def _snapshots(snapshots: Snapshot | Iterable[Snapshot]) -> Iterable[Snapshot]:
    return [snapshots] if isinstance(snapshots, Snapshot) else snapshots


def _snapshot_key(snapshot: Snapshot) -> Record:
    return {
        "snapshot_id": snapshot.id,
        "deal_id": snapshot.deal_id,
        "as_of": snapshot.as_of,
        "score": snapshot.score,
        "tier": snapshot.tier.value,
        "recommendation": snapshot.recommendation.value,
        "ruleset_version": snapshot.ruleset.version,
    }


def _record(item: BaseModel) -> Record:
    if isinstance(item, DealPublic):
        return deal_record(item)
    if isinstance(item, Snapshot):
        return snapshot_record(item)
    if isinstance(item, FiredRuleOut):
        return rule_record(item)
    return _flatten(item.model_dump(mode="python"), "")


def _flatten(values: Mapping[str, Any], prefix: str) -> Record:
    """Nested mappings become dotted keys; lists of scalars one joined string; anything deeper JSON text."""
    out: Record = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="python")
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list | tuple | set | frozenset):
            items = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
            if all(_is_scalar(v) for v in items):
                out[name] = SEPARATOR.join(str(_scalar(v)) for v in items)
            else:
                out[name] = _json(items)
        else:
            out[name] = _scalar(value)
    return out


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | Decimal | date | Enum)


def _scalar(value: Any) -> Any:
    """Enums as their value, Decimals as floats, timestamps in UTC, URLs and other objects as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
