"""Change one rule's weight and see what it would do, before anyone relies on it.

Copies the active ruleset, sets RULE_ID's points, stores that as a new draft version, simulates it against
every stored deal and prints which deals would move tier or score, and which rules appear or disappear.
Nothing changes for scoring unless you pass --activate.

    python examples/simulate_rule_change.py blacklist.dod_1260h 35
    python examples/simulate_rule_change.py blacklist.dod_1260h 35 --as-of 2026-11-24 --activate
"""

import argparse
import copy
import os
import sys
from collections.abc import Sequence
from typing import Any

from app.client import FdiRiskClient, FdiRiskError, FdiRiskUnavailable, SimulationOut


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rule_id", metavar="RULE_ID", help="e.g. blacklist.dod_1260h (GET /v1/rulesets/active)")
    parser.add_argument("points", metavar="POINTS", type=int, help="the rule's new points (negative to mitigate)")
    parser.add_argument("--as-of", help="simulate as of YYYY-MM-DD (default today)")
    parser.add_argument("--notes", help="why this version; stored with it")
    parser.add_argument("--activate", action="store_true", help="activate the new version after simulating")
    parser.add_argument("--url", default=os.environ.get("FDI_URL", "http://127.0.0.1:8000"), help="env FDI_URL")
    parser.add_argument("--key", default=os.environ.get("FDI_API_KEY"), help="API key (env FDI_API_KEY)")
    return parser.parse_args(argv)


def with_points(body: dict[str, Any], rule_id: str, points: int) -> tuple[dict[str, Any], int]:
    """A copy of the ruleset body with the rule's points changed, and the points it had. KeyError when the
    ruleset has no such rule."""
    changed = copy.deepcopy(body)
    for rule in changed.get("rules", []):
        if rule.get("id") == rule_id:
            before = int(rule["points"])
            rule["points"] = points
            return changed, before
    raise KeyError(rule_id)


def report(simulation: SimulationOut) -> list[str]:
    """Tier counts before and after, then each deal that would change."""
    tiers = ("low", "moderate", "elevated", "high", "critical")
    before = ", ".join(f"{t} {simulation.tier_counts_before.get(t, 0)}" for t in tiers)
    after = ", ".join(f"{t} {simulation.tier_counts_after.get(t, 0)}" for t in tiers)
    lines = [
        f"Version {simulation.version} against active version {simulation.against_version}, as of {simulation.as_of}",
        f"{simulation.changed} of {simulation.deals} deals would change",
        f"  tiers now:   {before}",
        f"  tiers after: {after}",
    ]
    for move in simulation.moves:
        tier = (
            move.from_tier.value
            if move.from_tier == move.to_tier
            else f"{move.from_tier.value} -> {move.to_tier.value}"
        )
        lines.append(
            f"  {move.title} (deal {move.deal_id}): {move.from_score} -> {move.to_score} ({move.delta:+d}), {tier}"
        )
        if move.rules_added:
            lines.append(f"      rules added: {', '.join(move.rules_added)}")
        if move.rules_removed:
            lines.append(f"      rules removed: {', '.join(move.rules_removed)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with FdiRiskClient(args.url, api_key=args.key) as fdi:
            active = fdi.active_ruleset()
            try:
                body, before = with_points(active.body, args.rule_id, args.points)
            except KeyError:
                print(f"error: the active ruleset (v{active.version}) has no rule {args.rule_id!r}", file=sys.stderr)
                return 1
            if before == args.points:
                print(f"{args.rule_id} already has {before} points in v{active.version}; nothing to simulate")
                return 0
            notes = args.notes or f"{args.rule_id}: {before} -> {args.points} points (from v{active.version})"
            draft = fdi.create_draft(body, notes=notes)
            print(f"Draft version {draft.version}: {notes}")
            print("\n".join(report(fdi.simulate(draft.version, as_of=args.as_of))))
            if args.activate:
                fdi.activate(draft.version)
                print(f"\nActivated version {draft.version}; v{active.version} is retired (activate it to roll back).")
                print(
                    f"Stored scores keep their version; rescore the portfolio with: curl -X POST {args.url}/v1/rescore"
                )
            else:
                print(f"\nNot activated; version {draft.version} stays a draft (rerun with --activate to use it).")
    except (FdiRiskError, FdiRiskUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
