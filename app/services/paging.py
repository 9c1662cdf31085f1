"""Offset paging for list queries."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlmodel import Session

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


@dataclass(frozen=True)
class PageResult(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def count(session: Session, query: Select[Any]) -> int:
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return int(total)
