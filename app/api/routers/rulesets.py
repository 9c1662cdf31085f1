"""Rulesets and the fact registry: drafts, validation, simulation, activation."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from app.api.deps import ADMIN, ANALYST, VIEWER, ActorDep, IdPath, SessionDep
from app.api.idempotency import IdempotencyDep
from app.models import Ruleset
from app.rules.facts import REGISTRY
from app.rules.validate import operators_for
from app.schemas.common import problems
from app.schemas.ruleset import RULESET_EXAMPLE, FactOut, RulesetPublic, RulesetSummary, SimulationOut
from app.services import rulesets, scoring
from app.vocabulary import RulesetStatus

router = APIRouter(tags=["rulesets"])

RulesetBody = Annotated[
    dict[str, Any],
    Body(
        description="The ruleset: factors, tiers, recommendations, rules and notes (DESIGN.md §2).",
        openapi_examples={"one rule": {"summary": "A minimal ruleset", "value": RULESET_EXAMPLE}},
    ),
]
Notes = Annotated[str | None, Query(max_length=2_000, description="Why this version; kept with it.")]


def _summary(row: Ruleset) -> dict[str, Any]:
    return {
        **row.model_dump(exclude={"status"}),
        "status": RulesetStatus(row.status),
        "rule_count": len(row.body.get("rules", [])),
    }


@router.get("/v1/facts", dependencies=[VIEWER], summary="The fact registry")
def facts() -> list[FactOut]:
    """Every fact a rule may test: its type, meaning, an example, the operators it takes and its values."""
    return [
        FactOut(
            name=spec.name,
            type=spec.type.value,
            meaning=spec.meaning,
            example=spec.example,
            operators=sorted(op.value for op in operators_for(spec.type)),
            choices=list(spec.choices) if spec.choices else None,
        )
        for spec in REGISTRY.values()
    ]


@router.get("/v1/rulesets", dependencies=[VIEWER], summary="Ruleset versions")
def list_rulesets(session: SessionDep) -> list[RulesetSummary]:
    """Every version, newest first, with its status (draft, active, retired)."""
    return [RulesetSummary.model_validate(_summary(r)) for r in rulesets.list_rulesets(session)]


@router.get("/v1/rulesets/active", dependencies=[VIEWER], summary="The active ruleset", responses=problems(409))
def active_ruleset(session: SessionDep) -> RulesetPublic:
    """The version every score uses now, with its rules. 409 when none is active."""
    return RulesetPublic.model_validate(_summary(rulesets.get_active(session)))


@router.get("/v1/rulesets/{version}", dependencies=[VIEWER], summary="One ruleset version", responses=problems(404))
def get_ruleset(version: IdPath, session: SessionDep) -> RulesetPublic:
    """One version with its rules, status and digest; snapshots name the version they were computed with."""
    return RulesetPublic.model_validate(_summary(rulesets.get_ruleset(session, version)))


@router.post(
    "/v1/rulesets",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Create a draft",
    responses=problems(400, 422),
)
def create_draft(
    body: RulesetBody,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    idempotency: IdempotencyDep,
    notes: Notes = None,
) -> RulesetPublic:
    """Validate a ruleset and store it as the next version, in draft. An invalid ruleset is refused with 422
    listing every problem (rule id and path inside `when`); nothing is stored."""
    row = rulesets.create_draft(session, body, notes, actor)
    response.headers["Location"] = f"/v1/rulesets/{row.version}"
    created = RulesetPublic.model_validate(_summary(row))
    idempotency.remember(status.HTTP_201_CREATED, created, dict(response.headers))
    return created


@router.put(
    "/v1/rulesets/{version}", dependencies=[ANALYST], summary="Replace a draft", responses=problems(400, 404, 409, 422)
)
def update_draft(
    version: IdPath, body: RulesetBody, session: SessionDep, actor: ActorDep, notes: Notes = None
) -> RulesetPublic:
    """Replace a draft's rules. Active and retired versions are immutable (409)."""
    return RulesetPublic.model_validate(_summary(rulesets.update_draft(session, version, body, notes, actor)))


@router.post(
    "/v1/rulesets/{version}/simulate",
    dependencies=[ANALYST],
    summary="Simulate a version against every deal",
    responses=problems(404, 409, 422),
)
def simulate(
    version: IdPath,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="Default today (UTC).")] = None,
) -> SimulationOut:
    """Score every stored deal with the active ruleset and with this version on the same facts, and report
    each deal that would move: tiers, score delta, rules that appear or disappear. Stores nothing."""
    day = as_of if as_of is not None else datetime.now(UTC).date()
    return SimulationOut.model_validate(scoring.simulate(session, version, day), from_attributes=True)


@router.post(
    "/v1/rulesets/{version}/activate", dependencies=[ADMIN], summary="Activate a version", responses=problems(404)
)
def activate(version: IdPath, session: SessionDep, actor: ActorDep) -> RulesetPublic:
    """Make this version the one used for scoring; the previously active one is retired. A retired version
    can be activated again to roll back. Scores already stored keep the version they were computed with."""
    return RulesetPublic.model_validate(_summary(rulesets.activate(session, version, actor)))
