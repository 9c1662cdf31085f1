"""Use cases for deals and their parties. Flush, never commit."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import and_, bindparam, exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.models import Deal, DealParty, Entity, ScoreSnapshot
from app.schemas.deal import (
    DealCreate,
    DealPublic,
    DealUpdate,
    PartyIn,
    PartyOut,
    ScoreSummary,
    SourceRef,
    UsRelations,
)
from app.schemas.portfolio import UNSCORED
from app.services import audit, reference, search
from app.services.concurrency import bump, check_version
from app.services.paging import PageRequest, PageResult, count
from app.services.refs import ensure_ref_free
from app.vocabulary import Tier

SORT_KEYS = {"created_at", "updated_at", "title", "value_usd", "signed_on", "score"}


def validate_references(
    session: Session, sector: str | None, host_country: str | None, parties: Sequence[PartyIn] | None
) -> None:
    """Collect every dangling reference in one 422, so the analyst fixes them in one go."""
    problems: list[FieldProblem] = []
    if sector is not None and not reference.sector_exists(session, sector):
        problems.append(FieldProblem("sector", f"unknown sector {sector!r} (see GET /v1/sectors)"))
    if host_country is not None and reference.unknown_countries(session, [host_country]):
        problems.append(FieldProblem("host_country", f"unknown country {host_country!r} (see GET /v1/countries)"))
    if parties is not None:
        ids = {p.entity_id for p in parties}
        known = set(session.exec(select(Entity.id).where(col(Entity.id).in_(ids)))) if ids else set()
        seen: set[tuple[int, str]] = set()
        for i, party in enumerate(parties):
            if party.entity_id not in known:
                problems.append(FieldProblem(f"parties.{i}.entity_id", f"entity {party.entity_id} does not exist"))
            key = (party.entity_id, party.role.value)
            if key in seen:
                problems.append(FieldProblem(f"parties.{i}", "the same entity appears twice in the same role"))
            seen.add(key)
    if problems:
        raise InvalidInput("The deal refers to records that do not exist or repeats a party.", problems)


def _columns_from(data: dict[str, Any]) -> dict[str, Any]:
    """Map API fields onto table columns (us_relations is two columns; sources are stored as JSON)."""
    columns = {k: v for k, v in data.items() if k not in {"parties", "us_relations", "sources"}}
    if "us_relations" in data and data["us_relations"] is not None:
        columns["us_concern_level"] = data["us_relations"]["concern_level"]
        columns["us_relations_notes"] = data["us_relations"].get("notes")
    if "sources" in data and data["sources"] is not None:
        columns["sources"] = [SourceRef.model_validate(s).model_dump(mode="json") for s in data["sources"]]
    if "mitigations" in data and data["mitigations"] is not None:
        columns["mitigations"] = [str(m) for m in data["mitigations"]]
    return columns


def _audit_view(session: Session, deal: Deal) -> dict[str, Any]:
    view = audit.snapshot(deal)
    view["parties"] = [
        {"entity_id": p.entity_id, "role": p.role}
        for p in session.exec(select(DealParty).where(DealParty.deal_id == deal.id).order_by(col(DealParty.id)))
    ]
    return view


def create_deal(session: Session, data: DealCreate, actor: str) -> Deal:
    validate_references(session, data.sector, data.host_country, data.parties)
    ensure_ref_free(session, Deal, data.ref)
    deal = Deal(**_columns_from(data.model_dump(mode="python")))
    session.add(deal)
    session.flush()
    for party in data.parties:
        session.add(DealParty(deal_id=deal.id, entity_id=party.entity_id, role=party.role))  # type: ignore[arg-type]
    session.flush()
    audit.record(
        session, actor=actor, action="create", object_type="deal", object_id=deal.id, after=_audit_view(session, deal)
    )
    return deal


def unsaved_deal(data: DealCreate) -> Deal:
    """A deal row built from a body but never added to the session (for scoring unsaved deals)."""
    return Deal(**_columns_from(data.model_dump(mode="python", exclude={"parties"})))


def get_deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.")
    return deal


def update_deal(session: Session, deal_id: int, data: DealUpdate, expected_version: int | None, actor: str) -> Deal:
    deal = get_deal(session, deal_id)
    check_version("deal", deal.version, expected_version)
    changes = data.model_dump(mode="python", exclude_unset=True)
    required = (
        "title",
        "deal_type",
        "sector",
        "host_country",
        "control",
        "government_party",
        "status",
        "parties",
        "attributes",
        "us_relations",
        "mitigations",
        "sources",
    )
    nulls = [FieldProblem(f, "cannot be null") for f in required if f in changes and changes[f] is None]
    if nulls:
        raise InvalidInput("Some fields cannot be null.", nulls)
    validate_references(session, changes.get("sector"), changes.get("host_country"), data.parties)
    if "ref" in changes:
        ensure_ref_free(session, Deal, changes["ref"], deal.id)
    before = _audit_view(session, deal)
    for field, value in _columns_from(changes).items():
        setattr(deal, field, value)
    if data.parties is not None:
        for old in session.exec(select(DealParty).where(DealParty.deal_id == deal.id)):
            session.delete(old)
        session.flush()
        for party in data.parties:
            session.add(DealParty(deal_id=deal.id, entity_id=party.entity_id, role=party.role))  # type: ignore[arg-type]
    bump(session, deal)
    audit.record(
        session,
        actor=actor,
        action="update",
        object_type="deal",
        object_id=deal.id,
        before=before,
        after=_audit_view(session, deal),
    )
    return deal


def delete_deal(session: Session, deal_id: int, expected_version: int | None, actor: str) -> None:
    deal = get_deal(session, deal_id)
    check_version("deal", deal.version, expected_version)
    before = _audit_view(session, deal)
    for row in session.exec(select(DealParty).where(DealParty.deal_id == deal_id)):
        session.delete(row)
    for snap in session.exec(select(ScoreSnapshot).where(ScoreSnapshot.deal_id == deal_id)):
        session.delete(snap)
    session.delete(deal)
    session.flush()
    audit.record(session, actor=actor, action="delete", object_type="deal", object_id=deal_id, before=before)


def _latest_snapshot_ids() -> Any:
    return (
        select(ScoreSnapshot.deal_id, func.max(ScoreSnapshot.id).label("snapshot_id"))
        .group_by(col(ScoreSnapshot.deal_id))
        .subquery("latest")
    )


def list_deals(
    session: Session,
    page: PageRequest,
    *,
    sector: str | None = None,
    tier: Tier | Literal["unscored"] | None = None,
    country: str | None = None,
    q: str | None = None,
    sort: str = "-created_at",
) -> PageResult[Deal]:
    """Deals matching the filters; `tier` is the latest stored score's, `unscored` for deals never scored."""
    latest = _latest_snapshot_ids()
    query = (
        select(Deal)
        .outerjoin(latest, latest.c.deal_id == Deal.id)
        .outerjoin(ScoreSnapshot, ScoreSnapshot.id == latest.c.snapshot_id)  # type: ignore[arg-type]
    )
    if sector:
        query = query.where(Deal.sector == sector)
    if tier == UNSCORED:
        query = query.where(col(ScoreSnapshot.id).is_(None))
    elif tier:
        query = query.where(ScoreSnapshot.tier == Tier(tier).value)
    if country:
        code = country.upper()
        party_from_country = exists().where(
            and_(col(DealParty.deal_id) == Deal.id, col(DealParty.entity_id) == Entity.id, col(Entity.country) == code)
        )
        query = query.where(or_(col(Deal.host_country) == code, party_from_country))
    if q:
        needle = search.needle(q)
        query = query.where(
            or_(
                func.lower(Deal.title).contains(needle, autoescape=True),
                func.lower(func.coalesce(Deal.description, "")).contains(needle, autoescape=True),
            )
        )
    total = count(session, query)
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column: Any = ScoreSnapshot.score if key == "score" else getattr(Deal, key)
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    rows = session.exec(query.order_by(ordered, col(Deal.id)).limit(page.limit).offset(page.offset))
    return PageResult(list(rows), total, page.limit, page.offset)


