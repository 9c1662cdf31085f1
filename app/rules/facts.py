"""The fact registry: every fact a rule may test, declared once with its type and meaning."""

from dataclasses import dataclass
from enum import StrEnum

from app.vocabulary import ConcernLevel, DealStatus, DealType, ListCategory, Mitigation, PartyRole


class FactType(StrEnum):
    """The value type of a fact; decides which operators and values a rule may use on it."""

    boolean = "boolean"
    integer = "integer"
    number = "number"
    string = "string"
    date = "date"
    string_set = "string_set"


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One declared fact, published so analysts can write rules without reading code."""

    name: str
    type: FactType
    meaning: str
    example: object
    # For facts drawn from a controlled vocabulary: the values a rule may compare them with.
    choices: tuple[str, ...] | None = None


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


_SPECS: tuple[FactSpec, ...] = (
    FactSpec(
        "as_of",
        FactType.date,
        "The date the deal is evaluated as of (lists and US measures in force then).",
        "2026-11-24",
    ),
    FactSpec(
        "deal.type",
        FactType.string,
        "Kind of deal (acquisition, concession, supply, ...).",
        "acquisition",
        _values(DealType),
    ),
    FactSpec("deal.sector", FactType.string, "Sector code of the deal's target or activity.", "telecom"),
    FactSpec("sector.sensitivity", FactType.integer, "Security sensitivity of the sector, 0 (none) to 5.", 5),
    FactSpec(
        "sector.regimes",
        FactType.string_set,
        "Screening regimes that cover the sector.",
        ["cfius.critical_infrastructure"],
    ),
    FactSpec("deal.value_usd", FactType.integer, "Deal value in whole US dollars.", 1_200_000_000),
    FactSpec("deal.stake_pct", FactType.number, "Equity stake acquired by counterparties, in percent.", 49.9),
    FactSpec("deal.control", FactType.boolean, "Whether counterparties gain control of the target.", True),
    FactSpec("deal.government_party", FactType.boolean, "Whether a host-government body is a party.", False),
    FactSpec("deal.signed_on", FactType.date, "Date the deal was signed (ISO 8601).", "2024-03-15"),
    FactSpec("deal.status", FactType.string, "Lifecycle status of the deal.", "under_review", _values(DealStatus)),
    FactSpec("host.country", FactType.string, "ISO 3166-1 alpha-2 code of the host country.", "IL"),
    FactSpec("host.groups", FactType.string_set, "Country groups the host belongs to.", ["eu", "nato"]),
    FactSpec("counterparty.countries", FactType.string_set, "Countries of the foreign counterparties.", ["CN"]),
    FactSpec(
        "counterparty.country_groups",
        FactType.string_set,
        "Country groups of the foreign counterparties.",
        ["country_of_concern", "foreign_adversary"],
    ),
    FactSpec("counterparty.state_controlled", FactType.boolean, "Whether any counterparty is state-controlled.", True),
    FactSpec(
        "counterparty.lists",
        FactType.string_set,
        "Screening list codes hit by counterparties, direct or inherited.",
        ["US-DOD-1260H"],
    ),
    FactSpec(
        "counterparty.lists_direct",
        FactType.string_set,
        "Screening list codes on which a counterparty itself is named.",
        ["US-DOD-1260H"],
    ),
    FactSpec(
        "counterparty.lists_inherited",
        FactType.string_set,
        "Screening list codes a counterparty inherits from a listed owner through the ownership chain.",
        ["US-OFAC-SDN"],
    ),
    FactSpec(
        "counterparty.list_categories",
        FactType.string_set,
        "Categories of the lists hit (military, sanctions, ...).",
        ["military"],
        _values(ListCategory),
    ),
    FactSpec(
        "counterparty.lists_at_signing",
        FactType.string_set,
        "Screening list codes counterparties were hit by on the signing date; absent when it is unknown.",
        [],
    ),
    FactSpec(
        "counterparty.listed_at_signing",
        FactType.boolean,
        "Whether a counterparty was already listed on the signing date; absent when the date is unknown.",
        True,
    ),
    FactSpec(
        "counterparty.roles",
        FactType.string_set,
        "Roles the foreign counterparties play in the deal (investor, acquirer, operator, supplier).",
        ["operator"],
        _values(PartyRole),
    ),
    FactSpec("counterparty.count", FactType.integer, "Number of foreign counterparties in the deal.", 1),
    FactSpec(
        "parties.lists",
        FactType.string_set,
        "Screening list codes hit by any party of the deal, whatever its role, direct or inherited.",
        ["US-DOD-1260H"],
    ),
    FactSpec(
        "manufacturer.countries",
        FactType.string_set,
        "Countries of the parties that manufacture the goods supplied.",
        ["US"],
    ),
    FactSpec(
        "manufacturer.country_groups",
        FactType.string_set,
        "Country groups of the manufacturing parties (nato, mnna, country_of_concern, ...).",
        ["five_eyes", "nato"],
    ),
    FactSpec(
        "buyer.state_owned",
        FactType.boolean,
        "Whether a host-side buyer or importer is state-owned; absent when the deal has none.",
        False,
    ),
    FactSpec(
        "us.concern_level",
        FactType.string,
        "Level of concern the US has expressed about the deal.",
        "public",
        _values(ConcernLevel),
    ),
    FactSpec(
        "us.domestic_restrictions",
        FactType.string_set,
        "US domestic measures that hit this sector and counterparty, as of the date.",
        ["us.connected_vehicles_2025"],
    ),
    FactSpec(
        "mitigations",
        FactType.string_set,
        "Mitigation codes agreed for the deal.",
        ["data_localisation"],
        _values(Mitigation),
    ),
    FactSpec(
        "deal.attributes.data_access",
        FactType.boolean,
        "Counterparty gains access to sensitive personal or government data.",
        True,
    ),
    FactSpec(
        "deal.attributes.remote_access",
        FactType.boolean,
        "Counterparty can reach the systems remotely (maintenance, updates).",
        True,
    ),
    FactSpec(
        "deal.attributes.technology_transfer",
        FactType.boolean,
        "The deal transfers sensitive technology or know-how.",
        False,
    ),
    FactSpec(
        "deal.attributes.near_sensitive_site",
        FactType.boolean,
        "The asset lies near a military or critical site.",
        True,
    ),
    FactSpec(
        "deal.attributes.near_us_military_presence",
        FactType.boolean,
        "The asset lies near a US military installation or presence.",
        False,
    ),
    FactSpec(
        "deal.attributes.market_share_pct",
        FactType.number,
        "Market share in the host country the counterparty reaches, in percent.",
        35.0,
    ),
    FactSpec(
        "deal.attributes.claimed_signed_before_listing",
        FactType.boolean,
        "Parties claim the deal was signed before the counterparty was listed.",
        False,
    ),
    FactSpec(
        "deal.attributes.host_security_objection",
        FactType.boolean,
        "The host's security services objected to the deal.",
        False,
    ),
    FactSpec(
        "deal.attributes.host_security_restriction",
        FactType.boolean,
        "The host imposed a security restriction on the deal.",
        False,
    ),
)

REGISTRY: dict[str, FactSpec] = {spec.name: spec for spec in _SPECS}
