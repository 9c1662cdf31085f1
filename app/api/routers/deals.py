"""Deals and their parties."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ANALYST, VIEWER, ActorDep, IdPath, PageDep, RequiredVersion, SessionDep, etag
from app.api.idempotency import IdempotencyDep
from app.schemas.common import CountryCode, Page, problems
from app.schemas.deal import DealCreate, DealPublic, DealUpdate
from app.services import deals
from app.vocabulary import Tier

router = APIRouter(prefix="/v1/deals", tags=["deals"])

_SORT_PATTERN = r"^-?(" + "|".join(sorted(deals.SORT_KEYS)) + r")$"


@router.post(
    "",
    dependencies=[ANALYST],
    status_code=status.HTTP_201_CREATED,
    summary="Record a deal",
    responses=problems(409, 422),
)
def create_deal(
    body: DealCreate, session: SessionDep, actor: ActorDep, response: Response, idempotency: IdempotencyDep
) -> DealPublic:
    """Record a deal with its parties. Sector, host country and every party must exist; all problems are
    reported together and nothing is written when any is found."""
    deal = deals.create_deal(session, body, actor)
    response.headers["ETag"] = etag(deal.version)
    response.headers["Location"] = f"/v1/deals/{deal.id}"
    created = deals.to_public(session, [deal])[0]
    idempotency.remember(status.HTTP_201_CREATED, created, dict(response.headers))
    return created


@router.get("", dependencies=[VIEWER], summary="List deals", responses=problems(422))
def list_deals(
    session: SessionDep,
    page: PageDep,
    sector: Annotated[str | None, Query(max_length=64)] = None,
    tier: Annotated[Tier | None, Query(description="Tier of the latest stored score.")] = None,
    country: Annotated[CountryCode | None, Query(description="Host country or any party's country.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the title or description.")] = None,
    sort: Annotated[
        str, Query(pattern=_SORT_PATTERN, description="Field, `-` for descending, e.g. `-score`.")
    ] = "-created_at",
) -> Page[DealPublic]:
    """Deals with their parties and latest score summary, filtered and sorted."""
    result = deals.list_deals(session, page, sector=sector, tier=tier, country=country, q=q, sort=sort)
    return Page(
        items=deals.to_public(session, result.items), total=result.total, limit=result.limit, offset=result.offset
    )


@router.get("/{deal_id}", dependencies=[VIEWER], summary="One deal", responses=problems(404))
def get_deal(deal_id: IdPath, session: SessionDep, response: Response) -> DealPublic:
    """The deal, its parties and its latest score. The ETag header is the version to send in If-Match."""
    deal = deals.get_deal(session, deal_id)
    response.headers["ETag"] = etag(deal.version)
    return deals.to_public(session, [deal])[0]


@router.patch(
    "/{deal_id}", dependencies=[ANALYST], summary="Change a deal", responses=problems(404, 409, 412, 422, 428)
)
def update_deal(
    deal_id: IdPath,
    body: DealUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: RequiredVersion,
    response: Response,
) -> DealPublic:
    """Change the given fields (`parties` replaces the whole list). Requires `If-Match`."""
    deal = deals.update_deal(session, deal_id, body, expected, actor)
    response.headers["ETag"] = etag(deal.version)
    return deals.to_public(session, [deal])[0]


@router.delete(
    "/{deal_id}",
    dependencies=[ANALYST],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a deal",
    responses=problems(404, 412),
)
def delete_deal(deal_id: IdPath, session: SessionDep, actor: ActorDep, expected: RequiredVersion) -> Response:
    """Delete a deal, its parties and its score history. If-Match is checked when sent."""
    deals.delete_deal(session, deal_id, expected, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