# Built once with expanding parameters: the deal routes shape deals on every call, and building these statements
# cost more than running them.
_PARTIES_OF_DEALS = (
    sa_select(
        col(DealParty.deal_id),
        col(DealParty.role),
        col(Entity.id),
        col(Entity.name),
        col(Entity.country),
        col(Entity.state_owned),
    )
    .join(Entity, col(Entity.id) == col(DealParty.entity_id))
    .where(col(DealParty.deal_id).in_(bindparam("ids", expanding=True)))
    .order_by(col(DealParty.id))
)
# The latest snapshot of these deals only, and only the summary columns: a snapshot's JSON (rules, facts,
# screening) is large and not shown here.
_LATEST_SCORES = sa_select(
    col(ScoreSnapshot.deal_id),
    col(ScoreSnapshot.score),
    col(ScoreSnapshot.tier),
    col(ScoreSnapshot.recommendation),
    col(ScoreSnapshot.as_of),
    col(ScoreSnapshot.computed_at),
).where(
    col(ScoreSnapshot.id).in_(
        sa_select(func.max(ScoreSnapshot.id))
        .where(col(ScoreSnapshot.deal_id).in_(bindparam("ids", expanding=True)))
        .group_by(col(ScoreSnapshot.deal_id))
    )
)


def to_public(session: Session, deals: Sequence[Deal]) -> list[DealPublic]:
    """Shape deals for the API, loading parties and latest scores in two queries rather than per deal."""
    ids = [d.id for d in deals]
    if not ids:
        return []
    parties: dict[int, list[PartyOut]] = defaultdict(list)
    for row in session.execute(_PARTIES_OF_DEALS, {"ids": ids}):
        parties[row.deal_id].append(
            PartyOut(
                entity_id=row.id,
                entity_name=row.name,
                country=row.country,
                state_owned=row.state_owned,
                role=row.role,
            )
        )
    scores = {row.deal_id: row for row in session.execute(_LATEST_SCORES, {"ids": ids})}
    out = []
    for deal in deals:
        snap = scores.get(deal.id)  # type: ignore[arg-type]
        out.append(
            DealPublic(
                id=deal.id,  # type: ignore[arg-type]
                ref=deal.ref,
                title=deal.title,
                description=deal.description,
                deal_type=deal.deal_type,
                sector=deal.sector,
                host_country=deal.host_country,
                value_usd=deal.value_usd,
                stake_pct=deal.stake_pct,
                control=deal.control,
                government_party=deal.government_party,
                signed_on=deal.signed_on,
                status=deal.status,
                parties=parties.get(deal.id, []),  # type: ignore[arg-type]
                attributes=deal.attributes,
                us_relations=UsRelations(concern_level=deal.us_concern_level, notes=deal.us_relations_notes),
                mitigations=deal.mitigations,  # type: ignore[arg-type]
                sources=[SourceRef.model_validate(s) for s in deal.sources],
                latest_score=None
                if snap is None
                else ScoreSummary(
                    score=snap.score,
                    tier=snap.tier,
                    recommendation=snap.recommendation,
                    as_of=snap.as_of,
                    computed_at=snap.computed_at,
                ),
                version=deal.version,
                created_at=deal.created_at,
                updated_at=deal.updated_at,
            )
        )
    return out
