"""Seeded synthetic deal facts, shaped like the ones app/scoring derives, for benchmarks that need many deals.

Values come from the seed files (sectors with their sensitivity and regimes, countries with their groups,
list codes with their categories, US measures with their sectors, countries, lists and dates) and from the
fact registry's vocabularies, so every rule of the default ruleset can meet the values it tests. The mix
is that of a screening desk: most deals are clean and from allied or neutral countries, a third involve a
country of concern, and a minority of those hit a list. Every fact is typed as the registry declares it
(string_set as frozenset, date as `date`); facts that would be unknown are left out.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from app.rules.facts import REGISTRY, FactType
from app.vocabulary import ConcernLevel, DealStatus, DealType, Mitigation, PartyRole

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
AS_OF = date(2026, 6, 30)
T = TypeVar("T")

# Origins of the foreign counterparties, with the share of deals from each.
_CONCERN_ORIGINS = {"CN": 70, "HK": 12, "RU": 11, "MO": 3, "IR": 4}
_ALLIED_ORIGINS = {
    "US": 25,
    "GB": 10,
    "DE": 10,
    "FR": 8,
    "JP": 8,
    "KR": 6,
    "CA": 6,
    "NL": 6,
    "IT": 5,
    "AU": 4,
    "SE": 3,
    "CH": 5,
    "IN": 4,
}
_PROFILE_WEIGHTS = {"concern": 33, "allied": 47, "neutral": 20}

# Lists a listed counterparty from a country of concern is typically on, with rough frequencies.
_LISTS_CN = {
    "US-BIS-EL": 40,
    "US-DOD-1260H": 25,
    "US-OFAC-NS-CMIC": 12,
    "US-BIS-MEU": 8,
    "US-FCC-COVERED": 5,
    "US-NDAA-889": 3,
    "US-UFLPA": 5,
    "US-OFAC-SDN": 2,
}
_LISTS_OTHER = {"US-OFAC-SDN": 60, "US-BIS-EL": 35, "US-BIS-MEU": 5}

_DEAL_TYPES = {
    DealType.acquisition: 20,
    DealType.minority_investment: 15,
    DealType.concession: 7,
    DealType.procurement: 12,
    DealType.supply: 15,
    DealType.joint_venture: 10,
    DealType.greenfield: 10,
    DealType.licensing: 5,
    DealType.market_entry: 6,
}
_ROLES = {
    DealType.acquisition: (PartyRole.acquirer,),
    DealType.minority_investment: (PartyRole.investor,),
    DealType.concession: (PartyRole.operator,),
    DealType.procurement: (PartyRole.supplier,),
    DealType.supply: (PartyRole.supplier,),
    DealType.joint_venture: (PartyRole.investor, PartyRole.operator),
    DealType.greenfield: (PartyRole.investor, PartyRole.operator),
    DealType.licensing: (PartyRole.supplier,),
    DealType.market_entry: (PartyRole.supplier, PartyRole.operator),
}
_GOODS = frozenset({DealType.procurement, DealType.supply, DealType.market_entry})
_STATUS = {
    DealStatus.proposed: 15,
    DealStatus.under_review: 30,
    DealStatus.signed: 20,
    DealStatus.in_operation: 15,
    DealStatus.completed: 12,
    DealStatus.withdrawn: 5,
    DealStatus.blocked: 3,
}
_SIGNED = frozenset({DealStatus.signed, DealStatus.in_operation, DealStatus.completed, DealStatus.blocked})
_DATA_SECTORS = frozenset(
    {
        "telecom",
        "data_centres_cloud",
        "health_data",
        "finance",
        "payments_market_infrastructure",
        "connected_vehicles",
        "cybersecurity",
        "government_it_electoral",
        "video_surveillance",
    }
)
_TECH_SECTORS = frozenset(
    {
        "semiconductors",
        "artificial_intelligence",
        "quantum",
        "biotechnology",
        "drones_robotics",
        "defence",
        "aerospace",
        "satellites_space",
        "nuclear",
        "cybersecurity",
    }
)


@dataclass(frozen=True, slots=True)
class _Sector:
    code: str
    sensitivity: int
    regimes: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Measure:
    code: str
    sectors: frozenset[str]
    countries: frozenset[str]
    lists: frozenset[str]
    effective_on: date


class _Seeds:
    """The reference data the facts are drawn from, read once from seeds/."""

    def __init__(self, root: Path) -> None:
        sectors = _load(root / "sectors.yaml")["sectors"]
        self.sectors = [_Sector(s["code"], int(s["sensitivity"]), frozenset(s["regimes"])) for s in sectors]
        # Everyday sectors see more deals than nuclear or quantum.
        busy = {
            "consumer_goods": 6,
            "construction": 4,
            "finance": 3,
            "real_estate_sensitive_sites": 2,
            "energy_generation": 3,
            "food_agriculture": 3,
            "healthcare_pharma": 3,
            "logistics_shipping": 2,
        }
        self.sector_weights = [busy.get(s.code, 1) for s in self.sectors]
        countries = _load(root / "countries.yaml")["countries"]
        self.groups = {str(c["code"]): frozenset(c["groups"]) for c in countries}
        concern = {"country_of_concern", "foreign_adversary"}
        self.neutral = sorted(code for code, groups in self.groups.items() if not groups & concern)
        self.hosts = sorted(code for code, groups in self.groups.items() if groups & {"eu", "nato", "mnna"})
        lists = _load(root / "lists" / "lists.yaml")["lists"]
        self.list_category = {str(entry["code"]): str(entry["category"]) for entry in lists}
        measures = _load(root / "us_restrictions.yaml")["restrictions"]
        self.measures = [
            _Measure(
                m["code"],
                frozenset(m["sectors"]),
                frozenset(m["countries"]),
                frozenset(m["lists"]),
                _as_date(m["effective_on"]),
            )
            for m in measures
        ]
        unknown = {c for w in (_LISTS_CN, _LISTS_OTHER) for c in w} - set(self.list_category)
        if unknown:
            raise ValueError(f"benchmark list codes missing from seeds/lists/lists.yaml: {sorted(unknown)}")


def generate(count: int, seed: int = 20260630) -> list[dict[str, Any]]:
    """`count` deals' facts, the same for the same seed on every machine and Python version."""
    seeds = _Seeds(SEEDS)
    rng = random.Random(seed)
    deals = [_deal(rng, seeds) for _ in range(count)]
    _check_types(deals)
    return deals


