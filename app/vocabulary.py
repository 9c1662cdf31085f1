"""Controlled vocabularies shared by the models, the API schemas and the pure rule and scoring code."""

from enum import StrEnum


class EntityKind(StrEnum):
    company = "company"
    state_body = "state_body"
    person = "person"
    fund = "fund"


class DealType(StrEnum):
    acquisition = "acquisition"
    minority_investment = "minority_investment"
    concession = "concession"
    procurement = "procurement"
    supply = "supply"
    joint_venture = "joint_venture"
    greenfield = "greenfield"
    licensing = "licensing"
    market_entry = "market_entry"


class DealStatus(StrEnum):
    proposed = "proposed"
    under_review = "under_review"
    signed = "signed"
    in_operation = "in_operation"
    completed = "completed"
    withdrawn = "withdrawn"
    blocked = "blocked"


class PartyRole(StrEnum):
    investor = "investor"
    acquirer = "acquirer"
    operator = "operator"
    supplier = "supplier"
    buyer = "buyer"
    target = "target"
    financier = "financier"
    manufacturer = "manufacturer"
    importer = "importer"


# Roles whose party is the foreign "counterparty" the rules look at (DESIGN.md section 1).
COUNTERPARTY_ROLES: frozenset[PartyRole] = frozenset(
    {PartyRole.investor, PartyRole.acquirer, PartyRole.operator, PartyRole.supplier}
)


class ConcernLevel(StrEnum):
    none = "none"
    private = "private"
    public = "public"
    official_objection = "official_objection"


class Mitigation(StrEnum):
    """Mitigation measures an analyst can record on a deal; the rules give them negative points."""

    mitigation_agreement = "mitigation_agreement"
    data_localisation = "data_localisation"
    no_remote_access = "no_remote_access"
    security_review = "security_review"
    reciprocity = "reciprocity"
    supply_via_allied_subsidiary = "supply_via_allied_subsidiary"
    ring_fenced_operations = "ring_fenced_operations"
    government_golden_share = "government_golden_share"


class Tier(StrEnum):
    low = "low"
    moderate = "moderate"
    elevated = "elevated"
    high = "high"
    critical = "critical"


TIER_ORDER: tuple[Tier, ...] = (Tier.low, Tier.moderate, Tier.elevated, Tier.high, Tier.critical)


class Recommendation(StrEnum):
    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    escalate = "escalate"
    block = "block"


class ListCategory(StrEnum):
    military = "military"
    export_control = "export_control"
    sanctions = "sanctions"
    telecom = "telecom"
    forced_labor = "forced_labor"


class OwnershipRule(StrEnum):
    none = "none"
    fifty_percent = "fifty_percent"
    listed_affiliates = "listed_affiliates"


class RulesetStatus(StrEnum):
    draft = "draft"
    active = "active"
    retired = "retired"


class Role(StrEnum):
    """API key roles, each including the ones before it: viewer reads, analyst writes, admin administers."""

    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


_ROLE_RANK = {Role.viewer: 0, Role.analyst: 1, Role.admin: 2}
