"""Rules against a peer engine: the default ruleset in our evaluator and in zen-engine (GoRules), same deals, same run.

The ruleset is translated once into a JDM decision graph (`benchmarks/zen_peer.py`): a decision table with one row
per rule and the "collect" hit policy, plus, for the scored variant, an expression node that scores the fired rules
as `app.rules.score.score` does. Before anything is timed, every deal is evaluated by both engines and must give
the same fired rules in the same order, with the same factor, points and floor, and (scored) the same factor totals,
score, tier and recommendation; any difference fails the benchmark.

Both sides start from precomputed facts in their own form: ours the typed facts dict, zen's the same facts as a
JSON string (nested by the dots of the names, sets as sorted lists), built before timing, since parsing JSON in
Rust is the cheapest way into the binding. What zen is then called with is the fastest of the binding's documented
ways of evaluating, surveyed on a sample in the same run (`ZenDecision.evaluate`, `ZenEngine.evaluate` with a
pre-loaded decision, given a dict or JSON, `ZenEngine.evaluate_batch`, `ZenEngine.async_evaluate`). The survey
and the timing run with every thread of the process pinned to one CPU, since `evaluate_batch` spreads a batch
over zen's worker threads. Our side collects evidence for every fired rule; zen returns the ids of the fired rules
(and, scored, their factor, points and floor) but no evidence, so the comparison favours zen. Target (issue 7):
our evaluator at least 10x zen-engine's throughput through its binding, on one core.
"""

import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from importlib.metadata import version
from typing import Any

import zen

from app.rules.compile import CompiledRuleset, compile_ruleset
from app.rules.model import Ruleset
from app.rules.score import score
from benchmarks import deal_facts, zen_peer
from benchmarks.bench_rules import DEALS, RULESET, Facts, load_ruleset
from benchmarks.harness import Result, Settings, measure_rates

TARGET_RATIO = 10.0
SURVEY_DEALS = 2_000
FIRED, SCORED = "fired", "scored"

Call = Callable[[str], int]  # evaluates every deal against the named decision; returns how many


def run(settings: Settings) -> list[Result]:
    """Check both engines agree on every deal, pick zen's fastest call, then time both sides interleaved."""
    digest, ruleset = load_ruleset(RULESET)
    compiled = compile_ruleset(ruleset)
    deals = deal_facts.generate(max(100, round(DEALS * settings.scale)))
    graphs = {FIRED: zen_peer.translate(ruleset), SCORED: zen_peer.translate(ruleset, score=True)}
    engine = zen.ZenEngine({"loader": {"type": "static", "content": graphs}})
    inputs = [zen_peer.zen_input(facts) for facts in deals]
    contexts = [json.dumps(context) for context in inputs]

    agreement = check_agreement(compiled, ruleset, deals, engine, contexts)
    evaluate = compiled.evaluate

    def ours() -> int:
        for facts in deals:
            evaluate(facts)
        return len(deals)

    def ours_scored() -> int:
        for facts in deals:
            score(compiled, ruleset, evaluate(facts))
        return len(deals)

    def zen_converting() -> int:
        # What a service holding our facts would pay: build zen's JSON context for each deal, then evaluate it.
        for facts in deals:
            engine.evaluate(FIRED, json.dumps(zen_peer.zen_input(facts)))
        return len(deals)

    with one_cpu() as cpu:
        survey = survey_calls(engine, graphs, inputs[:SURVEY_DEALS], contexts[:SURVEY_DEALS])
        way = max(survey, key=survey.__getitem__)
        call = calls(engine, graphs, inputs, contexts)[way]
        jobs: dict[str, Callable[[], int]] = {
            "ours": ours,
            "zen": lambda: call(FIRED),
            "ours+score": ours_scored,
            "zen+score": lambda: call(SCORED),
            "zen+conversion": zen_converting,
        }
        rates = measure_rates(jobs, settings.repeat)
        costs = breakdown(ruleset, contexts, ours)
    label = f"zen-engine {version('zen-engine')}"
    details = {
        "ruleset_digest": digest,
        "rules": len(ruleset.rules),
        "deals": len(deals),
        "zen_engine": version("zen-engine"),
        "zen_call": way,
        "zen_call_survey": {name: round(rate, 1) for name, rate in survey.items()},
        "survey_deals": min(SURVEY_DEALS, len(deals)),
        "pinned_cpu": cpu,
        "graph_json_chars": {name: len(json.dumps(graph)) for name, graph in graphs.items()},
        "agreement": agreement,
        "cpu_us_per_deal": costs,
    }
    notes = [
        f"zen-engine {version('zen-engine')}, one decision table row per rule; both engines fire the same rules "
        f"(with the same points and floors) on all {len(deals):,} deals, and score them alike",
        f"zen called through {way} (fastest of: "
        + ", ".join(f"{name} {rate:,.0f}/s" for name, rate in sorted(survey.items(), key=lambda kv: -kv[1]))
        + f", on {details['survey_deals']:,} deals)",
        f"zen including building its JSON context from our facts: {rates['zen+conversion'].median:,.0f} deals/s; "
        f"best runs: ours {rates['ours'].best:,.0f}/s, zen {rates['zen'].best:,.0f}/s",
        "CPU us per deal: " + "; ".join(f"{name} {us:.1f}" for name, us in costs.items()),
    ]
    return [
        Result(
            benchmark="rules.evaluate vs zen-engine",
            figure=rates["ours"].median,
            unit="deals/s",
            baseline=rates["zen"].median,
            baseline_label=label,
            ratio=rates["ours"].ratio_to(rates["zen"]),
            target=TARGET_RATIO,
            goal="ratio >=",
            details={
                **details,
                "ours": rates["ours"].as_json(),
                "zen": rates["zen"].as_json(),
                "zen_with_conversion": rates["zen+conversion"].as_json(),
                "notes": notes,
            },
        ),
        Result(
            benchmark="rules.evaluate + score vs zen-engine",
            figure=rates["ours+score"].median,
            unit="deals/s",
            baseline=rates["zen+score"].median,
            baseline_label=label,
            ratio=rates["ours+score"].ratio_to(rates["zen+score"]),
            details={"ours": rates["ours+score"].as_json(), "zen": rates["zen+score"].as_json()},
        ),
    ]


