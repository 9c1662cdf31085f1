"""Scores: score and keep a snapshot, history, score an unsaved deal, rescore every deal."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic_core import to_jsonable_python

from app.api.deps import ANALYST, VIEWER, ActorDep, IdPath, PageDep, SessionDep
from app.api.idempotency import IdempotencyDep
from app.db.session import unit_of_work
from app.models import ScoreSnapshot
from app.schemas.common import Page, problems
from app.schemas.scoring import RescoreOut, Snapshot, UnsavedDeal
from app.scoring.assess import Assessment
from app.services import rulesets, scoring
from app.vocabulary import Recommendation, Tier

router = APIRouter(tags=["scoring"])

AsOf = Annotated[
    date | None,
    Query(description="Evaluate lists and US measures as of this date (ISO 8601); default today (UTC)."),
]
NDJSON = "application/x-ndjson"


def _as_of(value: date | None) -> date:
    return value if value is not None else datetime.now(UTC).date()


def stored_snapshot(row: ScoreSnapshot) -> Snapshot:
    return Snapshot.model_validate(
        {
            **row.model_dump(exclude={"tier", "recommendation"}),
            "tier": Tier(row.tier),
            "recommendation": Recommendation(row.recommendation),
            "ruleset": {"version": row.ruleset_version, "digest": row.ruleset_digest},
        }
    )


def unsaved_snapshot(result: Assessment) -> Snapshot:
    fields = scoring.snapshot_fields(result)
    return Snapshot.model_validate(
        {
            **fields,
            "id": None,
            "deal_id": None,
            "computed_at": datetime.now(UTC),
            "ruleset": {"version": fields["ruleset_version"], "digest": fields["ruleset_digest"]},
        }
    )


@router.post(
    "/v1/deals/{deal_id}/score",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Score a deal and keep the snapshot",
    responses=problems(404, 409, 422),
)
def score_deal(
    deal_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    idempotency: IdempotencyDep,
    as_of: AsOf = None,
) -> Snapshot:
    """Screen the parties, derive the facts and evaluate the active ruleset; store and return the snapshot
    with every fired rule, its evidence and citation. 409 when no ruleset is active."""
    row = scoring.score_deal(session, deal_id, _as_of(as_of), actor)
    response.headers["Location"] = f"/v1/deals/{deal_id}/scores"
    created = stored_snapshot(row)
    idempotency.remember(status.HTTP_201_CREATED, created, dict(response.headers))
    return created


@router.get(
    "/v1/deals/{deal_id}/scores", dependencies=[VIEWER], summary="Score history of a deal", responses=problems(404, 422)
)
def score_history(deal_id: IdPath, session: SessionDep, page: PageDep) -> Page[Snapshot]:
    """Stored snapshots, newest first."""
    result = scoring.score_history(session, deal_id, page)
    return Page(
        items=[stored_snapshot(r) for r in result.items], total=result.total, limit=result.limit, offset=result.offset
    )


@router.post("/v1/score", dependencies=[VIEWER], summary="Score an unsaved deal", responses=problems(409, 422))
def score_unsaved(body: UnsavedDeal, session: SessionDep, as_of: AsOf = None) -> Snapshot:
    """Score a deal body without storing anything. Parties are `{entity_id, role}` for stored entities or
    inline `{name, country, aliases, state_owned, kind, role}` for ones that are not (screened by name)."""
    return unsaved_snapshot(scoring.score_body(session, body, _as_of(as_of)))


@router.post(
    "/v1/rescore",
    dependencies=[ANALYST],
    summary="Rescore every deal with the active ruleset",
    responses={
        **problems(409, 422),
        200: {
            "content": {NDJSON: {}},
            "description": "The summary, or with `Accept: application/x-ndjson` "
            'progress lines `{"done", "total"}` and then `{"summary": {...}}`.',
        },
    },
)
def rescore(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    as_of: AsOf = None,
    accept: Annotated[str | None, Header()] = None,
) -> RescoreOut:
    """Store a new snapshot for every deal and report how many moved tier (all or nothing). Ask for
    `application/x-ndjson` to follow progress while it runs."""
    day = _as_of(as_of)
    rulesets.get_active(session)  # refuse with 409 before streaming starts
    if accept is not None and NDJSON in accept:
        return StreamingResponse(_stream(request, day, actor), media_type=NDJSON)  # type: ignore[return-value]
    return RescoreOut.model_validate(scoring.rescore_all(session, day, actor), from_attributes=True)


def _stream(request: Request, as_of: date, actor: str) -> Iterator[str]:
    """Progress lines while rescoring in its own unit of work, which commits only when every deal is scored."""
    with unit_of_work(request.app.state.engine) as session:
        steps = scoring.rescore_steps(session, as_of, actor)
        while True:
            try:
                done, total = next(steps)
            except StopIteration as finished:
                summary = RescoreOut.model_validate(finished.value, from_attributes=True)
                break
            yield json.dumps({"done": done, "total": total}) + "\n"
    yield json.dumps({"summary": to_jsonable_python(summary)}) + "\n"
