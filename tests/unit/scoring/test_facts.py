"""Facts derived from a deal, its parties and their screening hits, as of a date."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.rules.facts import REGISTRY, FactType
from app.scoring.facts import DealInput, PartyInput, Reference, Restriction, derive_facts, to_json
from app.screening.model import Hit
from app.vocabulary import PartyRole

REF = Reference(
    sectors={"urban_rail": (4, frozenset({"il.committee.transportation"})), "telecom": (5, frozenset())},
    country_groups={
        "CN": frozenset({"country_of_concern", "foreign_adversary"}),
        "US": frozenset({"five_eyes", "nato"}),
        "IL": frozenset({"mnna"}),
    },
    list_categories={"US-DOD-1260H": "military", "US-FCC-COVERED": "telecom"},
    restrictions=[
        Restriction("us.rolling_stock", frozenset({"urban_rail"}), frozenset({"CN"}), frozenset(), date(2021, 12, 20)),
        Restriction("us.neutral", frozenset({"urban_rail"}), frozenset(), frozenset(), date(2030, 1, 1)),
        Restriction("us.fcc", frozenset({"telecom"}), frozenset(), frozenset({"US-FCC-COVERED"}), date(2021, 3, 12)),
    ],
)
BUYER = PartyInput(1, "Denya Cebus Ltd.", PartyRole.buyer, "IL", False)
SUPPLIER = PartyInput(2, "CRRC Corporation Limited", PartyRole.supplier, "CN", True)
MAKER = PartyInput(3, "CRRC MA Corporation", PartyRole.manufacturer, "US", True)


def light_rail(**fields: Any) -> DealInput:
    values: dict[str, Any] = {
        "deal_type": "procurement",
        "sector": "urban_rail",
        "host_country": "IL",
        "parties": (BUYER, SUPPLIER, MAKER),
        "value_usd": 383_000_000,
        "attributes": {"claimed_signed_before_listing": True, "units": 132, "data_access": "yes"},
        "us_concern_level": "private",
        "mitigations": ("supply_via_allied_subsidiary",),
    }
    values.update(fields)
    return DealInput(**values)


def hit(entity_id: int, via: tuple[int, ...] = ()) -> Hit:
    return Hit(entity_id, "US-DOD-1260H", 51, "CRRC Corporation Limited", 1.0, "CRRC", "CRRC", date(2022, 10, 5), via)


HITS = {2: [hit(2)], 3: [hit(3, via=(2,))]}


def test_light_rail_facts() -> None:
    facts = derive_facts(light_rail(), REF, HITS, date(2026, 11, 24))
    assert facts["counterparty.countries"] == {"CN"}
    assert facts["counterparty.roles"] == {"supplier"} and facts["counterparty.count"] == 1
    assert facts["counterparty.lists"] == facts["counterparty.lists_direct"] == {"US-DOD-1260H"}
    assert facts["counterparty.lists_inherited"] == set()
    assert facts["counterparty.list_categories"] == {"military"}
    assert facts["parties.lists"] == {"US-DOD-1260H"}
    assert facts["manufacturer.countries"] == {"US"} and facts["manufacturer.country_groups"] == {"five_eyes", "nato"}
    assert facts["buyer.state_owned"] is False
    assert facts["us.domestic_restrictions"] == {"us.rolling_stock"}
    assert facts["sector.sensitivity"] == 4 and facts["deal.value_usd"] == 383_000_000
    assert facts["deal.attributes.claimed_signed_before_listing"] is True
    # Undeclared attributes are context only; a declared one of the wrong type is left out.
    assert "deal.attributes.units" not in facts and "deal.attributes.data_access" not in facts
    # Unknown values are absent, so rules about them cannot fire.
    for name in ("deal.signed_on", "deal.stake_pct", "counterparty.listed_at_signing"):
        assert name not in facts


def test_signing_date_facts_compare_listing_then_and_now() -> None:
    deal = light_rail(signed_on=date(2019, 5, 1), stake_pct=Decimal("12.50"))
    facts = derive_facts(deal, REF, HITS, date(2026, 11, 24), hits_at_signing={})
    assert facts["counterparty.listed_at_signing"] is False and facts["counterparty.lists_at_signing"] == set()
    assert facts["deal.stake_pct"] == 12.5
    listed_then = derive_facts(deal, REF, HITS, date(2026, 11, 24), hits_at_signing=HITS)
    assert listed_then["counterparty.listed_at_signing"] is True


def test_domestic_party_in_a_counterparty_role_is_not_a_counterparty() -> None:
    local = PartyInput(5, "Israel Railways", PartyRole.operator, "IL", True)
    facts = derive_facts(light_rail(parties=(BUYER, local)), REF, {}, date(2026, 11, 24))
    assert facts["counterparty.count"] == 0 and facts["counterparty.state_controlled"] is False
    assert facts["us.domestic_restrictions"] == set()
    assert "buyer.state_owned" in facts


def test_us_measures_apply_from_their_effective_date_and_by_list() -> None:
    assert derive_facts(light_rail(), REF, HITS, date(2021, 12, 19))["us.domestic_restrictions"] == set()
    assert derive_facts(light_rail(), REF, HITS, date(2030, 1, 1))["us.domestic_restrictions"] == {
        "us.rolling_stock",
        "us.neutral",
    }
    telecom = light_rail(sector="telecom", parties=(PartyInput(9, "Vendor", PartyRole.supplier, "FI", False),))
    fcc_hit = {9: [Hit(9, "US-FCC-COVERED", 3, "Vendor", 1.0, "Vendor", "Vendor")]}
    assert derive_facts(telecom, REF, {}, date(2026, 1, 1))["us.domestic_restrictions"] == set()
    assert derive_facts(telecom, REF, fcc_hit, date(2026, 1, 1))["us.domestic_restrictions"] == {"us.fcc"}


@pytest.mark.parametrize("signed_on", [None, date(2019, 5, 1)])
def test_every_derived_fact_is_declared_with_its_type(signed_on: date | None) -> None:
    deal = light_rail(signed_on=signed_on, stake_pct=Decimal("10"), attributes={"market_share_pct": 25})
    facts = derive_facts(deal, REF, HITS, date(2026, 11, 24), hits_at_signing=HITS)
    python_types = {
        FactType.boolean: bool,
        FactType.integer: int,
        FactType.number: (int, float),
        FactType.string: str,
        FactType.date: date,
        FactType.string_set: frozenset,
    }
    for name, value in facts.items():
        spec = REGISTRY[name]
        assert isinstance(value, python_types[spec.type]), name
        if spec.choices and isinstance(value, str):
            assert value in spec.choices, name


def test_json_form_is_sorted_and_stable() -> None:
    facts = derive_facts(light_rail(), REF, HITS, date(2026, 11, 24))
    as_json = to_json(facts)
    assert as_json["as_of"] == "2026-11-24"
    assert as_json["manufacturer.country_groups"] == ["five_eyes", "nato"]
    assert list(as_json) == sorted(as_json)
    assert to_json(dict(reversed(list(facts.items())))) == as_json
