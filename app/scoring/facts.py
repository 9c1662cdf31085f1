"""Derive the flat, typed fact dict a ruleset is evaluated on, from a deal, its parties and their hits. Pure.

Every fact produced here is declared in `app.rules.facts.REGISTRY`; a test keeps the two in step.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.rules.facts import REGISTRY, FactType
from app.screening.model import Hit
from app.vocabulary import COUNTERPARTY_ROLES, PartyRole

ATTRIBUTE_PREFIX = "deal.attributes."
_BUYER_ROLES = frozenset({PartyRole.buyer, PartyRole.importer})


@dataclass(frozen=True, slots=True)
class PartyInput:
    """A party as the facts need it; `state_controlled` is already resolved through ownership."""

    entity_id: int
    name: str
    role: PartyRole
    country: str | None
    state_controlled: bool


@dataclass(frozen=True, slots=True)
class DealInput:
    """The fields of a deal that facts are derived from."""

    deal_type: str
    sector: str
    host_country: str
    parties: tuple[PartyInput, ...]
    value_usd: int | None = None
    stake_pct: Decimal | None = None
    control: bool = False
    government_party: bool = False
    signed_on: date | None = None
    status: str = "proposed"
    attributes: Mapping[str, Any] = field(default_factory=dict)
    us_concern_level: str = "none"
    mitigations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Restriction:
    """A US domestic measure: the sectors it covers and the countries or lists of counterparties it hits."""

    code: str
    sectors: frozenset[str]
    countries: frozenset[str]
    lists: frozenset[str]
    effective_on: date

    def hits(self, sector: str, countries: frozenset[str], lists: frozenset[str], as_of: date) -> bool:
        """In force, in the deal's sector, and naming a counterparty's country or list (or neutral: any foreigner)."""
        if as_of < self.effective_on or sector not in self.sectors or not countries:
            return False
        if not self.countries and not self.lists:
            return True
        return not self.countries.isdisjoint(countries) or not self.lists.isdisjoint(lists)


@dataclass(frozen=True, slots=True)
class Reference:
    """Reference data facts draw on: sectors, country groups, list categories and US measures."""

    sectors: Mapping[str, tuple[int, frozenset[str]]]
    country_groups: Mapping[str, frozenset[str]]
    list_categories: Mapping[str, str]
    restrictions: Sequence[Restriction]


def counterparties(deal: DealInput) -> list[PartyInput]:
    """Foreign parties whose role makes them the counterparty; a party of unknown country counts as foreign."""
    return [p for p in deal.parties if p.role in COUNTERPARTY_ROLES and p.country != deal.host_country]


def derive_facts(
    deal: DealInput,
    ref: Reference,
    hits: Mapping[int, Sequence[Hit]],
    as_of: date,
    hits_at_signing: Mapping[int, Sequence[Hit]] | None = None,
) -> dict[str, object]:
    """The fact dict for one deal as of a date. Unknown values are left out, so rules on them do not fire.

    `hits` are the screening hits (direct and inherited) per entity as of `as_of`; `hits_at_signing` the same
    as of the signing date, when it is known.
    """
    sensitivity, regimes = ref.sectors[deal.sector]
    foreign = counterparties(deal)
    countries = frozenset(p.country for p in foreign if p.country)
    lists_direct = frozenset(h.list_code for p in foreign for h in hits.get(p.entity_id, ()) if h.direct)
    lists_inherited = frozenset(h.list_code for p in foreign for h in hits.get(p.entity_id, ()) if not h.direct)
    lists = lists_direct | lists_inherited
    manufacturers = [p for p in deal.parties if p.role is PartyRole.manufacturer]
    manufacturer_countries = frozenset(p.country for p in manufacturers if p.country)
    buyers = [p for p in deal.parties if p.role in _BUYER_ROLES]

    facts: dict[str, object] = {
        "as_of": as_of,
        "deal.type": deal.deal_type,
        "deal.sector": deal.sector,
        "sector.sensitivity": sensitivity,
        "sector.regimes": regimes,
        "deal.control": deal.control,
        "deal.government_party": deal.government_party,
        "deal.status": deal.status,
        "host.country": deal.host_country,
        "host.groups": ref.country_groups.get(deal.host_country, frozenset()),
        "counterparty.countries": countries,
        "counterparty.country_groups": _groups(countries, ref),
        "counterparty.state_controlled": any(p.state_controlled for p in foreign),
        "counterparty.lists": lists,
        "counterparty.lists_direct": lists_direct,
        "counterparty.lists_inherited": lists_inherited,
        "counterparty.list_categories": frozenset(ref.list_categories[c] for c in lists if c in ref.list_categories),
        "counterparty.roles": frozenset(p.role.value for p in foreign),
        "counterparty.count": len(foreign),
        "parties.lists": frozenset(h.list_code for p in deal.parties for h in hits.get(p.entity_id, ())),
        "manufacturer.countries": manufacturer_countries,
        "manufacturer.country_groups": _groups(manufacturer_countries, ref),
        "us.concern_level": deal.us_concern_level,
        "us.domestic_restrictions": frozenset(
            r.code for r in ref.restrictions if r.hits(deal.sector, countries, lists, as_of)
        ),
        "mitigations": frozenset(deal.mitigations),
    }
    if deal.value_usd is not None:
        facts["deal.value_usd"] = deal.value_usd
    if deal.stake_pct is not None:
        facts["deal.stake_pct"] = float(deal.stake_pct)
    if deal.signed_on is not None:
        facts["deal.signed_on"] = deal.signed_on
        if hits_at_signing is not None:
            at_signing = frozenset(h.list_code for p in foreign for h in hits_at_signing.get(p.entity_id, ()))
            facts["counterparty.lists_at_signing"] = at_signing
            facts["counterparty.listed_at_signing"] = bool(at_signing)
    if buyers:
        facts["buyer.state_owned"] = any(p.state_controlled for p in buyers)
    facts.update(attribute_facts(deal.attributes))
    return facts


def attribute_facts(attributes: Mapping[str, Any]) -> dict[str, object]:
    """The deal attributes the registry declares, under their fact names; other attributes are context only."""
    out: dict[str, object] = {}
    for key, value in attributes.items():
        name = ATTRIBUTE_PREFIX + key
        spec = REGISTRY.get(name)
        if spec is not None and value is not None and attribute_fits(spec.type, value):
            out[name] = value
    return out


def attribute_fits(fact_type: FactType, value: object) -> bool:
    """Whether a deal attribute's value has its declared fact type (deal input is checked with this too)."""
    if fact_type is FactType.boolean:
        return isinstance(value, bool)
    if fact_type is FactType.integer:
        return isinstance(value, int) and not isinstance(value, bool)
    if fact_type is FactType.number:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _groups(countries: frozenset[str], ref: Reference) -> frozenset[str]:
    return frozenset(g for c in countries for g in ref.country_groups.get(c, ()))


def to_json(facts: Mapping[str, object]) -> dict[str, Any]:
    """Facts as JSON values, sets sorted and dates as ISO strings, so equal facts serialise identically."""
    out: dict[str, Any] = {}
    for name in sorted(facts):
        value = facts[name]
        if isinstance(value, frozenset | set):
            out[name] = sorted(value)
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out
