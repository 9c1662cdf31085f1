"""The labelled evaluation set for name matching: load the real list entries and the queries, score a matcher.

Shared by `test_evaluation_set.py` (which asserts recall and precision at the default threshold) and
`benchmarks/bench_screening.py` (which compares the matcher's recall with brute force's on the same queries).
Scoring is per query: a positive query is a true positive when its best hit is an expected entry, a false
negative when no hit names an expected entry, and a false positive when its best hit is another entry (so a
positive query can count both as FN and FP); a negative query is a false positive when anything is hit.
Hits that tie with the best score all count as the best hit, since their order is then only alphabetical.
"""

import io
import re
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

import yaml

from app.screening.importers import PARSERS, dod_1260h
from app.screening.importers.base import ParsedEntry
from app.screening.model import Entry, Hit, Subject

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "lists"
DOD_1260H_FILE = FIXTURES / "us_dod_1260h.csv"
SDN_DIR = FIXTURES / "ofac_sdn_bench"
SDN_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
EVALUATION_SET = Path(__file__).resolve().parent / "evaluation_set.yaml"

DOD_1260H = "US-DOD-1260H"
OFAC_SDN = "US-OFAC-SDN"
SDN_FORMAT = "ofac_sdn_csv"

Kind = Literal["positive", "negative"]


@dataclass(frozen=True, slots=True)
class Query:
    """One labelled query: the subject's names, whether it is listed, and if so where and as which entries."""

    query: str
    kind: Kind
    why: str
    aliases: tuple[str, ...] = ()
    list_code: str | None = None
    expect: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        """The variation type: `why` up to its first parenthesis or comma ("suffix change", "near miss")."""
        return re.split(r"[(,]", self.why, maxsplit=1)[0].strip()

    def subject(self, entity_id: int) -> Subject:
        return Subject(entity_id=entity_id, name=self.query, aliases=self.aliases)


class NameMatcher(Protocol):
    """What the evaluation needs of a matcher: `FuzzyMatcher.match`'s signature."""

    def match(
        self,
        subject: Subject,
        as_of: date | None = None,
        *,
        threshold: float | None = None,
        lists: Collection[str] | None = None,
        limit: int = 10,
    ) -> list[Hit]: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one query fared: its hits (best first) and the verdicts they earn (TP, FN, FP or TN)."""

    query: Query
    hits: tuple[Hit, ...]
    tp: bool = False
    fn: bool = False
    fp: bool = False

    @property
    def missed(self) -> bool:
        return self.fn or self.fp

    @property
    def verdict(self) -> str:
        labels = [name for name, flag in (("TP", self.tp), ("FN", self.fn), ("FP", self.fp)) if flag]
        return "+".join(labels) or "TN"

    def describe(self, top: int = 3) -> str:
        """One miss, readable in a test failure: the query, why it is there, what was expected and what was hit."""
        q = self.query
        aliases = f" aliases={list(q.aliases)}" if q.aliases else ""
        expected = f" expected {q.list_code}: {list(q.expect)}" if q.kind == "positive" else " expected no hit"
        lines = [f"[{self.verdict}] {q.query!r}{aliases} ({q.why});{expected}"]
        for hit in self.hits[:top]:
            lines.append(
                f"      {hit.score:.3f} {hit.list_code} {hit.entry_name!r} (query {hit.query!r} ~ {hit.candidate!r})"
            )
        if not self.hits:
            lines.append("      no hits")
        return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    """Query-level counts, recall and precision, broken down by variation type, with every miss."""

    outcomes: tuple[Outcome, ...]
    threshold: float | None = None
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # category -> (queries, misses)

    @property
    def tp(self) -> int:
        return sum(o.tp for o in self.outcomes)

    @property
    def fp(self) -> int:
        return sum(o.fp for o in self.outcomes)

    @property
    def fn(self) -> int:
        return sum(o.fn for o in self.outcomes)

    @property
    def tn(self) -> int:
        return sum(o.query.kind == "negative" and not o.fp for o in self.outcomes)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missed]

    def summary(self) -> str:
        positives = sum(o.query.kind == "positive" for o in self.outcomes)
        at = "the default threshold" if self.threshold is None else f"threshold {self.threshold}"
        return (
            f"recall {self.recall:.3f}, precision {self.precision:.3f} at {at} on {len(self.outcomes)} queries "
            f"({positives} positive, {len(self.outcomes) - positives} negative): "
            f"TP {self.tp}, FN {self.fn}, FP {self.fp}, TN {self.tn}"
        )

    def describe(self) -> str:
        """The summary, the misses per variation type, and every miss with its best hits: enough to tune on."""
        lines = [self.summary()]
        categories = ", ".join(f"{c} {n - m}/{n}" for c, (n, m) in sorted(self.by_category.items()))
        lines.append(f"right answers by variation: {categories}")
        misses = self.misses
        if misses:
            lines.append(f"{len(misses)} queries missed:")
            lines.extend(o.describe() for o in misses)
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "queries": len(self.outcomes),
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "tp": self.tp,
            "fn": self.fn,
            "fp": self.fp,
            "tn": self.tn,
            "misses": [f"[{o.verdict}] {o.query.query}" for o in self.misses],
        }


def evaluate(matcher: NameMatcher, queries: Sequence[Query], *, threshold: float | None = None) -> Report:
    """Run every query with dates ignored (`as_of=None`) and score it; `threshold=None` is the matcher's default."""
    outcomes = []
    for entity_id, query in enumerate(queries, start=1):
        hits = tuple(matcher.match(query.subject(entity_id), None, threshold=threshold))
        outcomes.append(judge(query, hits))
    totals = Counter(o.query.category for o in outcomes)
    missed = Counter(o.query.category for o in outcomes if o.missed)
    by_category = {category: (n, missed[category]) for category, n in totals.items()}
    return Report(tuple(outcomes), threshold, by_category)


