"""Deals and their parties."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from app.db.metadata import JSONDoc
from app.models._columns import created_at_field, versioned_mapper_args
from app.vocabulary import ConcernLevel, DealStatus, DealType, PartyRole


class Deal(SQLModel, table=True):
    @declared_attr  # type: ignore[misc, arg-type]
    def __mapper_args__(cls) -> dict[str, Any]:
        return versioned_mapper_args(cls)

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, max_length=100, unique=True)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_type=Text)
    deal_type: DealType = Field(sa_type=String(32), nullable=False)
    sector: str = Field(foreign_key="sector.code", max_length=64, index=True)
    host_country: str = Field(foreign_key="country.code", max_length=2, index=True)
    value_usd: int | None = Field(default=None, sa_type=BigInteger)
    stake_pct: Decimal | None = Field(default=None, sa_type=Numeric(5, 2))
    control: bool = False
    government_party: bool = False
    signed_on: date | None = None
    status: DealStatus = Field(default=DealStatus.proposed, sa_type=String(32), nullable=False)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc, nullable=False)
    us_concern_level: ConcernLevel = Field(default=ConcernLevel.none, sa_type=String(32), nullable=False)
    us_relations_notes: str | None = Field(default=None, sa_type=Text)
    mitigations: list[str] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc, nullable=False)
    # The UPDATE and DELETE carry `WHERE version = <the version read>`: a writer that read a version another
    # writer has since replaced changes no row and gets a 412, even when both passed the If-Match check at once.
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DealParty(SQLModel, table=True):
    __tablename__ = "deal_party"
    __table_args__ = (UniqueConstraint("deal_id", "entity_id", "role", name="uq_deal_party_deal_entity_role"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", index=True)
    entity_id: int = Field(foreign_key="entity.id", ondelete="RESTRICT", index=True)
    role: PartyRole = Field(sa_type=String(32), nullable=False)
