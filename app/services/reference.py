"""Look-ups of reference data, the existence checks that deals and entities rely on, and the stamp that says
when reference data or a list changed."""

from collections.abc import Iterable

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import Country, ReferenceStamp, Sector, UsRestriction

_STAMP = sa_select(col(ReferenceStamp.stamp)).where(col(ReferenceStamp.id) == 1)


def stamp(session: Session) -> str | None:
    """The reference stamp: database triggers (migration 0005) give it a new random value with any write to
    sectors, countries, US restrictions or screening lists, whoever writes. What a worker built from those tables
    holds while the stamp is the same. None when the row is missing: then nothing may be kept."""
    return session.execute(_STAMP).scalar()


def list_sectors(session: Session) -> list[Sector]:
    return list(session.exec(select(Sector).order_by(col(Sector.sensitivity).desc(), col(Sector.code))))


def list_countries(session: Session, group: str | None = None) -> list[Country]:
    countries = list(session.exec(select(Country).order_by(col(Country.code))))
    if group is not None:
        countries = [c for c in countries if group in c.groups]
    return countries


def list_us_restrictions(session: Session) -> list[UsRestriction]:
    return list(session.exec(select(UsRestriction).order_by(col(UsRestriction.effective_on))))


def unknown_countries(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    known = set(session.exec(select(Country.code).where(col(Country.code).in_(wanted))))
    return wanted - known


def sector_exists(session: Session, code: str) -> bool:
    return session.get(Sector, code) is not None
