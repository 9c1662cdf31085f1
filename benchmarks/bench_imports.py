"""List imports: the OFAC SDN bench set, and a generated FollowTheMoney file of a million entities, into SQLite.

*SDN bench set* (8,976 entries, 11,910 aliases) into a fresh database. The figure is the whole import as a user
runs it — parse, digest, write the version and every entry, commit — and the baseline is parsing alone in the
same process, so the ratio shows what the database write costs. Target (issue 4): the bench set imports in
under 5 s, i.e. at least 8,976 / 5 entries per second.

*FtM, 1,000,000 entities* (issue 7, point 5; `--scale` shrinks it): an OpenSanctions-shaped JSON-lines file
written by `benchmarks/ftm_entities.py` into a temporary folder (about 620 MB; never committed), imported end to
end by `app.services.lists.import_list` — the service behind `POST /v1/lists/{code}/import` and
`fdi-risk import list` — given the open file, as the CLI passes it. Each run is a child process (migrate, seed,
then import and commit), so its peak RSS is the import's and not this process's:

- time: entries per second, against parsing alone (`ftm.read`, both passes, nothing stored) in another child;
- peak RSS (target: under 500 MB), against the same import given the file's bytes, which is what the API
  passes (it reads the upload into memory, up to FDI_MAX_LIST_FILE_BYTES, 100 MiB by default).
"""

import gc
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.db.session import unit_of_work
from app.screening.importers import PARSERS, ftm
from app.services.lists import import_list
from app.services.seeding import seed
from benchmarks import ftm_entities
from benchmarks.harness import Rate, Result, Settings

ROOT = Path(__file__).resolve().parents[1]
SDN_BENCH = ROOT / "tests" / "fixtures" / "lists" / "ofac_sdn_bench"
TARGET_SECONDS = 5.0
FTM_ENTITIES = 1_000_000
FTM_TARGET_PEAK_MB = 500.0
FTM_LIST = "US-OFAC-SDN"


def sdn_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
            archive.write(SDN_BENCH / name, name)
    return buffer.getvalue()


def run(settings: Settings) -> list[Result]:
    return [sdn_result(settings), *ftm_results(settings)]


def sdn_result(settings: Settings) -> Result:
    content = sdn_zip()
    parse = PARSERS["ofac_sdn_csv"]
    entries = len(parse(content).entries)
    import_seconds: list[float] = []
    parse_seconds: list[float] = []
    for _ in range(max(1, min(settings.repeat, 3))):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            engine = make_engine(url)
            with unit_of_work(engine) as session:
                seed(session, ROOT / "seeds", ("reference", "lists"))
            gc.collect()
            start = time.perf_counter()
            parse(content)
            parse_seconds.append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            with unit_of_work(engine) as session:
                outcome = import_list(session, "US-OFAC-SDN", "ofac_sdn_csv", content, "bench", "sdn.zip")
            import_seconds.append(time.perf_counter() - start)
            engine.dispose()
            assert outcome.created and outcome.entries == entries
    full = _rate(entries, import_seconds)
    parsing = _rate(entries, parse_seconds)
    return Result(
        benchmark="import OFAC SDN bench set (SQLite, end to end)",
        figure=full.median,
        unit="entries/s",
        baseline=parsing.median,
        baseline_label="parsing alone",
        ratio=full.ratio_to(parsing),
        target=round(entries / TARGET_SECONDS),
        details={
            "entries": entries,
            "seconds": [round(s, 2) for s in import_seconds],
            "parse_seconds": [round(s, 2) for s in parse_seconds],
            "note": f"target: the whole set in under {TARGET_SECONDS:.0f} s",
            "rate": full.as_json(),
        },
    )


