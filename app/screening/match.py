"""Fuzzy name matching against list entries: normalise, find candidates in an index, score them, explain. Pure.

Finding candidates and scoring them are separate steps. Candidates come from an inverted index of name tokens
(with a one-deletion neighbourhood for typos), weighted by how rare each token is, so a query touches only the
names that share a distinctive word with it. Each candidate is then scored by aligning its tokens with the
query's: the score is high only when the distinctive words of both names are covered. Words that say nothing
about identity ("China", "Shanghai", "Technology", legal forms such as "Co., Ltd.") weigh little and can never
make a match on their own.
"""

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from heapq import nlargest

from rapidfuzz.distance import Levenshtein

from app.screening.model import Entry, Hit, Subject

DEFAULT_THRESHOLD = 0.86
# Candidates scored in full per query; the index ranks them by the rare words they share with the query.
_CANDIDATES = 64
# A token of at least this length may match another at one edit (a typo); shorter ones must be equal.
_FUZZY_MIN_LEN = 5
_ONE_EDIT = 0.92
_OTHER_COUNTRY = 0.95
_TWO_EDITS = 0.8
_TWO_EDITS_MIN_LEN = 8
# Tokens this common in the index carry too little identity to open a candidate on their own.
_COMMON_SHARE = 0.01
_COMMON_MIN_DF = 200
_GENERIC_WEIGHT = 0.15

# Legal forms and their abbreviations: dropped from names, as "Co., Ltd." adds nothing to who a company is.
LEGAL_FORMS = frozenset(
    {
        "co", "company", "companies", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "plc",
        "lp", "llp", "group", "holding", "holdings", "sa", "ag", "gmbh", "bv", "nv", "spa", "srl", "sarl", "pte",
        "pvt", "pty", "jsc", "ojsc", "pjsc", "cjsc", "oao", "zao", "ooo", "kft", "as", "ab", "oy", "kk", "sdn",
        "bhd", "tbk", "cv", "joint", "stock", "public", "private", "liability", "the",
    }
)  # fmt: skip
# Words that occur in thousands of unrelated company names; they count, but little, and never alone.
GENERIC = frozenset(
    {
        "china", "chinese", "prc", "shanghai", "beijing", "shenzhen", "guangzhou", "tianjin", "chongqing", "wuhan",
        "hong", "kong", "technology", "science", "international", "industry", "industrial", "development",
        "investment", "trading", "trade", "engineering", "research", "institute", "national", "general",
        "system", "information", "equipment", "manufacturing", "import", "export", "service", "enterprise",
        "global", "new", "energy", "electronic", "electric", "material", "product", "network", "and", "of", "for",
        "de", "la", "el",
    }
)  # fmt: skip
_ABBREVIATIONS = {"intl": "international", "tech": "technology", "natl": "national", "mfg": "manufacturing"}
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9&.\-]{1,11}$")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(token: str) -> str:
    """Plural and singular compare alike ("Technologies", "Communications"); applied to both sides."""
    if len(token) > 4 and token.isascii():
        if token.endswith("ies"):
            return token[:-3] + "y"
        if token.endswith("s") and not token.endswith(("ss", "us", "is")):
            return token[:-1]
    return token


def name_tokens(name: str) -> tuple[str, ...]:
    """The words that identify a name: folded, without punctuation or legal forms, plurals singular."""
    words = [_ABBREVIATIONS.get(w, w) for w in _NOT_WORD.sub(" ", _fold(name)).split()]
    kept = [_stem(w) for w in words if w not in LEGAL_FORMS]
    return tuple(kept) if kept else tuple(_stem(w) for w in words)


def normalise_name(name: str) -> str:
    """The matching form of a name: "CRRC Corporation Limited" and "crrc corp." both become "crrc"."""
    return " ".join(name_tokens(name))