def check_agreement(
    compiled: CompiledRuleset, ruleset: Ruleset, deals: Sequence[Facts], engine: Any, contexts: Sequence[str]
) -> dict[str, Any]:
    """Fail loudly unless zen fires the same rules as our evaluator on every deal, and scores them alike.

    Compared per deal: the ids of the fired rules, in order (fired-only graph); the same with each rule's factor,
    points and floor tier (scored graph); then the score, tier, recommendation and every factor's clamped total.
    Also warms both sides before they are timed.
    """
    fired_total = 0
    for index, (facts, context) in enumerate(zip(deals, contexts, strict=True)):
        fired = compiled.evaluate(facts)
        fired_total += len(fired)
        ours = [(f.rule_id, f.factor, f.points, f.min_tier.value if f.min_tier else None) for f in fired]
        ids = zen_peer.fired_ids(engine.evaluate(FIRED, context))
        scored = engine.evaluate(SCORED, context)["result"]
        rows = [(r["id"], r["factor"], r["points"], r["min_tier"]) for r in scored["fired"]]
        if ids != [f.rule_id for f in fired] or rows != ours:
            only_ours = sorted({f.rule_id for f in fired} - set(ids))
            only_zen = sorted(set(ids) - {f.rule_id for f in fired})
            raise AssertionError(
                f"deal {index}: only ours fired {only_ours}, only zen fired {only_zen}; ours {ours}, zen {rows}"
            )
        expected = score(compiled, ruleset, fired)
        want = {
            "score": expected.score,
            "tier": expected.tier.value,
            "recommendation": expected.recommendation.value,
            "factors": {t.factor: t.points for t in expected.factors},
        }
        got = {key: scored[key] for key in want}
        if got != want:
            raise AssertionError(f"deal {index}: same rules fired but zen scored {got}, we scored {want}")
    return {
        "deals_checked": len(deals),
        "fired_rules_checked": fired_total,
        "compared": "fired rule ids in order, each with factor, points, min_tier; score, tier, recommendation, "
        "factor totals",
        "differences": 0,
    }


def calls(
    engine: Any, graphs: dict[str, Any], inputs: Sequence[dict[str, Any]], contexts: Sequence[str]
) -> dict[str, Call]:
    """Every documented way of evaluating many contexts through the Python binding, keyed by a readable name."""
    decisions = {name: engine.create_decision(json.dumps(graph)) for name, graph in graphs.items()}
    batches = {name: [{"key": name, "context": c} for c in contexts] for name in graphs}

    def decision_evaluate(name: str) -> int:
        evaluate = decisions[name].evaluate
        for context in inputs:
            evaluate(context)
        return len(inputs)

    def engine_evaluate(values: Sequence[object]) -> Call:
        def evaluate_all(name: str) -> int:
            evaluate = engine.evaluate
            for context in values:
                evaluate(name, context)
            return len(values)

        return evaluate_all

    def engine_batch(name: str) -> int:
        results = engine.evaluate_batch(batches[name])
        if not all(r["success"] for r in results):
            raise AssertionError(f"evaluate_batch failed: {next(r for r in results if not r['success'])}")
        return len(results)

    def engine_async(name: str) -> int:
        async def evaluate_all() -> list[Any]:
            return await asyncio.gather(*(engine.async_evaluate(name, c) for c in contexts))

        return len(asyncio.run(evaluate_all()))

    return {
        "ZenDecision.evaluate(dict)": decision_evaluate,
        "ZenEngine.evaluate(key, dict)": engine_evaluate(inputs),
        "ZenEngine.evaluate(key, json)": engine_evaluate(contexts),
        "ZenEngine.evaluate_batch(json)": engine_batch,
        "ZenEngine.async_evaluate(json), gathered": engine_async,
    }