def _deal(rng: random.Random, seeds: _Seeds) -> dict[str, Any]:
    """One deal's facts."""
    deal_type = _pick(rng, _DEAL_TYPES)
    sector = rng.choices(seeds.sectors, seeds.sector_weights)[0]
    status = _pick(rng, _STATUS)
    profile = _pick(rng, _PROFILE_WEIGHTS)
    host = "IL" if rng.random() < 0.6 else rng.choice(seeds.hosts)

    count = rng.choices((1, 2, 3), (70, 22, 8))[0]
    countries = frozenset(
        _origin(rng, seeds, profile if i == 0 or rng.random() < 0.7 else "allied") for i in range(count)
    ) - {host}
    countries = countries or frozenset({"US" if host != "US" else "GB"})
    country_groups = frozenset(g for c in countries for g in seeds.groups.get(c, ()))
    concern = bool(country_groups & {"country_of_concern", "foreign_adversary"})

    direct, inherited = _listings(rng, countries, concern)
    lists = direct | inherited
    parties_lists = lists | ({"US-BIS-EL"} if rng.random() < 0.01 else set())

    facts: dict[str, Any] = {
        "as_of": AS_OF,
        "deal.type": deal_type.value,
        "deal.sector": sector.code,
        "sector.sensitivity": sector.sensitivity,
        "sector.regimes": sector.regimes,
        "deal.value_usd": min(int(rng.lognormvariate(18.2, 1.6)), 50_000_000_000),
        "deal.government_party": rng.random()
        < (0.75 if deal_type in (DealType.concession, DealType.procurement) else 0.08),
        "deal.status": status.value,
        "host.country": host,
        "host.groups": seeds.groups.get(host, frozenset()),
        "counterparty.countries": countries,
        "counterparty.country_groups": country_groups,
        "counterparty.state_controlled": rng.random() < (0.55 if concern else 0.08),
        "counterparty.lists": frozenset(lists),
        "counterparty.lists_direct": frozenset(direct),
        "counterparty.lists_inherited": frozenset(inherited),
        "counterparty.list_categories": frozenset(seeds.list_category[c] for c in lists),
        "counterparty.roles": _roles(rng, deal_type),
        "counterparty.count": count,
        "parties.lists": frozenset(parties_lists),
        "us.concern_level": _concern_level(rng, concern, sector.sensitivity).value,
        "us.domestic_restrictions": _measures(seeds, sector.code, countries, lists),
        "mitigations": _mitigations(rng),
    }
    if rng.random() < 0.15:
        del facts["deal.value_usd"]  # undisclosed
    facts.update(_stake(rng, deal_type))
    if status in _SIGNED or rng.random() < 0.1:
        signed_on = date(2015, 1, 1) + timedelta(days=rng.randrange((AS_OF - date(2015, 1, 1)).days))
        facts["deal.signed_on"] = signed_on
        # Some listings came after the signing; the rest were already in force.
        at_signing = frozenset(c for c in sorted(lists) if rng.random() < 0.7)
        facts["counterparty.lists_at_signing"] = at_signing
        facts["counterparty.listed_at_signing"] = bool(at_signing)
    # As in app/scoring/facts.py, manufacturer facts are empty sets when no manufacturer is a party, and
    # buyer.state_owned is known only when a buyer or importer is.
    made_in: frozenset[str] = frozenset()
    if deal_type in _GOODS and rng.random() < 0.6:
        made_in = countries if rng.random() < 0.7 else frozenset({_origin(rng, seeds, _pick(rng, _PROFILE_WEIGHTS))})
    facts["manufacturer.countries"] = made_in
    facts["manufacturer.country_groups"] = frozenset(g for c in made_in for g in seeds.groups.get(c, ()))
    if deal_type in _GOODS and rng.random() < 0.5:
        facts["buyer.state_owned"] = facts["deal.government_party"] or rng.random() < 0.1
    facts.update(_attributes(rng, sector.code, concern, bool(lists)))
    return facts


