"""API keys and the audit log: the admin's view of who may call the API and what they changed."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ADMIN, ActorDep, IdPath, PageDep, SessionDep
from app.schemas.access import AuditEventPublic, KeyCreate, KeyCreated, KeyPublic
from app.schemas.common import Page, problems
from app.services import audit, keys

router = APIRouter(tags=["access"])


@router.post(
    "/v1/keys",
    dependencies=[ADMIN],
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
    responses=problems(409, 422),
)
def create_key(body: KeyCreate, session: SessionDep, actor: ActorDep) -> KeyCreated:
    """Create a key with a role: `viewer` reads, `analyst` also writes deals, entities, drafts, decisions and
    scores, `admin` also activates rulesets, imports lists and manages keys. The key is in this response only;
    the server keeps its SHA-256 digest."""
    row, plaintext = keys.create_key(session, name=body.name, role=body.role, actor=actor)
    return KeyCreated(**KeyPublic.model_validate(row).model_dump(), key=plaintext)


@router.get("/v1/keys", dependencies=[ADMIN], summary="List API keys", responses=problems(422))
def list_keys(
    session: SessionDep,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = True,
) -> list[KeyPublic]:
    """Every key's name, role, prefix and state; never the key itself."""
    return [KeyPublic.model_validate(row) for row in keys.list_keys(session, include_revoked=include_revoked)]


@router.delete("/v1/keys/{key_id}", dependencies=[ADMIN], summary="Revoke an API key", responses=problems(404))
def revoke_key(key_id: IdPath, session: SessionDep, actor: ActorDep) -> KeyPublic:
    """Revoke a key: requests with it get 401 from now on. The row stays, so the audit log keeps its name."""
    return KeyPublic.model_validate(keys.revoke_key(session, key_id, actor=actor))


@router.get("/v1/audit", dependencies=[ADMIN], summary="The audit log", responses=problems(422))
def list_audit(
    session: SessionDep,
    page: PageDep,
    actor: Annotated[str | None, Query(max_length=100, description="Name of the key that acted.")] = None,
    action: Annotated[str | None, Query(max_length=32, examples=["update"])] = None,
    object_type: Annotated[str | None, Query(max_length=64, examples=["deal"])] = None,
    object_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[datetime | None, Query(description="From this instant (inclusive), ISO 8601.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant, ISO 8601.")] = None,
) -> Page[AuditEventPublic]:
    """Every write, newest first: who (the key's name), what (action, object type and id), and the object
    before and after, recorded in the same transaction as the change itself."""
    result = audit.list_events(
        session,
        page,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )
    items = [AuditEventPublic.model_validate(e) for e in result.items]
    return Page(items=items, total=result.total, limit=result.limit, offset=result.offset)
