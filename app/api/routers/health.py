"""Liveness and readiness."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db.migrate import current_revision, head_revision

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Liveness: answers as long as the process serves requests; it does not touch the database."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Database reachable and migrated to head",
    responses={503: {"description": "The database is unreachable or migrations are pending."}},
)
def readyz(request: Request) -> JSONResponse:
    """Readiness, for load balancers: 200 when the database answers and its schema is at the latest migration,
    503 otherwise (with the current and head revisions)."""
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(engine)
    except Exception as exc:  # readiness reports any database failure instead of raising
        return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, status_code=503)
    head = head_revision()
    ok = current == head
    return JSONResponse(
        {"status": "ok" if ok else "migrations pending", "revision": current, "head": head},
        status_code=200 if ok else 503,
    )