def _origin(rng: random.Random, seeds: _Seeds, profile: str) -> str:
    if profile == "concern":
        return _pick(rng, _CONCERN_ORIGINS)
    if profile == "allied":
        return _pick(rng, _ALLIED_ORIGINS)
    return rng.choice(seeds.neutral)


def _listings(rng: random.Random, countries: frozenset[str], concern: bool) -> tuple[set[str], set[str]]:
    """Direct and inherited list hits: a fifth of concern-country deals, a handful of the others."""
    weights = _LISTS_CN if countries & {"CN", "HK", "MO"} else _LISTS_OTHER
    direct: set[str] = set()
    inherited: set[str] = set()
    if rng.random() < (0.2 if concern else 0.005):
        direct.update(_pick(rng, weights) for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]))
    if rng.random() < (0.07 if concern else 0.002):
        inherited.add(_pick(rng, weights))
    return direct, inherited


def _roles(rng: random.Random, deal_type: DealType) -> frozenset[str]:
    roles = _ROLES[deal_type]
    if len(roles) > 1 and rng.random() < 0.6:
        roles = roles[:1]
    return frozenset(r.value for r in roles)


def _stake(rng: random.Random, deal_type: DealType) -> dict[str, Any]:
    """Equity stake and control, which only equity deals have (a concession gives control without equity)."""
    if deal_type is DealType.acquisition:
        stake = rng.uniform(50, 100) if rng.random() < 0.8 else rng.uniform(25, 50)
    elif deal_type is DealType.minority_investment:
        stake = rng.uniform(1, 49.9)
    elif deal_type is DealType.joint_venture:
        stake = rng.uniform(20, 60)
    elif deal_type is DealType.greenfield:
        stake = 100.0
    elif deal_type is DealType.concession:
        return {"deal.control": True}
    else:
        return {"deal.control": False}
    stake = round(stake, 2)
    return {"deal.stake_pct": stake, "deal.control": stake > 50 or rng.random() < 0.05}


