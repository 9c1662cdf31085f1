"""What every benchmark module shares: the result row, the run settings and a timer that reports rates."""

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

# How a figure is judged against its target: at least, below (latencies), or its ratio to the baseline at least.
Goal = Literal[">=", "<", "ratio >="]


@dataclass(frozen=True, slots=True)
class Settings:
    """How hard to run: repetitions per measurement, and a scale factor on each benchmark's workload."""

    repeat: int = 5
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Result:
    """One row of the table: a figure, the baseline measured in the same process, and the target it must meet.

    Absolute figures depend on the machine and its neighbours; the ratio against a baseline run in the same
    process much less, which is why every row carries one (see Rate.ratio_to).
    """

    benchmark: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None
    target: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    goal: Goal = ">="
    problem: str | None = None

    @property
    def met(self) -> bool | None:
        """Whether the target is met: figure >= target by default, figure < target for a latency, ratio >= target
        for a figure judged against its baseline. A row with a problem (e.g. failed requests) never meets it."""
        if self.target is None:
            return None
        if self.problem is not None:
            return False
        if self.goal == "<":
            return self.figure < self.target
        if self.goal == "ratio >=":
            return self.ratio is not None and self.ratio >= self.target
        return self.figure >= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        if self.goal == "ratio >=":
            return f"ratio >= {self.target:.2f}x"
        return f"{self.goal} {self.target:,.0f}"

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "figure": round(self.figure, 1),
            "unit": self.unit,
            "baseline": None if self.baseline is None else round(self.baseline, 1),
            "baseline_label": self.baseline_label,
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "target": self.target,
            "goal": self.goal,
            "met": self.met,
            "problem": self.problem,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class Rate:
    """Items per second over several repetitions; the median is the headline, the best shows the ceiling."""

    median: float
    best: float
    runs: tuple[float, ...]

    def ratio_to(self, baseline: "Rate") -> float:
        """Median of the round-by-round ratios: each pair ran back to back, so it shared the machine's mood."""
        return statistics.median(a / b for a, b in zip(self.runs, baseline.runs, strict=True))

    def as_json(self) -> dict[str, Any]:
        return {"median": round(self.median, 1), "best": round(self.best, 1), "runs": [round(r, 1) for r in self.runs]}


def measure_rates(jobs: dict[str, Callable[[], int]], repeat: int) -> dict[str, Rate]:
    """Time each job `repeat` times and return its rate in items per second (a job returns how many it did).

    Jobs are interleaved round by round (A B A B ...), so a slow patch on a noisy machine hits every job
    alike instead of skewing the ratio between them. The collector is left on, as in production, but
    emptied before each timed run so one job's garbage is not collected on another's clock.
    """
    seconds: dict[str, list[float]] = {name: [] for name in jobs}
    counts: dict[str, int] = {}
    for _ in range(repeat):
        for name, job in jobs.items():
            gc.collect()
            start = time.perf_counter()
            counts[name] = job()
            seconds[name].append(time.perf_counter() - start)
    rates: dict[str, Rate] = {}
    for name, times in seconds.items():
        runs = tuple(counts[name] / t for t in times)
        rates[name] = Rate(statistics.median(runs), max(runs), runs)
    return rates
