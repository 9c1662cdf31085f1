"""Use cases for entities and the ownership edges between them. Flush, never commit."""

from decimal import Decimal

from sqlalchemy import String, cast, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.models import DealParty, Entity, Ownership
from app.schemas.entity import EntityCreate, EntityUpdate, OwnershipCreate, OwnershipPublic
from app.services import audit, reference, search
from app.services.concurrency import bump, check_version
from app.services.paging import PageRequest, PageResult, count
from app.services.refs import ensure_ref_free


def _check_country(session: Session, country: str | None) -> None:
    if country is not None and reference.unknown_countries(session, [country]):
        raise InvalidInput(
            f"Unknown country {country!r}.",
            [FieldProblem("country", f"{country!r} is not an ISO 3166-1 alpha-2 code known here (GET /v1/countries)")],
        )


def create_entity(session: Session, data: EntityCreate, actor: str) -> Entity:
    _check_country(session, data.country)
    ensure_ref_free(session, Entity, data.ref)
    entity = Entity(**data.model_dump())
    session.add(entity)
    session.flush()
    audit.record(
        session, actor=actor, action="create", object_type="entity", object_id=entity.id, after=audit.snapshot(entity)
    )
    return entity


def get_entity(session: Session, entity_id: int) -> Entity:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"Entity {entity_id} does not exist.")
    return entity


def list_entities(
    session: Session, page: PageRequest, q: str | None = None, country: str | None = None
) -> PageResult[Entity]:
    query = select(Entity)
    if q:
        needle = search.needle(q)
        query = query.where(
            or_(
                func.lower(Entity.name).contains(needle, autoescape=True),
                func.lower(cast(Entity.aliases, String)).contains(needle, autoescape=True),
            )
        )
    if country:
        query = query.where(Entity.country == country.upper())
    total = count(session, query)
    rows = session.exec(query.order_by(col(Entity.name), col(Entity.id)).limit(page.limit).offset(page.offset))
    return PageResult(list(rows), total, page.limit, page.offset)


def update_entity(
    session: Session, entity_id: int, data: EntityUpdate, expected_version: int | None, actor: str
) -> Entity:
    entity = get_entity(session, entity_id)
    check_version("entity", entity.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "kind", "state_owned", "aliases", "identifiers"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be null.", [FieldProblem(field, "cannot be null")])
    if "country" in changes:
        _check_country(session, changes["country"])
    if "ref" in changes:
        ensure_ref_free(session, Entity, changes["ref"], entity.id)
    before = audit.snapshot(entity)
    for field, value in changes.items():
        setattr(entity, field, value)
    bump(session, entity)
    audit.record(
        session,
        actor=actor,
        action="update",
        object_type="entity",
        object_id=entity.id,
        before=before,
        after=audit.snapshot(entity),
    )
    return entity


def delete_entity(session: Session, entity_id: int, expected_version: int | None, actor: str) -> None:
    entity = get_entity(session, entity_id)
    check_version("entity", entity.version, expected_version)
    deals = list(session.exec(select(DealParty.deal_id).where(DealParty.entity_id == entity_id).distinct()))
    if deals:
        raise Conflict(f"Entity {entity_id} is a party to deal(s) {sorted(deals)}; remove it from those deals first.")
    before = audit.snapshot(entity)
    for edge in session.exec(
        select(Ownership).where(or_(col(Ownership.owner_id) == entity_id, col(Ownership.owned_id) == entity_id))
    ):
        session.delete(edge)
    session.delete(entity)
    session.flush()
    audit.record(session, actor=actor, action="delete", object_type="entity", object_id=entity_id, before=before)


def _edge_out(edge: Ownership, names: dict[int, str]) -> OwnershipPublic:
    return OwnershipPublic(
        owner_id=edge.owner_id,
        owner_name=names[edge.owner_id],
        owned_id=edge.owned_id,
        owned_name=names[edge.owned_id],
        percent=edge.percent,
        control=edge.control,
        source=edge.source,
    )


def ownership_of(session: Session, entity_id: int) -> tuple[list[OwnershipPublic], list[OwnershipPublic]]:
    """The edges into (owners) and out of (holdings) one entity, with the names at both ends."""
    edges = list(
        session.exec(
            select(Ownership)
            .where(or_(col(Ownership.owner_id) == entity_id, col(Ownership.owned_id) == entity_id))
            .order_by(col(Ownership.percent).desc(), col(Ownership.id))
        )
    )
    ids = {e.owner_id for e in edges} | {e.owned_id for e in edges}
    names = dict(session.exec(select(Entity.id, Entity.name).where(col(Entity.id).in_(ids))).all()) if ids else {}
    owners = [_edge_out(e, names) for e in edges if e.owned_id == entity_id]  # type: ignore[arg-type]
    holdings = [_edge_out(e, names) for e in edges if e.owner_id == entity_id]  # type: ignore[arg-type]
    return owners, holdings


def add_owner(session: Session, owned_id: int, data: OwnershipCreate, actor: str) -> OwnershipPublic:
    owned = get_entity(session, owned_id)
    if data.owner_id == owned_id:
        raise InvalidInput(
            "An entity cannot own itself.", [FieldProblem("owner_id", "must differ from the owned entity")]
        )
    owner = session.get(Entity, data.owner_id)
    if owner is None:
        raise InvalidInput(
            f"Owner entity {data.owner_id} does not exist.",
            [FieldProblem("owner_id", f"entity {data.owner_id} does not exist")],
        )
    existing = session.exec(
        select(Ownership).where(Ownership.owner_id == data.owner_id, Ownership.owned_id == owned_id)
    ).first()
    if existing is not None:
        raise Conflict(
            f"Entity {data.owner_id} already owns {existing.percent}% of entity {owned_id}; remove that edge first."
        )
    held = session.exec(
        select(func.coalesce(func.sum(Ownership.percent), 0)).where(Ownership.owned_id == owned_id)
    ).one()
    if Decimal(held) + data.percent > 100:
        raise InvalidInput(
            f"Owners of entity {owned_id} already hold {Decimal(held)}%; {data.percent}% more would exceed 100%.",
            [FieldProblem("percent", f"at most {100 - Decimal(held)} is left")],
        )
    edge = Ownership(
        owner_id=data.owner_id, owned_id=owned_id, percent=data.percent, control=data.control, source=data.source
    )
    session.add(edge)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent writer added the same edge
        raise Conflict(f"Entity {data.owner_id} already owns part of entity {owned_id}.") from exc
    audit.record(
        session, actor=actor, action="create", object_type="ownership", object_id=edge.id, after=audit.snapshot(edge)
    )
    return _edge_out(edge, {owner.id: owner.name, owned.id: owned.name})  # type: ignore[dict-item]


def remove_owner(session: Session, owned_id: int, owner_id: int, actor: str) -> None:
    get_entity(session, owned_id)
    edge = session.exec(select(Ownership).where(Ownership.owner_id == owner_id, Ownership.owned_id == owned_id)).first()
    if edge is None:
        raise NotFound(f"Entity {owner_id} does not own entity {owned_id}.")
    before = audit.snapshot(edge)
    session.delete(edge)
    session.flush()
    audit.record(session, actor=actor, action="delete", object_type="ownership", object_id=before["id"], before=before)
