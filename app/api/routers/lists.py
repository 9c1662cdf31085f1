"""Screening lists (read)."""

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from app.api.deps import ADMIN, VIEWER, ActorDep, PageDep, SessionDep
from app.schemas.common import Page, problems
from app.schemas.screening import ImportResult, RejectedRowOut
from app.schemas.screening_list import ScreeningEntryPublic, ScreeningListPublic
from app.services import lists

router = APIRouter(prefix="/v1/lists", tags=["screening lists"])


@router.get("", dependencies=[VIEWER], summary="Screening lists")
def all_lists(session: SessionDep) -> list[ScreeningListPublic]:
    """Every known list with its authority, category, ownership rule and current version."""
    return lists.all_lists(session)


@router.get("/{code}", dependencies=[VIEWER], summary="One screening list", responses=problems(404))
def get_list(code: str, session: SessionDep) -> ScreeningListPublic:
    """The list's authority, category, ownership rule, current version, content digest and entry count."""
    return lists.to_public(session, lists.get_list(session, code))


@router.get(
    "/{code}/entries",
    dependencies=[VIEWER],
    summary="Entries of a list's current version",
    responses=problems(404, 422),
)
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


@router.post(
    "/{code}/import",
    dependencies=[ADMIN],
    summary="Import a list file as a new version",
    responses={**problems(404, 413, 422), 201: {"description": "A new version was written."}},
)
def import_list(
    code: str,
    file: Annotated[UploadFile, File(description="The list file; multi-file formats (ofac_sdn_csv) as a zip.")],
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    format: Annotated[str, Query(description="dod_1260h_csv | csl_csv | ofac_sdn_csv | ofac_sdn_xml | ftm_jsonl")],
) -> ImportResult:
    """Parse the file and write it as the list's next version, all or nothing. Rows that cannot be read are
    reported with their line numbers; a file that cannot be imported at all is a 422 and leaves the current
    version as it was. Identical content writes nothing (`created: false`)."""
    outcome = lists.import_list(session, code, format, file.file.read(), actor, source_name=file.filename)
    response.status_code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return ImportResult(
        list_code=outcome.list_code,
        version=outcome.version,
        created=outcome.created,
        entries=outcome.entries,
        rejected=[RejectedRowOut(line=r.line, reason=r.reason) for r in outcome.rejected],
    )
