"""Run the benchmark modules, print one table and write results/latest.json with the machine they ran on.

A benchmark module is any `benchmarks/bench_<name>.py` with `run(settings: Settings) -> list[Result]`;
adding one (screening, API, imports) needs no change here.
"""

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks.harness import Result, Settings

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks; exit 1 when a figure misses its target, so CI can gate on it if it wants."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", action="append", metavar="NAME", help="run only bench_NAME (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per measurement (default 5)")
    parser.add_argument("--scale", type=float, default=1.0, help="workload size factor, e.g. 0.1 for a smoke run")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON file to write (default {RESULTS})")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    settings = Settings(repeat=max(1, args.repeat), scale=args.scale)
    names = args.only or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(discover())})")

    machine = machine_info()
    print(
        f"fdi-risk benchmarks on {machine['cpu_model']} ({machine['cpu_count']} cores), "
        f"Python {machine['python']} — repeat={settings.repeat}, scale={settings.scale}",
        flush=True,
    )
    results: list[Result] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"running bench_{name} ...", flush=True)
        results.extend(module.run(settings))

    print()
    print(render_table(results))
    for result in results:
        for line in result.details.get("notes", []):
            print(f"  {result.benchmark}: {line}")
    if not args.no_write:
        write_json(args.output, machine, settings, results)
        print(f"\nwrote {display_path(args.output)}")
    return 1 if any(r.met is False for r in results) else 0


def discover() -> list[str]:
    """The benchmark names, from the `bench_*` modules of this package, in name order."""
    modules = pkgutil.iter_modules(benchmarks.__path__)
    return sorted(m.name.removeprefix("bench_") for m in modules if m.name.startswith("bench_"))


def render_table(results: list[Result]) -> str:
    """A plain-text table; docs/BENCHMARKS.md carries the same columns."""
    header = ("benchmark", "figure", "baseline", "ratio", "target", "met?")
    rows = [header]
    for r in results:
        rows.append(
            (
                r.benchmark,
                f"{number(r.figure, r.unit)} {r.unit}",
                "—" if r.baseline is None else f"{number(r.baseline, r.unit)} {r.unit} ({r.baseline_label})",
                "—" if r.ratio is None else f"{r.ratio:.2f}x",
                r.target_text,
                {True: "yes", False: "NO", None: "—"}[r.met],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def number(value: float, unit: str) -> str:
    """Whole numbers, except milliseconds, where a tenth still matters."""
    return f"{value:,.1f}" if unit == "ms" else f"{value:,.0f}"


def write_json(path: Path, machine: dict[str, Any], settings: Settings, results: list[Result]) -> None:
    """Write the figures with the machine and settings, so a committed file says where it came from."""
    payload = {
        "machine": machine,
        "settings": {"repeat": settings.repeat, "scale": settings.scale},
        "results": [r.as_json() for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def machine_info() -> dict[str, Any]:
    """CPU, cores, Python and platform, the date, and the commit measured (with a flag when it had local edits)."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "git_commit": git(["rev-parse", "HEAD"]),
        "git_dirty": bool(git(["status", "--porcelain", "--untracked-files=no"])),
        "single_thread": True,
    }


def cpu_model() -> str:
    """The CPU's marketing name; platform.processor() is empty on most Linux systems, so read /proc first."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git(args: list[str]) -> str | None:
    """Output of a git command in the checkout, or None outside one."""
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
