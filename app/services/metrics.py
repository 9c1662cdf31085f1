"""Operational figures read from the database for /metrics: snapshots by tier, list imports, deals."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Deal, ListVersion, ScoreSnapshot, ScreeningList
from app.vocabulary import TIER_ORDER


@dataclass(frozen=True)
class DatabaseFigures:
    scores_by_tier: dict[str, int]
    list_imports: dict[str, int]
    deals: int


def read(session: Session) -> DatabaseFigures:
    """Three small grouped counts. Every tier and every known list appears, with 0 when empty, so a series
    exists from the first scrape and `increase()` sees the first snapshot or import."""
    by_tier = dict.fromkeys((t.value for t in TIER_ORDER), 0)
    for tier, n in session.exec(select(col(ScoreSnapshot.tier), func.count()).group_by(col(ScoreSnapshot.tier))):
        by_tier[str(tier)] = int(n)
    imports = {
        code: int(n)
        for code, n in session.exec(
            select(col(ScreeningList.code), func.count(col(ListVersion.id)))
            .outerjoin(ListVersion, col(ListVersion.list_id) == col(ScreeningList.id))
            .group_by(col(ScreeningList.code))
            .order_by(col(ScreeningList.code))
        )
    }
    deals = session.exec(select(func.count()).select_from(Deal)).one()
    return DatabaseFigures(scores_by_tier=by_tier, list_imports=imports, deals=int(deals))
