"""The Python client for the fdi-risk HTTP API: sync and async, typed with the API's own schemas.

    from app.client import FdiRiskClient, to_records

    with FdiRiskClient("http://127.0.0.1:8000") as fdi:
        snapshot = fdi.score_deal(2, as_of="2026-11-24")
        top = to_records(fdi.iter_deals(sort="-score"))

The request and response models are those of `app.schemas` (re-exported here for convenience), so what a
script sends and reads is exactly what the server validates and documents at /docs.
"""

from app.client.aio import AsyncFdiRiskClient
from app.client.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    FdiRiskError,
    FdiRiskUnavailable,
    InvalidInputError,
    NotFoundError,
    PreconditionError,
    ServerError,
)
from app.client.records import deal_record, evidence_text, factor_records, rule_records, snapshot_record, to_records
from app.client.sync import FdiRiskClient
from app.schemas.common import Page
from app.schemas.deal import DealCreate, DealPublic, DealUpdate, PartyIn
from app.schemas.entity import EntityCreate, EntityDetail, EntityPublic, EntityUpdate, OwnershipPublic
from app.schemas.portfolio import PortfolioSummary
from app.schemas.ruleset import RulesetPublic, RulesetSummary, SimulationOut
from app.schemas.scoring import InlineParty, RescoreOut, Snapshot, UnsavedDeal
from app.schemas.screening import EntityScreening, ScreenResponse

__all__ = [
    "AsyncFdiRiskClient",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "DealCreate",
    "DealPublic",
    "DealUpdate",
    "EntityCreate",
    "EntityDetail",
    "EntityPublic",
    "EntityScreening",
    "EntityUpdate",
    "FdiRiskClient",
    "FdiRiskError",
    "FdiRiskUnavailable",
    "InlineParty",
    "InvalidInputError",
    "NotFoundError",
    "OwnershipPublic",
    "Page",
    "PartyIn",
    "PortfolioSummary",
    "PreconditionError",
    "RescoreOut",
    "RulesetPublic",
    "RulesetSummary",
    "ScreenResponse",
    "ServerError",
    "SimulationOut",
    "Snapshot",
    "UnsavedDeal",
    "deal_record",
    "evidence_text",
    "factor_records",
    "rule_records",
    "snapshot_record",
    "to_records",
]