def judge(query: Query, hits: tuple[Hit, ...]) -> Outcome:
    """The verdicts one query's hits earn (see the module docstring)."""
    if query.kind == "negative":
        return Outcome(query, hits, fp=bool(hits))
    expected = {(query.list_code, name) for name in query.expect}
    best = [h for h in hits if hits and h.score == hits[0].score]
    tp = any((h.list_code, h.entry_name) in expected for h in best)
    named = any((h.list_code, h.entry_name) in expected for h in hits)
    return Outcome(query, hits, tp=tp, fn=not named, fp=bool(hits) and not tp)


def load_queries(path: Path = EVALUATION_SET) -> list[Query]:
    """The labelled queries, checked for the fields their kind needs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = []
    for number, item in enumerate(data["queries"], start=1):
        kind = item["kind"]
        if kind not in ("positive", "negative"):
            raise ValueError(f"query {number} ({item.get('query')!r}): kind must be positive or negative")
        if kind == "positive" and not (item.get("list") and item.get("expect")):
            raise ValueError(f"query {number} ({item['query']!r}): a positive needs `list` and `expect`")
        if kind == "negative" and (item.get("list") or item.get("expect")):
            raise ValueError(f"query {number} ({item['query']!r}): a negative has no `list` or `expect`")
        queries.append(
            Query(
                query=item["query"],
                kind=kind,
                why=item["why"],
                aliases=tuple(item.get("aliases") or ()),
                list_code=item.get("list"),
                expect=tuple(item.get("expect") or ()),
            )
        )
    return queries


def sdn_archive(directory: Path = SDN_DIR) -> bytes:
    """The four SDN CSV files zipped in memory, as OFAC's legacy set is uploaded for import."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in SDN_FILES:
            archive.writestr(name, (directory / name).read_bytes())
    return buffer.getvalue()


def load_entries() -> list[Entry]:
    """Every entry of the real 1260H file and of the SDN bench set, through the real importers, ids 1..N."""
    parsed = [
        (DOD_1260H, dod_1260h.parse(DOD_1260H_FILE.read_bytes())),
        (OFAC_SDN, PARSERS[SDN_FORMAT](sdn_archive())),
    ]
    return list(to_entries((code, entry) for code, result in parsed for entry in result.entries))


def to_entries(parsed: Iterable[tuple[str, ParsedEntry]]) -> Iterable[Entry]:
    """Parsed entries, each with its list code, as the matcher's `Entry`s, numbered from 1 in order."""
    for entry_id, (code, p) in enumerate(parsed, start=1):
        yield Entry(
            id=entry_id,
            list_code=code,
            name=p.name,
            aliases=tuple(p.aliases),
            start_date=p.start_date,
            end_date=p.end_date,
            parent_name=p.parent_name,
        )
