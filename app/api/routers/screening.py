"""Screening: a name against every list, an entity through its ownership chain, analysts' decisions."""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ANALYST, VIEWER, ActorDep, IdPath, SessionDep
from app.api.idempotency import IdempotencyDep
from app.schemas.common import problems
from app.schemas.screening import (
    DecisionIn,
    DecisionOut,
    EntityScreening,
    HitOut,
    MatchedNamesOut,
    ScreenRequest,
    ScreenResponse,
)
from app.screening.match import DEFAULT_THRESHOLD
from app.screening.model import Hit
from app.services import screening

router = APIRouter(tags=["screening"])


def _hit(hit: Hit) -> HitOut:
    return HitOut(
        list_code=hit.list_code,
        entry_id=hit.entry_id,
        entry_name=hit.entry_name,
        score=hit.score,
        matched=MatchedNamesOut(query=hit.query, candidate=hit.candidate),
        via=list(hit.via),
        listed_since=hit.listed_since,
        status=hit.status,  # type: ignore[arg-type]
    )


@router.post("/v1/screen", dependencies=[VIEWER], summary="Screen a name", responses=problems(400, 422))
def screen_name(body: ScreenRequest, session: SessionDep) -> ScreenResponse:
    """Screen a name that is not stored against every imported list (or those in `lists`): each hit says which
    of your names matched which name of the entry, with what score. Nothing is stored."""
    hits = screening.screen_name(
        session, body.name, body.aliases, body.country, body.as_of, body.lists, body.threshold, body.limit
    )
    threshold = body.threshold if body.threshold is not None else DEFAULT_THRESHOLD
    return ScreenResponse(name=body.name, as_of=body.as_of, threshold=threshold, hits=[_hit(h) for h in hits])


@router.get(
    "/v1/entities/{entity_id}/screening",
    dependencies=[VIEWER],
    summary="Screen an entity",
    responses=problems(404, 422),
)
def screen_entity(
    entity_id: IdPath,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="Default today (UTC).")] = None,
) -> EntityScreening:
    """The entity's hits as of a date: by its own names, and inherited from owners by each list's ownership
    rule (`via` is the path). Hits an analyst rejected are listed with status `rejected`; they no longer count."""
    day = as_of if as_of is not None else datetime.now(UTC).date()
    hits = screening.screen_entity(session, entity_id, day)
    return EntityScreening(entity_id=entity_id, as_of=day, hits=[_hit(h) for h in hits])


@router.post(
    "/v1/entities/{entity_id}/screening/{entry_id}/decision",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Confirm or reject a hit",
    responses=problems(404, 422),
)
def decide(
    entity_id: IdPath,
    entry_id: IdPath,
    body: DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    idempotency: IdempotencyDep,
) -> DecisionOut:
    """Record an analyst's decision on a hit. A rejected hit never fires again for this entity and entry, in
    screening or scoring, until the list changes the entry's names; a new decision replaces the previous one."""
    row = screening.decide(session, entity_id, entry_id, body.status, body.note, actor)
    created = DecisionOut.model_validate(row, from_attributes=True)
    idempotency.remember(status.HTTP_201_CREATED, created)
    return created
