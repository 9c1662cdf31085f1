"""Screening lists (read)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import PageDep, SessionDep
from app.schemas.common import Page, problems
from app.schemas.screening_list import ScreeningEntryPublic, ScreeningListPublic
from app.services import lists

router = APIRouter(prefix="/v1/lists", tags=["screening lists"])


@router.get("", summary="Screening lists")
def all_lists(session: SessionDep) -> list[ScreeningListPublic]:
    """Every known list with its authority, category, ownership rule and current version."""
    return lists.all_lists(session)


@router.get("/{code}", summary="One screening list", responses=problems(404))
def get_list(code: str, session: SessionDep) -> ScreeningListPublic:
    return lists.to_public(session, lists.get_list(session, code))


@router.get("/{code}/entries", summary="Entries of a list's current version", responses=problems(404, 422))
def list_entries(
    code: str,
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or alias, any case.")] = None,
) -> Page[ScreeningEntryPublic]:
    """Entries as imported, with start and end dates, parent names and the raw source row."""
    result = lists.list_entries(session, code, page, q=q)
    return Page(
        items=[ScreeningEntryPublic.model_validate(e) for e in result.items],
        total=result.total,
        limit=result.limit,
        offset=result.offset,
    )
