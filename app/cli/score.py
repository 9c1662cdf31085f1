"""`fdi-risk score`: score one stored deal on the server, or rescore every deal (on the server, or with --local
on the local database)."""

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from app.cli.progress import progress_bar
from app.cli.remote import Key, Url, connect, fail, parse_date
from app.client.transport import DEFAULT_URL
from app.schemas.deal import DealPublic
from app.schemas.scoring import FiredRuleOut, RescoreOut, Snapshot

TOP = 5  # contributions listed; the snapshot (fdi-risk export scores --format json) has every rule


def score(
    deal_id: Annotated[
        str | None,
        typer.Argument(metavar="DEAL_ID", help="The deal's id (fdi-risk export deals lists them).", show_default=False),
    ] = None,
    all_deals: Annotated[
        bool, typer.Option("--all", help="Rescore every stored deal with the active ruleset.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="Screen lists and US measures as of this date, YYYY-MM-DD (default today, UTC)."),
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local", help="With --all: rescore on the local database (FDI_DATABASE_URL), not through a server."
        ),
    ] = False,
    url: Url = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Score one stored deal and keep the snapshot, or rescore every deal with --all.

    One deal: the score, tier, recommendation, factor totals and the rules that weighed most.

    --all: a progress bar on stderr, then how many deals moved tier. Needs a key with role analyst.

    Example: fdi-risk score 2 --as-of 2026-11-24

    Example: fdi-risk score --all --url https://fdi.example.org

    Example: fdi-risk score --all --local
    """
    day = parse_date(as_of)
    if all_deals == (deal_id is not None):
        fail("give a DEAL_ID or --all, not both" if all_deals else "give a DEAL_ID, or --all to rescore every deal")
    if local and not all_deals:
        fail("--local works with --all only; one deal is scored through the server")
    if all_deals:
        summary = _rescore_locally(day) if local else _rescore_remotely(day, url, key)
        for line in rescore_lines(summary):
            typer.echo(line)
        return
    assert deal_id is not None
    if not deal_id.isdigit() or int(deal_id) < 1:
        fail(f"DEAL_ID {deal_id!r} is not a deal id (a whole number; fdi-risk export deals lists them)")
    with connect(url, key) as fdi:
        deal = fdi.get_deal(int(deal_id))
        snapshot = fdi.score_deal(deal.id, as_of=day)
    for line in snapshot_lines(deal, snapshot):
        typer.echo(line)


def _rescore_remotely(day: date | None, url: str, key: str | None) -> RescoreOut:
    with connect(url, key) as fdi, progress_bar("rescoring deals") as update:
        return fdi.rescore(day, on_progress=update)


def _rescore_locally(day: date | None) -> RescoreOut:
    """Every deal rescored in one unit of work on FDI_DATABASE_URL (all or nothing), as the actor `cli`."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.core.config import get_settings
    from app.core.errors import DomainError
    from app.db.engine import make_engine
    from app.db.session import unit_of_work
    from app.services.scoring import rescore_all

    when = day if day is not None else datetime.now(UTC).date()
    engine = make_engine(get_settings().database_url)
    try:
        with progress_bar("rescoring deals") as update, unit_of_work(engine) as session:
            result = rescore_all(session, when, "cli", update)
    except DomainError as exc:
        fail(f"{exc.detail} (nothing was written)")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"database error ({reason}); is FDI_DATABASE_URL right and the schema current (fdi-risk db upgrade)?")
    finally:
        engine.dispose()
    return RescoreOut.model_validate(result, from_attributes=True)


def snapshot_lines(deal: DealPublic, snapshot: Snapshot) -> list[str]:
    """The result, its provenance, the factor totals and the heaviest rules, as a short aligned table."""
    factors = ", ".join(f"{f.factor} {f.points:+d}/{f.cap}" for f in snapshot.factors)
    lines = [
        f"{'deal':<15} {deal.id}  {deal.title}",
        f"{'score':<15} {snapshot.score}/100",
        f"{'tier':<15} {snapshot.tier.value}",
        f"{'recommendation':<15} {snapshot.recommendation.value}",
        f"{'as of':<15} {snapshot.as_of} (ruleset v{snapshot.ruleset.version}, snapshot {snapshot.id})",
        f"{'factors':<15} {factors}",
    ]
    top = top_contributions(snapshot.rules)
    if not top:
        return [*lines, "", "no rule fired"]
    lines += ["", f"top contributions ({len(top)} of {len(snapshot.rules)} fired rules)"]
    floors = [f"floor {rule.min_tier.value}" if rule.min_tier else "" for rule in top]
    width = max(len(rule.rule_id) for rule in top)
    floor_width = max(len(floor) for floor in floors)
    for rule, floor in zip(top, floors, strict=True):
        lines.append(f"  {rule.points:+4d}  {rule.rule_id:<{width}}  {floor:<{floor_width}}  {rule.title}".rstrip())
    return lines


def top_contributions(rules: list[FiredRuleOut]) -> list[FiredRuleOut]:
    """The rules that weighed most: largest points either way first, then rules that set a tier floor; ties
    keep ruleset order."""
    ranked = sorted(rules, key=lambda rule: (-abs(rule.points), rule.min_tier is None))
    return ranked[:TOP]


def rescore_lines(summary: RescoreOut) -> list[str]:
    """The summary line of a rescore and the tier counts it left."""
    moves = ", ".join(f"{move} {count}" for move, count in summary.tier_moves.items())
    moved = f"{summary.changed} moved tier" + (f" ({moves})" if moves else "")
    tiers = ", ".join(f"{tier} {count}" for tier, count in summary.tier_counts_after.items())
    return [
        f"rescored {summary.deals} deals as of {summary.as_of} with ruleset v{summary.ruleset_version}: "
        f"{moved}, {summary.scores_changed} scores changed",
        f"tiers now: {tiers}",
    ]
