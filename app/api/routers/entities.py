"""Entities and their ownership edges."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ANALYST, VIEWER, ActorDep, IdPath, PageDep, RequiredVersion, SessionDep, etag
from app.api.idempotency import IdempotencyDep
from app.schemas.common import CountryCode, Page, problems
from app.schemas.entity import (
    EntityCreate,
    EntityDetail,
    EntityPublic,
    EntityUpdate,
    OwnershipCreate,
    OwnershipPublic,
)
from app.services import entities

router = APIRouter(prefix="/v1/entities", tags=["entities"])


def _detail(session: SessionDep, entity_id: IdPath) -> EntityDetail:
    entity = entities.get_entity(session, entity_id)
    owners, holdings = entities.ownership_of(session, entity_id)
    return EntityDetail.model_validate(
        {**EntityPublic.model_validate(entity).model_dump(), "owners": owners, "holdings": holdings}
    )


@router.post(
    "",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Record an entity",
    responses=problems(409, 422),
)
def create_entity(
    body: EntityCreate, session: SessionDep, actor: ActorDep, response: Response, idempotency: IdempotencyDep
) -> EntityPublic:
    """Record a company, state body, person or fund that can be a party to deals or an owner of others."""
    entity = entities.create_entity(session, body, actor)
    response.headers["ETag"] = etag(entity.version)
    response.headers["Location"] = f"/v1/entities/{entity.id}"
    created = EntityPublic.model_validate(entity)
    idempotency.remember(status.HTTP_201_CREATED, created, dict(response.headers))
    return created


@router.get("", dependencies=[VIEWER], summary="Search entities", responses=problems(422))
def list_entities(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or alias, any case.")] = None,
    country: Annotated[CountryCode | None, Query()] = None,
) -> Page[EntityPublic]:
    """Entities ordered by name, filtered by a name or alias fragment and by country."""
    result = entities.list_entities(session, page, q=q, country=country)
    return Page(
        items=[EntityPublic.model_validate(e) for e in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )


@router.get(
    "/{entity_id}", dependencies=[VIEWER], summary="One entity with its owners and holdings", responses=problems(404)
)
def get_entity(entity_id: IdPath, session: SessionDep, response: Response) -> EntityDetail:
    """The entity, who owns it and what it owns. The ETag header is the version to send in If-Match."""
    detail = _detail(session, entity_id)
    response.headers["ETag"] = etag(detail.version)
    return detail


@router.patch(
    "/{entity_id}", dependencies=[ANALYST], summary="Change an entity", responses=problems(404, 409, 412, 422, 428)
)
def update_entity(
    entity_id: IdPath,
    body: EntityUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: RequiredVersion,
    response: Response,
) -> EntityPublic:
    """Change the given fields. Requires `If-Match` with the ETag you read; a stale ETag is refused with 412."""
    entity = entities.update_entity(session, entity_id, body, expected, actor)
    response.headers["ETag"] = etag(entity.version)
    return EntityPublic.model_validate(entity)


@router.delete(
    "/{entity_id}",
    dependencies=[ANALYST],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an entity",
    responses=problems(404, 409, 412),
)
def delete_entity(entity_id: IdPath, session: SessionDep, actor: ActorDep, expected: RequiredVersion) -> Response:
    """Delete an entity and its ownership edges. Refused with 409 while it is a party to a deal."""
    entities.delete_entity(session, entity_id, expected, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{entity_id}/owners", dependencies=[VIEWER], summary="Owners of an entity", responses=problems(404))
def list_owners(entity_id: IdPath, session: SessionDep) -> list[OwnershipPublic]:
    """The ownership edges pointing at this entity: who holds it, with percent, control flag and source."""
    entities.get_entity(session, entity_id)
    owners, _ = entities.ownership_of(session, entity_id)
    return owners


@router.post(
    "/{entity_id}/owners",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Add an ownership edge",
    responses=problems(404, 409, 422),
)
def add_owner(
    entity_id: IdPath, body: OwnershipCreate, session: SessionDep, actor: ActorDep, idempotency: IdempotencyDep
) -> OwnershipPublic:
    """Record that `owner_id` holds `percent` of this entity. Owners together may hold at most 100%;
    cycles (cross-holdings) are allowed, screening follows them safely."""
    created = entities.add_owner(session, entity_id, body, actor)
    idempotency.remember(status.HTTP_201_CREATED, created)
    return created


@router.delete(
    "/{entity_id}/owners/{owner_id}",
    dependencies=[ANALYST],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an ownership edge",
    responses=problems(404),
)
def remove_owner(entity_id: IdPath, owner_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    """Delete the edge `owner_id` → `entity_id`; hits inherited through it stop at the next screening."""
    entities.remove_owner(session, entity_id, owner_id, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