def survey_calls(
    engine: Any, graphs: dict[str, Any], inputs: Sequence[dict[str, Any]], contexts: Sequence[str]
) -> dict[str, float]:
    """Deals per second of each way of calling zen on the fired-only graph, best of two rounds on a sample."""
    rates: dict[str, float] = {}
    for name, call in calls(engine, graphs, inputs, contexts).items():
        best = 0.0
        for _ in range(2):
            start = time.perf_counter()
            count = call(FIRED)
            best = max(best, count / (time.perf_counter() - start))
        rates[name] = best
    return rates


@contextmanager
def one_cpu() -> Iterator[int | None]:
    """Pin every thread of the process to one CPU, and restore the affinity after; yields the CPU (None if the
    platform cannot pin).

    Our evaluator is single-threaded, but `evaluate_batch` spreads a batch over zen's worker threads, so without
    this it would be measured on every core while we use one. Threads zen starts while pinned inherit the pin.
    """
    if not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    for task in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(task), {cpu})
    try:
        yield cpu
    finally:
        for task in os.listdir("/proc/self/task"):
            with suppress(OSError):  # a thread that ended meanwhile
                os.sched_setaffinity(int(task), before)


def breakdown(ruleset: Ruleset, contexts: Sequence[str], ours: Callable[[], int], rounds: int = 3) -> dict[str, float]:
    """Where zen's time per deal goes: CPU microseconds per deal (median of `rounds`) of graphs that each add one
    part of the work, next to our evaluator's. CPU time rather than wall time, so that other processes on a busy
    machine do not blur the small differences."""
    ruleset_graph = zen_peer.translate(ruleset)
    constant = zen_peer.chain(
        [
            zen_peer.node(
                "constant",
                "expressionNode",
                {
                    "passThrough": False,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                    "expressions": [{"id": "one", "key": "one", "value": "1"}],
                },
            )
        ]
    )
    rows = len(ruleset.rules)
    whole = f"zen: the ruleset ({rows} rows)"
    probes = {
        "zen: the call alone (one constant expression, empty context)": (constant, ["{}"] * len(contexts)),
        "zen: + reading the deal's context": (constant, contexts),
        f"zen: + the table's {rows} rows, every cell false": (_every_cell(ruleset_graph, "false"), contexts),
        whole: (ruleset_graph, contexts),
        f"zen: {rows} rows that all fire": (_every_cell(ruleset_graph, "true"), contexts),
    }
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {name: g for name, (g, _) in probes.items()}}})

    def probe(name: str, values: Sequence[str]) -> Callable[[], int]:
        def evaluate_all() -> int:
            for context in values:
                engine.evaluate(name, context)
            return len(values)

        return evaluate_all

    jobs = {"ours, with evidence": ours, **{name: probe(name, values) for name, (_, values) in probes.items()}}
    for job in jobs.values():
        job()  # warm up
    spent: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            start = time.process_time()
            count = job()
            spent[name].append(1e6 * (time.process_time() - start) / count)
    costs = {name: round(statistics.median(values), 2) for name, values in spent.items()}
    # zen times each evaluation itself, from the graph's start to its end: neither the call nor the conversions.
    timer = [_microseconds(engine.evaluate(whole, c)["performance"]) for c in contexts[:SURVEY_DEALS]]
    costs["zen: its own timer, ruleset graph only (median)"] = round(statistics.median(timer), 2)
    return costs


def _every_cell(graph: dict[str, Any], cell: str) -> dict[str, Any]:
    """The graph with every row's condition replaced by `cell`, to time the table without the rules' tests."""
    copy = json.loads(json.dumps(graph))
    for step in copy["nodes"]:
        if step["type"] == "decisionTableNode":
            for row in step["content"]["rules"]:
                row["when"] = cell
    return copy


def _microseconds(performance: str) -> float:
    """zen's `performance` field ("27.2µs", "1.1ms") in microseconds."""
    for suffix, factor in (("ns", 1e-3), ("µs", 1.0), ("ms", 1e3), ("s", 1e6)):
        if performance.endswith(suffix):
            return float(performance.removesuffix(suffix)) * factor
    raise ValueError(f"unexpected performance figure {performance!r}")
