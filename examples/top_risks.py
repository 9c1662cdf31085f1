"""Top risks in the portfolio: deals ranked by their latest score, with tier and the three heaviest rules.

    python examples/top_risks.py --top 5
    python examples/top_risks.py --sector ports --csv top.csv   # also write flat rows (pandas-ready)

Deals that were never scored are left out; score them with `POST /v1/rescore` (or examples/explain_deal.py).
"""

import argparse
import csv
import os
import sys
from collections.abc import Sequence
from itertools import islice

from app.client import DealPublic, FdiRiskClient, FdiRiskError, FdiRiskUnavailable, to_records


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("FDI_URL", "http://127.0.0.1:8000"), help="env FDI_URL")
    parser.add_argument("--key", default=os.environ.get("FDI_API_KEY"), help="API key (env FDI_API_KEY)")
    parser.add_argument("--top", type=int, default=10, help="how many deals to show (default 10)")
    parser.add_argument("--sector", help="only this sector code, e.g. ports")
    parser.add_argument("--country", help="only deals hosted in or with a party from this country, e.g. CN")
    parser.add_argument("--csv", metavar="FILE", help="also write the ranked deals as CSV rows")
    return parser.parse_args(argv)


def top_rules(fdi: FdiRiskClient, deal: DealPublic, count: int = 3) -> list[str]:
    """The heaviest rules of the deal's latest stored score, as `rule_id (+points)`."""
    latest = fdi.scores(deal.id, limit=1).items
    if not latest:
        return []
    rules = sorted(latest[0].rules, key=lambda rule: rule.points, reverse=True)[:count]
    return [f"{rule.rule_id} ({rule.points:+d})" for rule in rules]


def summary_line(deal: DealPublic) -> str:
    """Score, tier, recommendation and the deal's title on one line."""
    latest = deal.latest_score
    if latest is None:
        return f"{'-':>5}  {'unscored':<9} {'':<24} {deal.title}"
    return (
        f"{latest.score:>5}  {latest.tier.value:<9} {latest.recommendation.value:<24} "
        f"{deal.title} (id {deal.id}, {deal.sector}, {deal.host_country}, as of {latest.as_of})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    try:
        with FdiRiskClient(args.url, api_key=args.key) as fdi:
            deals = fdi.iter_deals(
                sort="-score", sector=args.sector, country=args.country, page_size=min(args.top, 200)
            )
            ranked = [d for d in islice(deals, args.top) if d.latest_score is not None]
            if not ranked:
                print(f"No scored deals match. Score them first: curl -X POST {args.url}/v1/rescore")
                return 0
            print(f"Top {len(ranked)} deals by latest score\n")
            print(f"{'#':>2}  {'score':>5}  {'tier':<9} {'recommendation':<24} deal")
            for rank, deal in enumerate(ranked, 1):
                print(f"{rank:>2}  {summary_line(deal)}")
                print(f"{'':>13}rules: {', '.join(top_rules(fdi, deal)) or 'none'}")
            if args.csv:
                records = to_records(ranked)
                columns = list(dict.fromkeys(key for record in records for key in record))
                with open(args.csv, "w", newline="", encoding="utf-8") as out:
                    writer = csv.DictWriter(out, fieldnames=columns)
                    writer.writeheader()
                    writer.writerows(records)
                print(f"\nwrote {len(records)} rows to {args.csv}")
    except (FdiRiskError, FdiRiskUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