def _concern_level(rng: random.Random, concern: bool, sensitivity: int) -> ConcernLevel:
    if concern and sensitivity >= 4:
        weights = (50, 25, 18, 7)
    elif concern:
        weights = (85, 10, 4, 1)
    else:
        weights = (98, 2, 0, 0)
    return rng.choices(tuple(ConcernLevel), weights)[0]


def _measures(seeds: _Seeds, sector: str, countries: frozenset[str], lists: set[str]) -> frozenset[str]:
    """US measures in force on AS_OF that hit this sector and counterparty (country-neutral ones hit everyone)."""
    hit = set()
    for m in seeds.measures:
        if sector in m.sectors and m.effective_on <= AS_OF:
            neutral = not m.countries and not m.lists
            if neutral or m.countries & countries or m.lists & lists:
                hit.add(m.code)
    return frozenset(hit)


def _mitigations(rng: random.Random) -> frozenset[str]:
    if rng.random() < 0.75:
        return frozenset()
    return frozenset(m.value for m in rng.sample(tuple(Mitigation), rng.choices((1, 2, 3), (60, 30, 10))[0]))


def _attributes(rng: random.Random, sector: str, concern: bool, listed: bool) -> dict[str, Any]:
    """Analyst-entered attributes: each known for most deals, left out when the analyst did not record it."""
    chances = {
        "deal.attributes.data_access": 0.6 if sector in _DATA_SECTORS else 0.15,
        "deal.attributes.remote_access": 0.5 if sector in _DATA_SECTORS else 0.15,
        "deal.attributes.technology_transfer": 0.45 if sector in _TECH_SECTORS else 0.1,
        "deal.attributes.near_sensitive_site": 0.1,
        "deal.attributes.near_us_military_presence": 0.03,
        "deal.attributes.claimed_signed_before_listing": 0.3 if listed else 0.0,
        "deal.attributes.host_security_objection": 0.08 if concern else 0.01,
        "deal.attributes.host_security_restriction": 0.1 if concern else 0.02,
    }
    out: dict[str, Any] = {name: rng.random() < p for name, p in chances.items() if rng.random() < 0.7}
    if rng.random() < 0.3:
        out["deal.attributes.market_share_pct"] = round(rng.uniform(0, 60), 1)
    return out


def _pick(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a mapping")
    return data


_PY_TYPES: dict[FactType, tuple[type, ...]] = {
    FactType.boolean: (bool,),
    FactType.integer: (int,),
    FactType.number: (int, float),
    FactType.string: (str,),
    FactType.date: (date,),
    FactType.string_set: (frozenset,),
}


def _check_types(deals: list[dict[str, Any]]) -> None:
    """Every generated fact is declared in the registry, typed as declared, and inside its vocabulary."""
    for facts in deals:
        for name, value in facts.items():
            spec = REGISTRY.get(name)
            if spec is None:
                raise ValueError(f"generated fact {name!r} is not in the registry")
            if not isinstance(value, _PY_TYPES[spec.type]) or (
                spec.type is not FactType.boolean and isinstance(value, bool)
            ):
                raise TypeError(f"generated fact {name!r} = {value!r} is not a {spec.type.value}")
            if spec.choices is not None:
                values = value if isinstance(value, frozenset) else {value}
                if not values <= set(spec.choices):
                    raise ValueError(f"generated fact {name!r} = {value!r} is outside {spec.choices}")
