"""Scoring use cases: load what a score needs, assess, store snapshots, rescore, simulate. Flush, never commit."""

from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pydantic_core import to_jsonable_python
from sqlalchemy import Table, bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.models import (
    Country,
    Deal,
    DealParty,
    ScoreSnapshot,
    Sector,
    UsRestriction,
)
from app.models._columns import utcnow
from app.rules.compile import FiredRule
from app.rules.score import score
from app.schemas.scoring import InlineParty, UnsavedDeal
from app.scoring.assess import Assessment, Prepared, RulesetRef, Screen, evaluate, prepare, prepare_facts
from app.scoring.facts import DealInput, PartyInput, Reference, Restriction
from app.screening.model import Hit
from app.screening.ownership import OwnershipGraph
from app.services import audit, deals, reference, rulesets, screening
from app.services.paging import PageRequest, PageResult, count
from app.services.screening import EntityGraph, GraphEntity, Screener, ScreeningIndex

# Rows read back hold plain strings in enum columns, so values are compared with == or re-wrapped.
from app.vocabulary import TIER_ORDER, EntityKind, PartyRole, Tier

BATCH = 500
_SNAPSHOT_TABLE: Table = ScoreSnapshot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Workspace:
    """What scoring reads besides the deal: reference data and the screening index of current list versions."""

    reference: Reference
    index: ScreeningIndex


# One entry per database: the workspace of the newest stamp seen (see `load_workspace`).
_workspaces: dict[str, tuple[str, Workspace]] = {}


def load_workspace(session: Session) -> Workspace:
    """Reference data and screening index, read once per process and kept while the database's reference stamp
    stays the same: a trigger changes the stamp with any write to sectors, countries, US restrictions or lists,
    so a seed, a list import or a hand-typed UPDATE, by this worker or another, is seen by the next score."""
    stamp = reference.stamp(session)
    database = str(session.get_bind().engine.url)
    found = _workspaces.get(database)
    if found is not None and stamp is not None and found[0] == stamp:
        return found[1]
    workspace = _read_workspace(session)
    if stamp is not None:
        _workspaces[database] = (stamp, workspace)
    return workspace


def _read_workspace(session: Session) -> Workspace:
    # Columns, not ORM objects: building 249 Country objects per score was a third of its CPU time under load,
    # before the workspace was cached (docs/BENCHMARKS.md, API).
    sectors = {
        code: (sensitivity, frozenset(regimes))
        for code, sensitivity, regimes in session.execute(
            sa_select(col(Sector.code), col(Sector.sensitivity), col(Sector.regimes))
        )
    }
    groups = {code: frozenset(g) for code, g in session.execute(sa_select(col(Country.code), col(Country.groups)))}
    restrictions = [
        Restriction(code, frozenset(sectors_), frozenset(countries), frozenset(lists), effective_on)
        for code, sectors_, countries, lists, effective_on in session.execute(
            sa_select(
                col(UsRestriction.code),
                col(UsRestriction.sectors),
                col(UsRestriction.countries),
                col(UsRestriction.lists),
                col(UsRestriction.effective_on),
            ).order_by(col(UsRestriction.code))
        )
    ]
    index = screening.load_index(session)
    data = Reference(
        sectors=sectors,
        country_groups=groups,
        list_categories={code: rule.category.value for code, rule in index.rules.items()},
        restrictions=restrictions,
    )
    return Workspace(data, index)


def _screen(screener: Screener, party_ids: Sequence[int]) -> Screen:
    def screen(as_of: date) -> Mapping[int, Sequence[Hit]]:
        return screener.screen(party_ids, as_of)

    return screen


