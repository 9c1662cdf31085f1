"""The ruleset pages: the versions, and one version's rules in plain words, grouped by factor. A draft also
shows what it would do to the stored deals (simulated on the spot, nothing stored)."""

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.api.deps import MAX_ID, SessionDep
from app.core.errors import Conflict
from app.models import Ruleset
from app.services import rulesets, scoring
from app.services.keys import Principal
from app.vocabulary import Role, RulesetStatus
from app.web.auth import PageViewer
from app.web.conditions import describe
from app.web.rendering import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

AsOf = Annotated[date | None, Query(description="Simulate a draft as of this date; default today (UTC).")]


@router.get("/rulesets")
def rulesets_page(session: SessionDep, principal: PageViewer) -> HTMLResponse:
    """Every version, newest first."""
    return render("rulesets.html", principal=principal, versions=rulesets.list_rulesets(session))


def _factors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules grouped by factor, factors in the ruleset's order, each rule with its condition in words."""
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in body.get("factors", {})}
    for rule in body.get("rules", []):
        grouped.setdefault(rule["factor"], []).append(
            {**rule, "condition": describe(rule["when"]), "when_json": json.dumps(rule["when"], indent=2)}
        )
    caps = body.get("factors", {})
    return [{"name": name, "cap": caps.get(name, {}).get("cap"), "rules": rules} for name, rules in grouped.items()]


def _simulation(session: Session, row: Ruleset, principal: Principal, as_of: date) -> dict[str, Any] | None:
    """A draft's effect on every stored deal, for roles that may simulate through the API (analyst and up)."""
    if row.status != RulesetStatus.draft:
        return None
    if not principal.role.allows(Role.analyst):
        return {"allowed": False}
    try:
        result = scoring.simulate(session, row.version, as_of)
    except Conflict as exc:
        return {"allowed": True, "error": exc.detail}
    return {
        "allowed": True,
        "error": None,
        "result": result,
        "tier_moves": sum(1 for m in result.moves if m.from_tier != m.to_tier),
    }


def _ruleset_page(session: Session, row: Ruleset, principal: Principal, as_of: date | None) -> HTMLResponse:
    # Read everything from the row first: simulating detaches every object the session holds.
    version = {
        "version": row.version,
        "status": str(row.status),
        "digest": row.digest,
        "notes": row.notes,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "activated_at": row.activated_at,
        "activated_by": row.activated_by,
        "tiers": row.body.get("tiers", []),
        "recommendations": row.body.get("recommendations", {}),
        "rule_count": len(row.body.get("rules", [])),
    }
    factors = _factors(row.body)
    day = as_of or datetime.now(UTC).date()
    simulation = _simulation(session, row, principal, day)
    return render(
        "ruleset.html", principal=principal, ruleset=version, factors=factors, simulation=simulation, as_of=day
    )


@router.get("/rulesets/active")
def active_ruleset_page(session: SessionDep, principal: PageViewer) -> HTMLResponse:
    """The version every score uses now."""
    return _ruleset_page(session, rulesets.get_active(session), principal, None)


@router.get("/rulesets/{version}")
def ruleset_page(
    version: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, principal: PageViewer, as_of: AsOf = None
) -> HTMLResponse:
    """One version; a draft with its simulation against the stored deals."""
    return _ruleset_page(session, rulesets.get_ruleset(session, version), principal, as_of)
