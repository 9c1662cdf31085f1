"""`fdi-risk seed`: load reference data, list definitions and imports, the default ruleset, the seed deals,
and a first score for each deal.

Idempotent: reference rows are upserted from the files (the files are their source of truth); lists are
re-imported only when their content changed; the default ruleset is stored once per content; entities,
ownership edges and deals are created once, keyed by `ref`, and never overwritten, so analysts' later edits
survive a second run; only deals never scored are scored. The caller's unit of work makes the whole seed
one transaction.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, SQLModel, col, select

from app.core.errors import FieldProblem, InvalidInput, SeedError
from app.models import (
    Country,
    CountryGroup,
    Deal,
    Entity,
    Ownership,
    Regime,
    ScoreSnapshot,
    ScreeningList,
    Sector,
    UsRestriction,
)
from app.rules.compile import ruleset_digest
from app.schemas.entity import EntityCreate, OwnershipCreate
from app.services import deals, entities, lists, rulesets, scoring
from app.services.seed_files import (
    CountriesFile,
    DealFile,
    EntitySeed,
    ListsFile,
    RestrictionsFile,
    SectorsFile,
    load,
)

ACTOR = "seed"


@dataclass
class SeedReport:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[f"{kind}.{outcome}"] += n

    @property
    def changed(self) -> int:
        return sum(n for key, n in self.counts.items() if not key.endswith(".unchanged"))

    def lines(self) -> list[str]:
        kinds = sorted({key.split(".")[0] for key in self.counts})
        out = []
        for kind in kinds:
            parts = [
                f"{o} {self.counts[f'{kind}.{o}']}"
                for o in ("created", "updated", "unchanged")
                if self.counts[f"{kind}.{o}"]
            ]
            out.append(f"{kind}: {', '.join(parts)}")
        return out


def _upsert(
    session: Session, model: type[SQLModel], key: Any, values: dict[str, Any], report: SeedReport, kind: str
) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(**values))
        report.add(kind, "created")
        return
    if all(getattr(row, k) == v for k, v in values.items()):
        report.add(kind, "unchanged")
        return
    for k, v in values.items():
        setattr(row, k, v)
    session.add(row)
    report.add(kind, "updated")


def seed_reference(session: Session, seeds_dir: Path, report: SeedReport) -> None:
    sectors = load(seeds_dir / "sectors.yaml", SectorsFile)
    countries = load(seeds_dir / "countries.yaml", CountriesFile)
    restrictions = load(seeds_dir / "us_restrictions.yaml", RestrictionsFile)

    regime_codes = {r.code for r in sectors.regimes}
    group_codes = {g.code for g in countries.groups}
    sector_codes = {s.code for s in sectors.sectors}
    country_codes = {c.code for c in countries.countries}
    problems = _duplicates("regimes", [r.code for r in sectors.regimes])
    problems += _duplicates("sectors", [s.code for s in sectors.sectors])
    problems += _duplicates("countries", [c.code for c in countries.countries])
    problems += _duplicates("restrictions", [r.code for r in restrictions.restrictions])
    for i, s in enumerate(sectors.sectors):
        problems += [
            FieldProblem(f"sectors.yaml: sectors.{i}.regimes", f"unknown regime {r!r}")
            for r in s.regimes
            if r not in regime_codes
        ]
    for i, c in enumerate(countries.countries):
        problems += [
            FieldProblem(f"countries.yaml: countries.{i}.groups", f"unknown group {g!r}")
            for g in c.groups
            if g not in group_codes
        ]
    for i, r in enumerate(restrictions.restrictions):
        problems += [
            FieldProblem(f"us_restrictions.yaml: restrictions.{i}.sectors", f"unknown sector {s!r}")
            for s in r.sectors
            if s not in sector_codes
        ]
        problems += [
            FieldProblem(f"us_restrictions.yaml: restrictions.{i}.countries", f"unknown country {c!r}")
            for c in r.countries
            if c not in country_codes
        ]
    if problems:
        raise SeedError("Reference seed files are inconsistent.", problems)

    for regime in sectors.regimes:
        _upsert(session, Regime, regime.code, regime.model_dump(), report, "regimes")
    for s in sectors.sectors:
        _upsert(session, Sector, s.code, s.model_dump(), report, "sectors")
    for g in countries.groups:
        _upsert(session, CountryGroup, g.code, g.model_dump(), report, "country_groups")
    for c in countries.countries:
        _upsert(session, Country, c.code, c.model_dump(), report, "countries")
    for r in restrictions.restrictions:
        _upsert(session, UsRestriction, r.code, r.model_dump(), report, "us_restrictions")
    session.flush()


def _duplicates(what: str, codes: list[str]) -> list[FieldProblem]:
    return [FieldProblem(what, f"code {code!r} appears {n} times") for code, n in Counter(codes).items() if n > 1]


def seed_lists(session: Session, seeds_dir: Path, report: SeedReport) -> None:
    spec = load(seeds_dir / "lists" / "lists.yaml", ListsFile)
    for definition in spec.lists:
        existing = session.exec(select(ScreeningList).where(ScreeningList.code == definition.code)).first()
        values = definition.model_dump()
        if existing is None:
            session.add(ScreeningList(**values))
            report.add("lists", "created")
        elif all(getattr(existing, k) == v for k, v in values.items()):
            report.add("lists", "unchanged")
        else:
            for k, v in values.items():
                setattr(existing, k, v)
            session.add(existing)
            report.add("lists", "updated")
    session.flush()
    for item in spec.imports:
        path = seeds_dir / "lists" / item.file
        if not path.is_file():
            raise SeedError(f"List file {path} named in lists.yaml is missing.")
        outcome = lists.import_list(session, item.code, item.format, path.read_bytes(), ACTOR, source_name=item.file)
        if outcome.rejected:
            raise SeedError(
                f"Seed list {item.file} has rejected rows; seed lists must import whole.",
                [FieldProblem(f"{item.file}: line {r.line}", r.reason) for r in outcome.rejected],
            )
        report.add("list_versions", "created" if outcome.created else "unchanged")


def seed_deals(session: Session, seeds_dir: Path, report: SeedReport) -> None:
    files = sorted((seeds_dir / "deals").glob("*.yaml"))
    parsed = [(path, load(path, DealFile)) for path in files]

    declared: dict[str, EntitySeed] = {}
    for path, file in parsed:
        for seed in file.entities:
            if seed.ref in declared and declared[seed.ref] != seed:
                raise SeedError(f"Entity ref {seed.ref!r} is declared differently in {path.name} and elsewhere.")
            declared[seed.ref] = seed

    entity_ids: dict[str, int] = {}
    for ref, seed in declared.items():
        found = session.exec(select(Entity).where(Entity.ref == ref)).first()
        if found is None:
            found = entities.create_entity(session, EntityCreate.model_validate(seed.model_dump()), ACTOR)
            report.add("entities", "created")
        else:
            report.add("entities", "unchanged")
        entity_ids[ref] = found.id  # type: ignore[assignment]

    for path, file in parsed:
        for edge in file.ownership:
            unknown = [r for r in (edge.owner, edge.owned) if r not in entity_ids]
            if unknown:
                raise SeedError(f"{path.name}: ownership names undeclared entity ref(s) {unknown}.")
            owner_id, owned_id = entity_ids[edge.owner], entity_ids[edge.owned]
            exists = session.exec(
                select(Ownership).where(Ownership.owner_id == owner_id, Ownership.owned_id == owned_id)
            ).first()
            if exists is not None:
                report.add("ownership", "unchanged")
                continue
            entities.add_owner(
                session,
                owned_id,
                OwnershipCreate(owner_id=owner_id, percent=edge.percent, control=edge.control, source=edge.source),
                ACTOR,
            )
            report.add("ownership", "created")

    for path, file in parsed:
        unknown = [p.entity for p in file.deal.parties if p.entity not in entity_ids]
        if unknown:
            raise SeedError(f"{path.name}: deal parties name undeclared entity ref(s) {unknown}.")
        if session.exec(select(Deal).where(Deal.ref == file.deal.ref)).first() is not None:
            report.add("deals", "unchanged")
            continue
        deals.create_deal(session, file.deal.to_create(entity_ids), ACTOR)
        report.add("deals", "created")


def seed_rulesets(session: Session, seeds_dir: Path, report: SeedReport) -> None:
    """Store seeds/rulesets/default.yaml as a version unless equal content is stored; activate it when none is.

    A changed file becomes a new draft rather than replacing the active version, so an operator simulates it
    before activating (`POST /v1/rulesets/{version}/simulate`).
    """
    path = seeds_dir / "rulesets" / "default.yaml"
    if not path.is_file():
        raise SeedError(f"Seed ruleset {path} is missing.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        body = rulesets.canonical_body(data)
    except yaml.YAMLError as exc:
        raise SeedError(f"{path.name} is not valid YAML: {exc}") from exc
    except InvalidInput as exc:
        raise SeedError(f"{path.name}: {exc.detail}", exc.errors) from exc
    row = rulesets.find_by_digest(session, ruleset_digest(body))
    if row is None:
        row = rulesets.create_draft(session, body, None, ACTOR)
        report.add("rulesets", "created")
    else:
        report.add("rulesets", "unchanged")
    if rulesets.find_active(session) is None:
        rulesets.activate(session, row.version, ACTOR)
        report.add("rulesets", "updated")


def seed_scores(session: Session, report: SeedReport, as_of: date) -> None:
    """Score each deal that has never been scored, so a fresh install shows scores at once."""
    scored = select(ScoreSnapshot.deal_id).distinct()
    unscored = session.exec(select(Deal.id).where(col(Deal.id).not_in(scored)).order_by(col(Deal.id))).all()
    for deal_id in unscored:
        scoring.score_deal(session, deal_id, as_of, ACTOR)  # type: ignore[arg-type]
    if unscored:
        report.add("scores", "created", len(unscored))


PARTS = ("reference", "lists", "rulesets", "deals", "scores")


def seed(session: Session, seeds_dir: Path, parts: tuple[str, ...] = PARTS) -> SeedReport:
    """Run the chosen parts in order; reference data must exist before lists and deals."""
    report = SeedReport()
    if "reference" in parts:
        seed_reference(session, seeds_dir, report)
    if "lists" in parts:
        seed_lists(session, seeds_dir, report)
    if "rulesets" in parts:
        seed_rulesets(session, seeds_dir, report)
    if "deals" in parts:
        seed_deals(session, seeds_dir, report)
    if "scores" in parts:
        seed_scores(session, report, datetime.now(UTC).date())
    return report
