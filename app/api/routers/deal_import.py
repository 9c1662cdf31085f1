"""Bulk deal import: POST /v1/deals/import (a file upload)."""

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from app.api.deps import ANALYST, ActorDep, SessionDep
from app.api.idempotency import IdempotencyDep
from app.schemas.common import problems
from app.schemas.deal_import import DealImportResult, ImportFormat, OnExisting
from app.services import deal_import

# Its own router, but the same prefix and tag as the deals. POST /v1/deals/{deal_id} does not exist, so this
# path never competes with the deal routes (which answer GET, PATCH and DELETE there).
router = APIRouter(prefix="/v1/deals", tags=["deals"])


@router.post(
    "/import",
    dependencies=[ANALYST],
    summary="Import deals from a CSV, JSON or YAML file",
    responses={
        **problems(413, 422),
        200: {"description": "A dry run, or nothing new to write (every row skipped)."},
        201: {"description": "The deals (and entities) were written."},
    },
)
def import_deals(
    file: Annotated[UploadFile, File(description="A .csv, .json, .yaml or .yml file, UTF-8 (docs/deal-import.md).")],
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    idempotency: IdempotencyDep,
    format: Annotated[
        ImportFormat | None, Query(description="csv | json | yaml; by default from the file name's extension.")
    ] = None,
    dry_run: Annotated[
        bool, Query(description="Check the file and report what would be created; write nothing.")
    ] = False,
    on_existing: Annotated[
        OnExisting,
        Query(
            description="A row whose ref a stored deal has: `error` (the default) refuses the file, `skip` keeps "
            "the stored deal and reports the row as skipped."
        ),
    ] = OnExisting.error,
) -> DealImportResult:
    """Create many deals at once, all or nothing. Parties are named by entity id (`#12`), ref, name or alias;
    a JSON or YAML file may also create the entities first. Every problem of every row is reported in one 422,
    each with its line (CSV, YAML) or item index (JSON, YAML) and field, and nothing is written. At most
    10,000 deals per file."""
    result = deal_import.import_deals(
        session,
        file.file.read(),
        deal_import.detect_format(file.filename, format),
        actor,
        dry_run=dry_run,
        on_existing=on_existing,
    )
    wrote = result.created > 0 or result.entities_created > 0
    response.status_code = status.HTTP_201_CREATED if wrote and not result.dry_run else status.HTTP_200_OK
    idempotency.remember(response.status_code, result)
    return result
