"""A FollowTheMoney JSON-lines file the size of a large OpenSanctions export, generated from a fixed seed.

Lines have the shape of an OpenSanctions `entities.ftm.json` export (see tests/fixtures/lists/ftm_sample.jsonl):
`id`, `caption`, `schema`, `properties`, `datasets`, `referents`, `first_seen`, `last_seen`, `last_change`,
`target`, keys sorted. Entities are companies (Company, Organization, LegalEntity; names from
`benchmarks/company_names.py`), people (Person; Chinese, Russian, Arabic and Western names), vessels and
aircraft, with aliases, ISO countries (and the odd FtM code that is not a country), notes, source URLs and
registration numbers. Besides the entities, about one in five has a `Sanction` line carrying its program and
listing date, one in thirty an `Ownership` line naming an owner, one company in a hundred a `parent`, and one
entity in twenty is not a target (a parent or relative). Lines are shuffled within windows of a thousand
entities, so links point both forwards and backwards, as in a real export sorted by id.

The file is written line by line and never held in memory; a million entities make about 560 MB.
"""

import json
import random
from collections.abc import Iterator
from pathlib import Path

from benchmarks.company_names import company_names

SEED = 20_261_201
WINDOW = 1_000

_SCHEMAS = {"Company": 55, "Organization": 8, "LegalEntity": 7, "Person": 25, "Vessel": 3, "Airplane": 2}
_COUNTRIES = {
    "cn": 30, "ru": 18, "ir": 8, "hk": 5, "ae": 5, "kp": 3, "sy": 3, "by": 3, "tr": 3, "us": 4, "gb": 3,
    "de": 2, "cy": 2, "sg": 2, "ve": 2, "mm": 1, "pk": 1, "in": 1, "lb": 1, "iq": 1, "suhh": 1, "zz": 1,
}  # fmt: skip
_DATASETS = ("us_ofac_sdn", "us_bis_entity_list", "eu_fsf", "gb_hmt_sanctions", "un_sc_sanctions", "ru_rupep")
_PROGRAMS = ("SDGT", "IRAN", "RUSSIA-EO14024", "UKRAINE-EO13662", "CMIC-EO13959", "NPWMD", "SYRIA", "DPRK3")
_SOURCE_URLS = (
    "https://sanctionssearch.ofac.treas.gov/",
    "https://www.federalregister.gov/documents/2024/05/01/entity-list-additions",
    "https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions",
    "https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets",
)
_GIVEN = (
    "Wei", "Jun", "Li", "Ming", "Hua", "Yong", "Xiaoping", "Jianguo", "Sergei", "Dmitry", "Alexander", "Igor",
    "Vladimir", "Oleg", "Natalia", "Elena", "Mohammad", "Ali", "Hassan", "Hossein", "Reza", "Ahmad", "Omar",
    "Khalid", "John", "Michael", "David", "Robert", "Maria", "Anna", "Kim", "Ri", "Pak", "Choe",
)  # fmt: skip
_FAMILY = (
    "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Ivanov", "Petrov", "Smirnov",
    "Kuznetsov", "Popov", "Sokolov", "Volkov", "Rostov", "Hosseini", "Rezaei", "Mohammadi", "Karimi", "Al-Assad",
    "Makhlouf", "Haddad", "Smith", "Johnson", "Brown", "Kim", "Ri", "Pak", "Choe", "Jong", "Nasser",
)  # fmt: skip
_VESSEL = ("Ocean", "Star", "Pacific", "Glory", "Fortune", "Horizon", "Pearl", "Sea", "Grace", "Victory", "Jade")


def write(path: Path, entities: int, seed: int = SEED) -> dict[str, int]:
    """Write `entities` entity lines (plus their Sanction and Ownership lines) to `path`; return line counts."""
    rng = random.Random(seed)
    names = company_names(entities, seed=seed)
    counts = {"entities": 0, "targets": 0, "sanctions": 0, "ownerships": 0, "lines": 0, "bytes": 0}
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, entities, WINDOW):
            lines = _window(rng, names, start, min(WINDOW, entities - start), counts)
            rng.shuffle(lines)
            text = "".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n" for line in lines)
            counts["lines"] += len(lines)
            counts["bytes"] += len(text.encode("utf-8"))
            out.write(text)
    return counts


def _id(rng: random.Random) -> str:
    return f"NK-{rng.getrandbits(110):028x}"