class StoredDeal(Protocol):
    """What scoring reads of a stored deal: a `Deal`, or a row of its columns (a run over every deal reads rows,
    which are far cheaper to load than ORM objects)."""

    @property
    def id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def deal_type(self) -> str: ...
    @property
    def sector(self) -> str: ...
    @property
    def host_country(self) -> str: ...
    @property
    def value_usd(self) -> int | None: ...
    @property
    def stake_pct(self) -> Decimal | None: ...
    @property
    def control(self) -> bool: ...
    @property
    def government_party(self) -> bool: ...
    @property
    def signed_on(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...
    @property
    def us_concern_level(self) -> str: ...
    @property
    def mitigations(self) -> Sequence[str]: ...


class StoredParty(Protocol):
    """A party as scoring reads it: a `DealParty`, or a row of its columns."""

    @property
    def entity_id(self) -> int: ...
    @property
    def role(self) -> str: ...


_DEAL_COLUMNS = sa_select(
    *(
        col(c)
        for c in (
            Deal.id,
            Deal.title,
            Deal.deal_type,
            Deal.sector,
            Deal.host_country,
            Deal.value_usd,
            Deal.stake_pct,
            Deal.control,
            Deal.government_party,
            Deal.signed_on,
            Deal.status,
            Deal.attributes,
            Deal.us_concern_level,
            Deal.mitigations,
        )
    )
)
# Built once with an expanding parameter: building the statement per call cost more than running it.
_PARTIES_OF_DEALS = (
    sa_select(col(DealParty.deal_id), col(DealParty.entity_id), col(DealParty.role))
    .where(col(DealParty.deal_id).in_(bindparam("ids", expanding=True)))
    .order_by(col(DealParty.id))
)


def _deal_input(deal: StoredDeal, parties: Sequence[StoredParty], graph: EntityGraph) -> DealInput:
    return DealInput(
        deal_type=str(deal.deal_type),
        sector=deal.sector,
        host_country=deal.host_country,
        parties=tuple(
            PartyInput(
                entity_id=p.entity_id,
                name=graph.entities[p.entity_id].name,
                role=PartyRole(p.role),
                country=graph.entities[p.entity_id].country,
                state_controlled=graph.state_controlled(p.entity_id),
            )
            for p in parties
        ),
        value_usd=deal.value_usd,
        stake_pct=deal.stake_pct,
        control=deal.control,
        government_party=deal.government_party,
        signed_on=deal.signed_on,
        status=str(deal.status),
        attributes=deal.attributes,
        us_concern_level=str(deal.us_concern_level),
        mitigations=tuple(deal.mitigations),
    )


def new_screener(workspace: Workspace) -> Screener:
    """A screener for one run over many deals: it loads and screens each party and owner once, however many
    deals and signing dates it appears in."""
    return Screener(workspace.index, EntityGraph({}, OwnershipGraph(())), {})


def prepare_deals(
    session: Session,
    workspace: Workspace,
    deals: Sequence[StoredDeal],
    as_of: date,
    screener: Screener | None = None,
) -> dict[int, Prepared]:
    """Facts for a batch of stored deals, loading their parties and ownership in a few queries. A run over many
    batches passes the same `screener` to each (see `new_screener`); the facts are the same either way."""
    screener = screener or new_screener(workspace)
    return {
        deal_id: prepare(deal, workspace.reference, screen, as_of)
        for deal_id, deal, screen in _inputs(session, deals, screener)
    }


def _inputs(
    session: Session, deals: Sequence[StoredDeal], screener: Screener
) -> Iterator[tuple[int, DealInput, Screen]]:
    """Each deal's id, its input for the facts, and a screen of its parties: parties in one query per 500 deals,
    the entities the screener has not met yet, their owners and decisions in a few more."""
    ids: list[int] = [d.id for d in deals]  # type: ignore[misc]
    parties: dict[int, list[StoredParty]] = {i: [] for i in ids}
    for chunk in screening.chunks(ids):
        for party in session.execute(_PARTIES_OF_DEALS, {"ids": list(chunk)}):
            parties[party.deal_id].append(party)
    screener.include(session, {p.entity_id for ps in parties.values() for p in ps})
    for deal_id, deal in zip(ids, deals, strict=True):
        own = parties[deal_id]
        yield deal_id, _deal_input(deal, own, screener.graph), _screen(screener, sorted({p.entity_id for p in own}))


# One statement built once; a core INSERT costs half what the ORM's unit of work does for one row.
_INSERT_SNAPSHOT = insert(_SNAPSHOT_TABLE).returning(_SNAPSHOT_TABLE.c.id)


def _store(session: Session, deal_id: int, result: Assessment, actor: str) -> ScoreSnapshot:
    row = {"deal_id": deal_id, "computed_by": actor, "computed_at": utcnow(), **snapshot_fields(result)}
    snapshot_id = session.execute(_INSERT_SNAPSHOT, row).scalar_one()
    # The stored values as a model for the caller, outside the session: nothing about it is left to flush.
    return ScoreSnapshot.model_construct(id=snapshot_id, **row)


def snapshot_fields(result: Assessment) -> dict[str, Any]:
    """The stored, JSON-safe form of an assessment (also the body of an unsaved score)."""
    return {
        "score": result.score,
        "tier": result.tier,
        "recommendation": result.recommendation,
        "ruleset_version": result.ruleset_version,
        "ruleset_digest": result.ruleset_digest,
        "as_of": result.as_of,
        "factors": [{"factor": f.factor, "points": f.points, "cap": f.cap} for f in result.factors],
        "rules": [
            {
                "rule_id": r.rule_id,
                "factor": r.factor,
                "title": r.title,
                "points": r.points,
                "min_tier": r.min_tier.value if r.min_tier else None,
                "citation": r.citation,
                "evidence": to_jsonable_python(
                    [{"fact": e.fact, "op": e.op, "value": e.value, "actual": e.actual} for e in r.evidence]
                ),
            }
            for r in result.fired
        ],
        "facts": result.facts,
        "screening": result.screening,
        "inputs_digest": result.inputs_digest,
    }


def score_deal(session: Session, deal_id: int, as_of: date, actor: str) -> ScoreSnapshot:
    """Score a stored deal with the active ruleset and keep the snapshot."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.")
    ruleset = rulesets.active_reference(session)
    workspace = load_workspace(session)
    result = evaluate(prepare_deals(session, workspace, [deal], as_of)[deal_id], ruleset)
    snapshot = _store(session, deal_id, result, actor)
    audit.record(
        session,
        actor=actor,
        action="score",
        object_type="deal",
        object_id=deal_id,
        after={"snapshot_id": snapshot.id, "score": result.score, "tier": result.tier.value},
    )
    return snapshot


def score_history(session: Session, deal_id: int, page: PageRequest) -> PageResult[ScoreSnapshot]:
    if session.get(Deal, deal_id) is None:
        raise NotFound(f"Deal {deal_id} does not exist.")
    query = select(ScoreSnapshot).where(ScoreSnapshot.deal_id == deal_id)
    total = count(session, query)
    rows = session.exec(
        query.order_by(col(ScoreSnapshot.computed_at).desc(), col(ScoreSnapshot.id).desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return PageResult(items=list(rows), total=total, limit=page.limit, offset=page.offset)


@dataclass(frozen=True)
class InlineEntity:
    """A party of an unsaved deal that is not stored: screened by its names, with no owners."""

    name: str
    aliases: tuple[str, ...]
    country: str | None
    kind: EntityKind
    state_owned: bool


def score_body(session: Session, body: UnsavedDeal, as_of: date) -> Assessment:
    """Score a deal body without storing anything: parties by entity id or inline."""
    deals.validate_references(session, body.sector, body.host_country, None)
    deal = deals.unsaved_deal(body)
    parties: list[tuple[int | InlineEntity, PartyRole]] = []
    for party in body.parties:
        if isinstance(party, InlineParty):
            inline = InlineEntity(party.name, tuple(party.aliases), party.country, party.kind, party.state_owned)
            parties.append((inline, party.role))
        else:
            parties.append((party.entity_id, party.role))
    return score_unsaved(session, deal, parties, as_of)


def score_unsaved(
    session: Session,
    deal: Deal,
    parties: Sequence[tuple[int | InlineEntity, PartyRole]],
    as_of: date,
) -> Assessment:
    """Score a deal that is not stored; inline parties get temporary negative ids. Nothing is written."""
    ruleset = rulesets.active_reference(session)
    workspace = load_workspace(session)
    stored_ids = [p for p, _ in parties if isinstance(p, int)]
    graph = screening.load_graph(session, stored_ids)
    missing = [
        FieldProblem(f"parties.{i}.entity_id", f"entity {p} does not exist")
        for i, (p, _) in enumerate(parties)
        if isinstance(p, int) and p not in graph.entities
    ]
    if missing:
        raise InvalidInput("The deal refers to entities that do not exist.", missing)
    rows: list[DealParty] = []
    for i, (party, role) in enumerate(parties):
        if isinstance(party, InlineEntity):
            temp_id = -(i + 1)
            graph.entities[temp_id] = GraphEntity(
                temp_id, party.name, party.aliases, party.country, party.kind, party.state_owned
            )
            rows.append(DealParty(deal_id=0, entity_id=temp_id, role=role))
        else:
            rows.append(DealParty(deal_id=0, entity_id=party, role=role))
    screener = Screener(workspace.index, graph, screening.load_decisions(session, stored_ids))
    screen = _screen(screener, sorted({r.entity_id for r in rows}))
    return evaluate(prepare(_deal_input(deal, rows, graph), workspace.reference, screen, as_of), ruleset)


@dataclass
class RescoreSummary:
    deals: int
    changed: int
    scores_changed: int
    tier_moves: dict[str, int]
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]
    ruleset_version: int | None
    as_of: date


Progress = Callable[[int, int], None]


def _latest_scores(session: Session, deal_ids: Sequence[int]) -> dict[int, tuple[Tier, int]]:
    latest = (
        select(ScoreSnapshot.deal_id, func.max(ScoreSnapshot.id).label("id"))
        .where(col(ScoreSnapshot.deal_id).in_(deal_ids))
        .group_by(col(ScoreSnapshot.deal_id))
        .subquery()
    )
    rows = session.exec(
        select(ScoreSnapshot.deal_id, ScoreSnapshot.tier, ScoreSnapshot.score).join(
            latest, col(ScoreSnapshot.id) == latest.c.id
        )
    )
    return {deal_id: (Tier(tier), score) for deal_id, tier, score in rows}


def _deal_batches(session: Session) -> Iterator[Sequence[StoredDeal]]:
    """Every deal, BATCH at a time in id order, as rows."""
    last = 0
    while True:
        batch = session.execute(_DEAL_COLUMNS.where(col(Deal.id) > last).order_by(col(Deal.id)).limit(BATCH)).all()
        if not batch:
            return
        yield batch
        last = batch[-1].id


RescoreSteps = Generator[tuple[int, int], None, RescoreSummary]


def rescore_steps(session: Session, as_of: date, actor: str) -> RescoreSteps:
    """Score every deal with the active ruleset and store the snapshots, comparing tiers with the last ones.

    Yields (done, total) after each batch, so callers can show progress; returns the summary.
    """
    ruleset = rulesets.active_reference(session)
    workspace = load_workspace(session)
    screener = new_screener(workspace)
    total = count(session, select(Deal))
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    done = scores_changed = 0
    for batch in _deal_batches(session):
        previous = _latest_scores(session, [d.id for d in batch])  # type: ignore[misc]
        snapshots: list[dict[str, Any]] = []
        for deal_id, prepared in prepare_deals(session, workspace, batch, as_of, screener).items():
            result = evaluate(prepared, ruleset)
            snapshots.append(
                {"deal_id": deal_id, "computed_by": actor, "computed_at": utcnow(), **snapshot_fields(result)}
            )
            old, old_score = previous.get(deal_id, (None, None))
            if old_score != result.score:
                scores_changed += 1
            before[old.value if old else "unscored"] += 1
            after[result.tier.value] += 1
            if old is not result.tier:
                moves[f"{old.value if old else 'unscored'}->{result.tier.value}"] += 1
        # Plain rows in one statement, without the ORM's bookkeeping for 500 objects.
        session.execute(insert(_SNAPSHOT_TABLE), snapshots)
        done += len(batch)
        yield done, total
    audit.record(
        session,
        actor=actor,
        action="rescore",
        object_type="deal",
        object_id="*",
        after={"deals": done, "ruleset_version": ruleset.version, "as_of": as_of.isoformat()},
    )
    session.flush()
    return RescoreSummary(
        deals=done,
        changed=sum(moves.values()),
        scores_changed=scores_changed,
        tier_moves=dict(sorted(moves.items())),
        tier_counts_before=_ordered_counts(before, with_unscored=True),
        tier_counts_after=_ordered_counts(after),
        ruleset_version=ruleset.version,
        as_of=as_of,
    )


def rescore_all(session: Session, as_of: date, actor: str, progress: Progress | None = None) -> RescoreSummary:
    """Run every rescore step, reporting progress to the callback; return the summary."""
    steps = rescore_steps(session, as_of, actor)
    while True:
        try:
            done, total = next(steps)
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]
        if progress is not None:
            progress(done, total)


def _ordered_counts(counts: Counter[str], with_unscored: bool = False) -> dict[str, int]:
    keys = [t.value for t in TIER_ORDER] + (["unscored"] if with_unscored else [])
    return {k: counts.get(k, 0) for k in keys}


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What simulate compares: a score, tier and fired rules, without the digest and JSON a snapshot stores."""

    score: int
    tier: Tier
    fired: list[FiredRule]


def _outcome(facts: Mapping[str, object], ruleset: RulesetRef) -> _Outcome:
    fired = ruleset.compiled.evaluate(facts)
    result = score(ruleset.compiled, ruleset.compiled.ruleset, fired)
    return _Outcome(result.score, result.tier, fired)


@dataclass
class Move:
    deal_id: int
    title: str
    from_tier: Tier
    to_tier: Tier
    from_score: int
    to_score: int
    delta: int
    rules_added: list[str]
    rules_removed: list[str]


@dataclass
class Simulation:
    version: int
    against_version: int | None
    as_of: date
    deals: int
    changed: int
    moves: list[Move]
    tier_counts_before: dict[str, int]
    tier_counts_after: dict[str, int]


def simulate(session: Session, version: int, as_of: date, progress: Progress | None = None) -> Simulation:
    """Score every stored deal with the active ruleset and with `version` on the same facts; store nothing."""
    candidate_row = rulesets.get_ruleset(session, version)
    candidate = rulesets.reference(candidate_row)
    active: RulesetRef = rulesets.active_reference(session)
    workspace = load_workspace(session)
    screener = new_screener(workspace)
    total = count(session, select(Deal))
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    moves: list[Move] = []
    done = 0
    for batch in _deal_batches(session):
        titles = {d.id: d.title for d in batch}
        for deal_id, deal, screen in _inputs(session, batch, screener):
            facts = prepare_facts(deal, workspace.reference, screen, as_of)
            old, new = _outcome(facts, active), _outcome(facts, candidate)
            before[old.tier.value] += 1
            after[new.tier.value] += 1
            old_ids = {r.rule_id for r in old.fired}
            new_ids = {r.rule_id for r in new.fired}
            if old.score != new.score or old.tier is not new.tier or old_ids != new_ids:
                moves.append(
                    Move(
                        deal_id=deal_id,
                        title=titles[deal_id],
                        from_tier=old.tier,
                        to_tier=new.tier,
                        from_score=old.score,
                        to_score=new.score,
                        delta=new.score - old.score,
                        rules_added=sorted(new_ids - old_ids),
                        rules_removed=sorted(old_ids - new_ids),
                    )
                )
        done += len(batch)
        if progress is not None:
            progress(done, total)
    moves.sort(
        key=lambda m: (-abs(TIER_ORDER.index(m.to_tier) - TIER_ORDER.index(m.from_tier)), -abs(m.delta), m.deal_id)
    )
    return Simulation(
        version=version,
        against_version=active.version,
        as_of=as_of,
        deals=done,
        changed=len(moves),
        moves=moves,
        tier_counts_before=_ordered_counts(before),
        tier_counts_after=_ordered_counts(after),
    )
