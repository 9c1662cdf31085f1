"""Portfolio: simulate a draft ruleset against every stored deal, and rescore every deal, on SQLite and PostgreSQL.

The workload (issue 7, point 4): 100,000 stored deals (`--scale` shrinks it) between about 30,000 entities with
ownership, some named as entries of the 1260H list and the OFAC SDN bench set (`benchmarks/portfolio.py`),
written with bulk inserts into a scratch database that was migrated and seeded as `fdi-risk seed` seeds it
(reference data, lists, the default ruleset), with the SDN bench set imported. A draft is the active default
ruleset with one rule's points raised. The figures call the services the API calls:

- *simulate* (`scoring.simulate`, `POST /v1/rulesets/{version}/simulate`): load every deal with its parties,
  their owners up every chain and the analysts' decisions, screen every party and owner, derive the facts and
  evaluate both rulesets; nothing is stored. Target: 100,000 deals in under 30 s, i.e. at least 3,333 deals/s.
- *rescore* (`scoring.rescore_all`, `POST /v1/rescore`): the same with the active ruleset only, storing a
  snapshot per deal and committing. No target; its baseline is simulate in the same process, so the ratio is
  what building and storing 100,000 snapshots costs. It runs once, after the simulate rounds (about a minute).

The baseline of simulate is the rules alone: both rulesets evaluated and scored on each deal's facts, derived
beforehand by the service (`scoring.prepare_deals`), in memory. The ratio is the share of simulate's time that
is the rules; the rest is reading, screening and deriving. The screening index and the compiled rulesets are
warm, as in a running worker; each simulate screens every party and owner afresh (the screener lives for one
run). Each round runs simulate and the baseline back to back.

PostgreSQL is used at FDI_BENCH_POSTGRES_URL (default: the local server, started if it is down); the scratch
database is created and dropped. When it cannot be reached, the PostgreSQL rows are left out, with a note.
"""

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from app.db.engine import make_engine, normalise_url
from app.db.migrate import upgrade
from app.db.session import unit_of_work
from app.models import Deal, ListVersion, ScreeningEntry, ScreeningList
from app.rules.score import score
from app.services import rulesets, scoring
from app.services.lists import import_list
from app.services.seeding import seed
from benchmarks import portfolio
from benchmarks.bench_imports import sdn_zip
from benchmarks.harness import Result, Settings, measure_rates
from benchmarks.scratch_db import PG_ADMIN_URL, postgres_reachable

ROOT = Path(__file__).resolve().parents[1]
DEALS = 100_000
TARGET_SECONDS = 30.0
AS_OF = date(2026, 6, 30)
ROUNDS = 2  # at most, whatever --repeat says: the module already takes about 4.5 minutes at full scale
CHANGED_RULE = "data_technology.sensitive_data_sector"
ACTOR = "bench"


def run(settings: Settings) -> list[Result]:
    deals = max(1_000, round(DEALS * settings.scale))
    rounds = max(1, min(settings.repeat, ROUNDS))
    results: list[Result] = []
    baseline = Baseline()
    with sqlite_database() as url:
        results += measure("SQLite", url, deals, rounds, baseline)
    problem = postgres_reachable(PG_ADMIN_URL)
    if problem is None:
        with postgres_database(PG_ADMIN_URL) as url:
            results += measure("PostgreSQL", url, deals, rounds, baseline)
    else:
        results[0].details["notes"].append(f"PostgreSQL left out: {problem} (set FDI_BENCH_POSTGRES_URL)")
    return results


