"""`to_records()` and friends: flat rows from live deals and snapshots, ready for pandas or csv, without pandas."""

import csv
import io
from datetime import date, datetime

from app.client import FdiRiskClient, factor_records, rule_records, to_records

AS_OF = "2026-11-24"
SCALARS = (str, int, float, bool, date, type(None))


def test_deals_become_flat_rows_with_their_latest_score(seeded_fdi: FdiRiskClient) -> None:
    seeded_fdi.rescore(as_of=AS_OF)
    rows = to_records(seeded_fdi.iter_deals(sort="-score"))
    assert len(rows) == 3 and all(isinstance(v, SCALARS) for row in rows for v in row.values())
    assert all(v.tzinfo is not None for row in rows for v in row.values() if isinstance(v, datetime))
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    rail = next(row for row in rows if row["ref"] == "jerusalem-light-rail-cars")
    assert (rail["tier"], rail["recommendation"], str(rail["score_as_of"])) == ("high", "escalate", AS_OF)
    assert rail["counterparties"] == "CRRC Corporation Limited"
    assert "CRRC MA Corporation (manufacturer, US)" in rail["parties"]
    assert rail["mitigations"] == "supply_via_allied_subsidiary" and rail["attributes.units"] == 132
    assert rail["value_usd"] == 383_000_000 and rail["deal_type"] == "procurement"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue().count("\n") == 4


def test_snapshots_give_rows_per_score_rule_and_factor(seeded_fdi: FdiRiskClient) -> None:
    rail = next(d for d in seeded_fdi.iter_deals() if d.ref == "jerusalem-light-rail-cars")
    snapshot = seeded_fdi.score_deal(rail.id, as_of=AS_OF)
    [row] = to_records([snapshot])
    assert row["deal_id"] == rail.id and row["factor.blacklist"] == 30 and row["ruleset_version"] == 1
    assert "blacklist.dod_1260h" in row["rules"].split("; ")
    rules = rule_records(snapshot)
    dod = next(r for r in rules if r["rule_id"] == "blacklist.dod_1260h")
    assert (dod["deal_id"], dod["points"], dod["min_tier"], dod["tier"]) == (rail.id, 30, "high", "high")
    assert dod["evidence"] == 'counterparty.lists_direct contains "US-DOD-1260H" (actual ["US-DOD-1260H"])'
    plain = to_records(snapshot.rules)
    assert [{key: r[key] for key in plain[0]} for r in rules] == plain
    factors = factor_records([snapshot, snapshot])
    assert len(factors) == 12 and {f["factor"] for f in factors} >= {"blacklist", "mitigation"}
    assert sum(f["points"] for f in factors[:6]) == snapshot.score


def test_any_other_model_is_flattened_field_by_field(seeded_fdi: FdiRiskClient) -> None:
    hits = seeded_fdi.screen("CRRC Corp", as_of=AS_OF).hits
    [row, *_] = to_records(hits)
    assert row["matched.query"] == "CRRC Corp" and row["via"] == "" and row["listed_since"] == date(2022, 10, 5)
    sectors = to_records(seeded_fdi.sectors())
    assert all(isinstance(s["regimes"], str) for s in sectors)