def _window(rng: random.Random, names: Iterator[str], start: int, size: int, counts: dict[str, int]) -> list[dict]:
    """`size` entities and the lines linking them to each other."""
    ids = [_id(rng) for _ in range(size)]
    lines: list[dict] = []
    for i, entity_id in enumerate(ids):
        schema = rng.choices(tuple(_SCHEMAS), tuple(_SCHEMAS.values()))[0]
        target = rng.random() >= 0.05
        company_name = next(names)
        props = _properties(rng, schema, company_name)
        if schema in ("Company", "Organization", "LegalEntity") and rng.random() < 0.01:
            props["parent"] = [rng.choice(ids)]
        seen = f"20{rng.randrange(18, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T08:12:44"
        lines.append(
            {
                "id": entity_id,
                "caption": props["name"][0],
                "schema": schema,
                "properties": props,
                "datasets": rng.sample(_DATASETS, rng.choice((1, 1, 1, 2))),
                "referents": [f"ofac-{start + i}"] if rng.random() < 0.4 else [],
                "first_seen": seen,
                "last_seen": "2026-11-20T06:02:11",
                "last_change": seen,
                "target": target,
            }
        )
        counts["entities"] += 1
        counts["targets"] += target
        if target and rng.random() < 0.2:
            lines.append(_sanction(rng, entity_id))
            counts["sanctions"] += 1
        if rng.random() < 1 / 30:
            lines.append(_ownership(rng, rng.choice(ids), entity_id))
            counts["ownerships"] += 1
    return lines


def _properties(rng: random.Random, schema: str, company_name: str) -> dict[str, list[str]]:
    country = rng.choices(tuple(_COUNTRIES), tuple(_COUNTRIES.values()))[0]
    props: dict[str, list[str]] = {"topics": [rng.choice(("sanction", "debarment", "export.control", "role.pep"))]}
    if schema == "Person":
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        props["name"] = [f"{given} {family}"]
        aliases = [f"{family} {given}", f"{family.upper()}, {given}"][: rng.choice((0, 1, 1, 2))]
        props["nationality"] = [country]
        if rng.random() < 0.6:
            props["birthDate"] = [f"19{rng.randrange(40, 100)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"]
        props["firstName"], props["lastName"] = [given], [family]
    elif schema == "Vessel":
        props["name"] = [f"{rng.choice(_VESSEL).upper()} {rng.choice(_VESSEL).upper()} {rng.randrange(1, 99)}"]
        aliases = []
        props["flag"] = [country]
        props["imoNumber"] = [f"IMO{rng.randrange(7_000_000, 9_999_999)}"]
    elif schema == "Airplane":
        props["name"] = [f"{company_name.split()[0]} {rng.choice(('Boeing 737', 'Airbus A320', 'Ilyushin Il-76'))}"]
        aliases = []
        props["country"] = [country]
        props["registrationNumber"] = [f"EP-{rng.randrange(100, 999)}"]
    else:
        props["name"] = [company_name]
        words = company_name.split()
        aliases = [" ".join(words[:2]), "".join(w[0] for w in words if w[0].isalpha()).upper()][: rng.choice((0, 1, 2))]
        props["country" if rng.random() < 0.7 else "jurisdiction"] = [country]
        if rng.random() < 0.3:
            props["registrationNumber"] = [str(rng.randrange(10**9, 10**10))]
        if rng.random() < 0.2:
            props["incorporationDate"] = [str(rng.randrange(1990, 2024))]
    if aliases:
        props["alias"] = aliases
    if rng.random() < 0.3:
        props["notes"] = [f"Designated for operating in the {rng.choice(('technology', 'defence', 'energy'))} sector."]
    if rng.random() < 0.5:
        props["sourceUrl"] = [rng.choice(_SOURCE_URLS)]
    if rng.random() < 0.05:
        props["startDate"] = [f"20{rng.randrange(10, 26)}-{rng.randrange(1, 13):02d}"]
    return props


def _sanction(rng: random.Random, entity_id: str) -> dict:
    start = f"20{rng.randrange(5, 26):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    props = {
        "entity": [entity_id],
        "program": [rng.choice(_PROGRAMS)],
        "authority": ["Office of Foreign Assets Control"],
        "startDate": [start],
        "sourceUrl": [_SOURCE_URLS[0]],
    }
    if rng.random() < 0.03:
        props["endDate"] = ["2026-01-15"]
    return {
        "id": f"{_id(rng)}-sanction",
        "caption": "Sanction",
        "schema": "Sanction",
        "properties": props,
        "datasets": [_DATASETS[0]],
        "referents": [],
        "first_seen": "2024-03-07T10:12:44",
        "last_seen": "2026-11-20T06:02:11",
        "last_change": "2024-03-07T10:12:44",
        "target": False,
    }


def _ownership(rng: random.Random, owner: str, asset: str) -> dict:
    return {
        "id": f"{_id(rng)}-own",
        "caption": "Ownership",
        "schema": "Ownership",
        "properties": {"owner": [owner], "asset": [asset], "percentage": [f"{rng.randrange(10, 101)}"]},
        "datasets": [_DATASETS[0]],
        "referents": [],
        "first_seen": "2024-03-07T10:12:44",
        "last_seen": "2026-11-20T06:02:11",
        "last_change": "2024-03-07T10:12:44",
        "target": False,
    }