class Baseline:
    """Every deal's facts as the service derives them, for the rules-only baseline: derived once, from the first
    database (both hold the same portfolio, so the same facts), and evaluated again in every round."""

    def __init__(self) -> None:
        self.facts: list[dict[str, object]] = []
        self.seconds = 0.0

    def derive(self, engine: Engine) -> None:
        if self.facts:
            return
        start = time.perf_counter()
        with unit_of_work(engine) as session:
            workspace = scoring.load_workspace(session)
            screener = scoring.new_screener(workspace)
            last = 0
            while True:
                query = select(Deal).where(col(Deal.id) > last).order_by(col(Deal.id)).limit(scoring.BATCH)
                batch = list(session.exec(query))
                if not batch:
                    break
                prepared = scoring.prepare_deals(session, workspace, batch, AS_OF, screener)
                self.facts += [p.facts for p in prepared.values()]
                last = batch[-1].id  # type: ignore[assignment]
                session.expunge_all()
        self.seconds = time.perf_counter() - start


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="fdi-bench-portfolio-") as folder:
        yield f"sqlite:///{Path(folder) / 'portfolio.db'}"


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A scratch database on the server, dropped afterwards."""
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"fdi_bench_portfolio_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(url: str, deals: int) -> dict[str, Any]:
    """Migrate, seed, import the SDN bench set, write the portfolio and store the draft; say what was built."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            seed(session, ROOT / "seeds", ("reference", "lists", "rulesets"))
            import_list(session, "US-OFAC-SDN", "ofac_sdn_csv", sdn_zip(), ACTOR, "sdn.zip")
        with unit_of_work(engine) as session:
            listed = listed_names(session)
        timings["seed_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        rows = portfolio.generate(deals, listed)
        timings["generate_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.begin() as conn:
            portfolio.insert(conn, rows)
        timings["insert_seconds"] = time.perf_counter() - start
        with unit_of_work(engine) as session:
            active = rulesets.get_active(session)
            body = draft_body(active.body)
            draft = rulesets.create_draft(session, body, f"bench: {CHANGED_RULE} +5 points", ACTOR).version
    finally:
        engine.dispose()
    return {
        "draft_version": draft,
        "deals": len(rows.deals),
        "entities": len(rows.entities),
        "ownership_edges": len(rows.ownership),
        "parties": len(rows.parties),
        "listed_names_available": len(listed),
        **{k: round(v, 1) for k, v in timings.items()},
    }


def listed_names(session: Session) -> list[portfolio.ListedName]:
    """The entries of every list's current version, in id order, for the generator to name entities after."""
    current = (
        select(ScreeningEntry, ScreeningList.code)
        .join(ListVersion, col(ListVersion.id) == col(ScreeningEntry.list_version_id))
        .join(ScreeningList, col(ScreeningList.id) == col(ListVersion.list_id))
        .where(col(ListVersion.version) == col(ScreeningList.current_version))
        .order_by(col(ScreeningEntry.id))
    )
    return [
        portfolio.ListedName(code, e.name, tuple(e.aliases), e.country)
        for e, code in session.exec(current)
        if e.kind in (None, "company", "other")
    ]


def draft_body(active: dict[str, Any]) -> dict[str, Any]:
    """The active ruleset with one rule's points raised by 5: a change an analyst would simulate first."""
    body = {**active, "rules": [dict(r) for r in active["rules"]]}
    rule = next(r for r in body["rules"] if r["id"] == CHANGED_RULE)
    rule["points"] += 5
    return body


def measure(backend: str, url: str, deals: int, rounds: int, baseline: Baseline) -> list[Result]:
    print(f"  {backend}: building {deals:,} deals ...", flush=True)
    built = build(url, deals)
    engine = make_engine(url)
    try:
        baseline.derive(engine)
        facts = baseline.facts
        with unit_of_work(engine) as session:
            scoring.load_workspace(session)  # the screening index, warm as in a running worker
            active = rulesets.reference(rulesets.get_active(session))
            draft = rulesets.reference(rulesets.get_ruleset(session, built["draft_version"]))
        seconds: dict[str, list[float]] = {"simulate": [], "rescore": []}
        summaries: dict[str, Any] = {}

        def simulate() -> int:
            start = time.perf_counter()
            with unit_of_work(engine) as session:
                result = scoring.simulate(session, built["draft_version"], AS_OF)
            seconds["simulate"].append(time.perf_counter() - start)
            summaries["simulate"] = result
            return result.deals

        def rules_only() -> int:
            for deal_facts in facts:
                for ref in (active, draft):
                    score(ref.compiled, ref.compiled.ruleset, ref.compiled.evaluate(deal_facts))
            return len(facts)

        def rescore() -> int:
            start = time.perf_counter()
            with unit_of_work(engine) as session:
                result = scoring.rescore_all(session, AS_OF, ACTOR)
            seconds["rescore"].append(time.perf_counter() - start)
            summaries["rescore"] = result
            return result.deals

        jobs: dict[str, Callable[[], int]] = {"simulate": simulate, "rules": rules_only}
        print(f"  {backend}: {rounds} round(s) of simulate and the rules alone, then rescore ...", flush=True)
        rates = measure_rates(jobs, rounds)
        rates.update(measure_rates({"rescore": rescore}, 1))
    finally:
        engine.dispose()
    sim, res = summaries["simulate"], summaries["rescore"]
    label = f"{deals:,} stored deals, {backend}"
    listed = sum(bool(f.get("counterparty.lists")) for f in facts) / len(facts)
    common = {**built, "share_listed": round(listed, 4), "rounds": rounds}
    common["facts_derived_seconds"] = round(baseline.seconds, 1)
    notes = [
        f"{backend}: {deals:,} deals, {built['entities']:,} entities, {built['ownership_edges']:,} ownership edges, "
        f"{built['parties']:,} parties; {listed:.1%} of deals have a listed counterparty; generated and inserted "
        f"in {built['generate_seconds'] + built['insert_seconds']:.0f} s",
        f"{backend}: simulate {median(seconds['simulate']):.1f} s (median of {rounds}; target "
        f"{TARGET_SECONDS:.0f} s), rescore {median(seconds['rescore']):.1f} s; the draft moves {sim.changed:,} deals",
        f"{backend}: tiers {', '.join(f'{k} {v / deals:.1%}' for k, v in res.tier_counts_after.items())}",
    ]
    return [
        Result(
            benchmark=f"simulate a draft ruleset ({label})",
            figure=rates["simulate"].median,
            unit="deals/s",
            baseline=rates["rules"].median,
            baseline_label="both rulesets on precomputed facts",
            ratio=rates["simulate"].ratio_to(rates["rules"]),
            target=round(DEALS / TARGET_SECONDS),
            details={
                **common,
                "seconds": rounded(seconds["simulate"]),
                "simulate": rates["simulate"].as_json(),
                "rules": rates["rules"].as_json(),
                "moved_deals": sim.changed,
                "tier_counts_before": sim.tier_counts_before,
                "tier_counts_after": sim.tier_counts_after,
                "note": f"target: {DEALS:,} deals in under {TARGET_SECONDS:.0f} s",
                "notes": notes,
            },
        ),
        Result(
            benchmark=f"rescore every deal ({label})",
            figure=rates["rescore"].median,
            unit="deals/s",
            baseline=rates["simulate"].median,
            baseline_label="simulate, stores nothing",
            ratio=rates["rescore"].median / rates["simulate"].median,
            details={
                "seconds": rounded(seconds["rescore"]),
                "rescore": rates["rescore"].as_json(),
                "tier_counts_after": res.tier_counts_after,
                "snapshots_written": res.deals,
                "note": "one run, after the simulate rounds; the ratio is to simulate's median",
            },
        ),
    ]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rounded(values: list[float]) -> list[float]:
    return [round(v, 2) for v in values]