def name_variants(name: str) -> list[str]:
    """A list name and the names hidden in it: without a trailing `*` or parenthesised parts, and each
    parenthesised acronym on its own ("CRRC Corporation Limited (CRRC)*" also gives "CRRC")."""
    base = name.strip().rstrip("*").strip()
    variants = [base]
    inside = [m.strip() for m in _PARENTHESISED.findall(base)]
    if inside:
        variants.append(" ".join(_PARENTHESISED.sub(" ", base).split()))
        variants += [part for part in inside if _ACRONYM.match(part.replace(" ", ""))]
    return [v for v in dict.fromkeys(variants) if v]


@dataclass(frozen=True, slots=True)
class _Name:
    entry: int  # index into the matcher's entries
    text: str  # the name as the list gives it
    tokens: tuple[str, ...]


class FuzzyMatcher:
    """An in-memory index of list entry names; `match` returns the entries that name a subject, best first."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries: list[Entry] = list(entries)
        self._names: list[_Name] = []
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for index, entry in enumerate(self._entries):
            for raw in (entry.name, *entry.aliases):
                for variant in name_variants(raw):
                    tokens = name_tokens(variant)
                    if tokens and (index, tokens) not in seen:
                        seen.add((index, tokens))
                        self._names.append(_Name(index, variant, tokens))
        postings: dict[str, list[int]] = defaultdict(list)
        for name_id, name in enumerate(self._names):
            for token in set(name.tokens):
                postings[token].append(name_id)
        self._postings = dict(postings)
        total = max(len(self._names), 1)
        self._common_df = max(_COMMON_MIN_DF, int(total * _COMMON_SHARE))
        self._weight = {
            token: math.log(1 + total / len(ids)) * (_GENERIC_WEIGHT if self._is_generic(token, len(ids)) else 1.0)
            for token, ids in self._postings.items()
        }
        self._default_weight = math.log(1 + total)
        # One-deletion neighbourhood of every longer token, so a query word one edit away still finds it.
        neighbours: dict[str, set[str]] = defaultdict(set)
        for token in self._postings:
            if len(token) >= _FUZZY_MIN_LEN:
                for variant in _deletions(token):
                    neighbours[variant].add(token)
        self._neighbours = {k: tuple(sorted(v)) for k, v in neighbours.items()}

    def __len__(self) -> int:
        return len(self._names)

    def _is_generic(self, token: str, df: int) -> bool:
        return token in GENERIC or df > self._common_df

    def match(
        self,
        subject: Subject,
        as_of: date | None = None,
        *,
        threshold: float | None = None,
        lists: Collection[str] | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """Entries in force on `as_of` (any date when None) whose names match one of the subject's names at or
        above the threshold. One hit per list and entry name (the edition in force with the earliest start
        date), best score first, each saying which of the subject's names matched which name of the entry."""
        cutoff = DEFAULT_THRESHOLD if threshold is None else threshold
        best: dict[tuple[str, str], tuple[float, Entry, str, str]] = {}
        for query in dict.fromkeys(subject.names):
            tokens = name_tokens(query)
            if not tokens:
                continue
            for name_id, raw_score in self._scored(tokens):
                name = self._names[name_id]
                entry = self._entries[name.entry]
                score = raw_score
                if subject.country and entry.country and subject.country != entry.country:
                    # Same name, another country: still reported when strong, as lists often omit or vary it.
                    score *= _OTHER_COUNTRY
                if score < cutoff:
                    continue
                if lists is not None and entry.list_code not in lists:
                    continue
                if as_of is not None and not entry.in_force(as_of):
                    continue
                key = (entry.list_code, normalise_name(entry.name))
                current = best.get(key)
                if current is None or _better(score, entry, current[0], current[1]):
                    best[key] = (score, entry, query, name.text)
        ranked = sorted(best.values(), key=lambda item: (-item[0], item[1].list_code, item[1].name, item[1].id))
        return [
            Hit(
                entity_id=subject.entity_id,
                list_code=entry.list_code,
                entry_id=entry.id,
                entry_name=entry.name,
                score=round(score, 4),
                query=query,
                candidate=candidate,
                listed_since=entry.start_date,
                entry_key=entry.key,
            )
            for score, entry, query, candidate in ranked[:limit]
        ]

    def _scored(self, query: tuple[str, ...]) -> list[tuple[int, float]]:
        """Candidate names sharing a distinctive word with the query, each with its full score."""
        opened: dict[int, float] = defaultdict(float)
        for token in set(query):
            for found, similarity in self._lookup(token):
                ids = self._postings[found]
                if self._is_generic(found, len(ids)):
                    continue
                weight = self._weight[found] * similarity
                for name_id in ids:
                    opened[name_id] += weight
        if not opened:
            return []
        top = nlargest(_CANDIDATES, opened.items(), key=lambda item: item[1])
        return [(name_id, self._score(query, self._names[name_id].tokens)) for name_id, _ in top]

    def _lookup(self, token: str) -> Sequence[tuple[str, float]]:
        """Index tokens equal to this one, or one edit away from it when it is long enough."""
        if len(token) < _FUZZY_MIN_LEN:
            return [(token, 1.0)] if token in self._postings else []
        found: dict[str, float] = {}
        if token in self._postings:
            found[token] = 1.0
        for key in (token, *_deletions(token)):
            for other in self._neighbours.get(key, ()):
                if other not in found:
                    similarity = _token_similarity(token, other)
                    if similarity > 0:
                        found[other] = similarity
        return list(found.items())

    def _token_weight(self, token: str) -> float:
        weight = self._weight.get(token)
        if weight is None:
            # A word the index has never seen identifies the query strongly, unless it is a known generic word.
            return self._default_weight * (_GENERIC_WEIGHT if token in GENERIC else 1.0)
        return weight

    def _score(self, query: tuple[str, ...], candidate: tuple[str, ...]) -> float:
        """How well two token lists cover each other, weighted by rarity: the harmonic mean of the share of the
        query's weight and the share of the candidate's weight that is matched. 0 when only generic words match."""
        q_weights = [self._token_weight(t) for t in query]
        c_weights = [self._token_weight(t) for t in candidate]
        used: set[int] = set()
        matched_q = matched_c = 0.0
        distinctive = False
        for token, q_weight in zip(query, q_weights, strict=True):
            best_j, best_sim = -1, 0.0
            for j, other in enumerate(candidate):
                if j in used:
                    continue
                if other == token:
                    best_j, best_sim = j, 1.0
                    break
                similarity = _token_similarity(token, other)
                if similarity > best_sim:
                    best_j, best_sim = j, similarity
            if best_j < 0:
                continue
            used.add(best_j)
            matched_q += q_weight * best_sim
            matched_c += c_weights[best_j] * best_sim
            other = candidate[best_j]
            if not self._is_generic(other, len(self._postings.get(other, ()))):
                distinctive = True
        if not distinctive:
            return 0.0
        cover_q = matched_q / sum(q_weights)
        cover_c = matched_c / sum(c_weights)
        if cover_q <= 0 or cover_c <= 0:
            return 0.0
        return 2 * cover_q * cover_c / (cover_q + cover_c)


def _token_similarity(token: str, other: str) -> float:
    """1 for equal words; for long words, a typo (one edit) costs little and two edits in a long word more."""
    if token == other:
        return 1.0
    shorter = min(len(token), len(other))
    if shorter < _FUZZY_MIN_LEN:
        return 0.0
    distance = Levenshtein.distance(token, other, score_cutoff=2)
    if distance == 1:
        return _ONE_EDIT
    if distance == 2 and shorter >= _TWO_EDITS_MIN_LEN:
        return _TWO_EDITS
    return 0.0


def _deletions(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


def _better(score: float, entry: Entry, current_score: float, current: Entry) -> bool:
    """A higher score wins; at equal score, the edition that has been on the list longest."""
    if score != current_score:
        return score > current_score
    if entry.start_date is None or current.start_date is None:
        return False
    return entry.start_date < current.start_date
