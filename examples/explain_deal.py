"""Explain one deal's score: score it now (or as of a date), then print each factor, every rule that fired
with the evidence it saw and its citation, and the list hits behind them.

    python examples/explain_deal.py jerusalem-light-rail-cars --as-of 2026-11-24
    python examples/explain_deal.py 2

DEAL is a deal id or its `ref`. The snapshot is stored, so it becomes the deal's latest score.
"""

import argparse
import os
import sys
from collections.abc import Sequence

from app.client import DealPublic, FdiRiskClient, FdiRiskError, FdiRiskUnavailable, Snapshot, evidence_text


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deal", metavar="DEAL", help="deal id or ref, e.g. jerusalem-light-rail-cars")
    parser.add_argument("--as-of", help="screen lists and US measures as of YYYY-MM-DD (default today)")
    parser.add_argument("--url", default=os.environ.get("FDI_URL", "http://127.0.0.1:8000"), help="env FDI_URL")
    parser.add_argument("--key", default=os.environ.get("FDI_API_KEY"), help="API key (env FDI_API_KEY)")
    return parser.parse_args(argv)


def find_deal(fdi: FdiRiskClient, wanted: str) -> DealPublic | None:
    """The deal with this id, or else the one whose ref is `wanted`."""
    if wanted.isdigit():
        return fdi.get_deal(int(wanted))
    return next((deal for deal in fdi.iter_deals() if deal.ref == wanted), None)


def explain(fdi: FdiRiskClient, deal: DealPublic, snapshot: Snapshot) -> list[str]:
    """The snapshot as readable lines: result, factors, fired rules with evidence, screening hits."""
    ruleset = f"ruleset v{snapshot.ruleset.version} ({snapshot.ruleset.digest[:12]})"
    lines = [
        f"{deal.title} (deal {deal.id}, {deal.deal_type.value}, {deal.sector}, {deal.host_country})",
        f"score {snapshot.score}/100, tier {snapshot.tier.value}, recommendation {snapshot.recommendation.value}",
        f"as of {snapshot.as_of}, {ruleset}, inputs {snapshot.inputs_digest[:12]}",
        "",
        "Factors (points / cap)",
    ]
    lines += [f"  {f.factor:<17} {f.points:+4d} / {f.cap}" for f in snapshot.factors]
    lines += ["", f"Rules that fired ({len(snapshot.rules)})"]
    for rule in snapshot.rules:
        floor = f", floor {rule.min_tier.value}" if rule.min_tier else ""
        lines.append(f"  {rule.rule_id} {rule.points:+d}{floor}: {rule.title}")
        lines += [f"      because {evidence_text(e)}" for e in rule.evidence]
        lines.append(f"      source: {rule.citation}")
    if snapshot.screening:
        names: dict[int, str] = {}
        lines += ["", "Screening hits"]
        for hit in snapshot.screening:
            via = ""
            if hit.via:
                for entity_id in hit.via:
                    names.setdefault(entity_id, fdi.get_entity(entity_id).name)
                via = ", via " + " then ".join(names[i] for i in hit.via)
            lines.append(
                f"  {hit.entity_name} ({', '.join(hit.roles)}) on {hit.list_code} as {hit.entry_name!r}"
                f" since {hit.listed_since or '?'}, match {hit.score:.2f}{via}"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with FdiRiskClient(args.url, api_key=args.key) as fdi:
            deal = find_deal(fdi, args.deal)
            if deal is None:
                print(f"error: no deal with id or ref {args.deal!r}", file=sys.stderr)
                return 1
            snapshot = fdi.score_deal(deal.id, as_of=args.as_of)
            print("\n".join(explain(fdi, deal, snapshot)))
    except (FdiRiskError, FdiRiskUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
