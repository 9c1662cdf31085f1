"""All table classes, imported here so that SQLModel.metadata knows every table."""

from app.db import metadata as _metadata  # noqa: F401  (installs the naming convention first)
from app.models.access import ApiKey, IdempotencyRecord
from app.models.audit import AuditEvent
from app.models.deal import Deal, DealParty
from app.models.entity import Entity, Ownership
from app.models.reference import Country, CountryGroup, ReferenceStamp, Regime, Sector, UsRestriction
from app.models.scoring import Ruleset, ScoreSnapshot
from app.models.screening import ListVersion, ScreeningDecision, ScreeningEntry, ScreeningList

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Country",
    "CountryGroup",
    "Deal",
    "DealParty",
    "Entity",
    "IdempotencyRecord",
    "ListVersion",
    "Ownership",
    "ReferenceStamp",
    "Regime",
    "Ruleset",
    "ScoreSnapshot",
    "ScreeningDecision",
    "ScreeningEntry",
    "ScreeningList",
    "Sector",
    "UsRestriction",
]