def ftm_results(settings: Settings) -> list[Result]:
    """Generate the file, then one child each: the import from the file, parsing alone, the import from bytes."""
    entities = max(1_000, round(FTM_ENTITIES * settings.scale))
    with tempfile.TemporaryDirectory(prefix="fdi-bench-ftm-") as folder:
        path = Path(folder) / "entities.ftm.json"
        start = time.perf_counter()
        lines = ftm_entities.write(path, entities)
        generate_seconds = time.perf_counter() - start
        print(
            f"  FtM: {entities:,} entities, {lines['bytes'] / 1e6:,.0f} MB written in {generate_seconds:.0f} s",
            flush=True,
        )
        runs = {mode: _child(mode, Path(folder), path) for mode in ("import-file", "parse", "import-bytes")}
    streamed, parsed, whole = runs["import-file"], runs["parse"], runs["import-bytes"]
    if not streamed["entries"] == parsed["entries"] == whole["entries"]:
        raise AssertionError(f"the three runs disagree on the entries: {runs}")
    entries = streamed["entries"]
    full = _rate(entries, [streamed["seconds"]])
    parsing = _rate(entries, [parsed["seconds"]])
    label = f"{entities:,} entities"
    common = {
        "file": {**lines, "generate_seconds": round(generate_seconds, 1)},
        "entries": entries,
        "rejected": streamed["rejected"],
        "runs": runs,
    }
    notes = [
        f"{label} ({lines['lines']:,} lines, {lines['bytes'] / 1e6:,.0f} MB; {entries:,} entries once the entities "
        f"that are not targets are left out): imported from the file in {streamed['seconds']:.0f} s, parsed alone "
        f"in {parsed['seconds']:.0f} s, imported from bytes in {whole['seconds']:.0f} s",
        f"peak RSS {streamed['peak_mb']:,.0f} MB from the file (the CLI's way), {whole['peak_mb']:,.0f} MB from "
        f"bytes (the API's way), {parsed['peak_mb']:,.0f} MB parsing alone; each child at "
        f"{streamed['floor_mb']:,.0f} MB before it started",
    ]
    return [
        Result(
            benchmark=f"import FtM JSONL, {label} (SQLite, end to end, from the file)",
            figure=full.median,
            unit="entries/s",
            baseline=parsing.median,
            baseline_label="parsing alone",
            ratio=full.ratio_to(parsing),
            details={**common, "notes": notes},
        ),
        Result(
            benchmark=f"import FtM JSONL, {label}: peak RSS (from the file)",
            figure=streamed["peak_mb"],
            unit="MB",
            baseline=whole["peak_mb"],
            baseline_label="the file's bytes in memory",
            ratio=streamed["peak_mb"] / whole["peak_mb"],
            target=FTM_TARGET_PEAK_MB,
            goal="<",
            details={"note": f"target: peak RSS under {FTM_TARGET_PEAK_MB:.0f} MB"},
        ),
    ]


def _child(mode: str, folder: Path, path: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it printed."""
    db = folder / f"{mode}.db"
    command = [sys.executable, "-m", "benchmarks.bench_imports", mode, f"sqlite:///{db}", str(path)]
    print(f"  FtM: {mode} ...", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def child(mode: str, url: str, path: Path) -> dict[str, Any]:
    """In the child: set up a database (unless only parsing), then time `mode` and report the peak RSS."""
    engine = None
    if mode != "parse":
        upgrade(url)
        engine = make_engine(url)
        with unit_of_work(engine) as session:
            seed(session, ROOT / "seeds", ("reference", "lists"))
    gc.collect()
    floor = _peak_mb()
    start = time.perf_counter()
    with path.open("rb") as handle:
        if engine is None:
            stream = ftm.read(handle)
            entries = sum(1 for _ in stream.entries)
            rejected = len(stream.rejected)
        else:
            content = handle if mode == "import-file" else handle.read()
            with unit_of_work(engine) as session:
                outcome = import_list(session, FTM_LIST, "ftm_jsonl", content, "bench", path.name)
            entries, rejected = outcome.entries, len(outcome.rejected)
            del content
    seconds = time.perf_counter() - start
    if engine is not None:
        engine.dispose()
    return {
        "mode": mode,
        "seconds": round(seconds, 2),
        "entries": entries,
        "rejected": rejected,
        "floor_mb": round(floor, 1),
        "peak_mb": round(_peak_mb(), 1),
    }


def _peak_mb() -> float:
    """This process's peak resident set so far: VmHWM, which starts afresh with the interpreter. (ru_maxrss would
    do on its own, but Linux carries it over an exec, so a child would report this process's size as its own.)"""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rate(count: int, seconds: list[float]) -> Rate:
    runs = tuple(count / s for s in seconds)
    return Rate(statistics.median(runs), max(runs), runs)


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
