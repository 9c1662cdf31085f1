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
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from heapq import nlargest

from rapidfuzz.distance import OSA

from app.screening.model import Entry, Hit, Subject

DEFAULT_THRESHOLD = 0.86
# Candidates scored in full per query; the index ranks them by the rare words they share with the query.
_CANDIDATES = 64
# A token of at least this length may match another at one edit (a typo); shorter ones must be equal.
_FUZZY_MIN_LEN = 6
_ONE_EDIT = 0.92
_OTHER_COUNTRY = 0.95
_SUBSTITUTED = 0.9
_TWO_EDITS = 0.8
_TWO_EDITS_MIN_LEN = 7
# Query coverage counts this much more than candidate coverage: a query that leaves out words of a listed name
# ("NPO Mashinostroyenia") is closer to it than one that adds words the listed name lacks.
_QUERY_BETA = 1.5
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
        "bhd", "tbk", "cv", "joint", "stock", "public", "private", "liability", "the", "sal", "sae", "saog",
        "saoc", "sas", "kg", "ohg", "doo", "ad", "ead", "aps", "asa", "oyj", "pt", "tov", "pao", "ao", "zrt",
        # pinyin: youxian gongsi (Co., Ltd.), youxian zeren gongsi (LLC), gufen (shares), jituan (group)
        "youxian", "zeren", "gongsi", "gufen", "jituan", "youxiangongsi",
    }
)  # fmt: skip
# Long legal forms whose misspellings ("Corporaton") are still legal forms, not heavy unknown words.
_LONG_LEGAL_FORMS = ("corporation", "incorporated", "limited", "company", "holdings", "holding")
# Words that occur in thousands of unrelated company names; they count, but little, and never alone.
GENERIC = frozenset(
    {
        "china", "chinese", "prc", "shanghai", "beijing", "shenzhen", "guangzhou", "tianjin", "chongqing", "wuhan",
        "hong", "kong", "technology", "science", "international", "industry", "industrial", "development",
        "investment", "trading", "trade", "engineering", "research", "institute", "national", "general",
        "system", "information", "equipment", "manufacturing", "import", "export", "service", "enterprise",
        "global", "new", "energy", "electronic", "electric", "material", "product", "network", "and", "of", "for",
        "de", "la", "el", "zhongguo", "keji", "hangzhou", "nanjing", "chengdu", "xian", "harbin", "shenyang",
        "dalian", "qingdao", "xiamen", "suzhou", "wuxi", "changsha", "hefei", "zhengzhou", "jinan", "kunming",
        "guiyang", "nanchang", "fuzhou", "taiyuan", "shijiazhuang", "lanzhou", "ningbo", "dongguan", "foshan",
        "hebei", "henan", "hubei", "hunan", "sichuan", "guangdong", "jiangsu", "zhejiang", "shandong", "fujian",
        "anhui", "liaoning", "jilin", "heilongjiang", "shaanxi", "shanxi", "yunnan", "guizhou", "gansu",
        "xinjiang", "hainan", "jiangxi", "guangxi", "ningxia", "qinghai", "inner", "mongolia", "iran", "iranian",
        "russia", "russian", "korea", "korean", "syria", "syrian", "north", "south", "east", "west", "central",
        "republic", "people", "democratic", "islamic", "federal", "state", "united", "bank", "commercial",
        "resource", "capital", "finance", "financial",
    }
)  # fmt: skip
_ABBREVIATIONS = {"intl": "international", "tech": "technology", "natl": "national", "mfg": "manufacturing"}
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9&.\-]{1,11}$")


# ASCII apostrophe, right single quotation mark, modifier letter apostrophe, grave and acute accents.
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`\u00b4")


# Cyrillic and Greek letters that look like Latin ones (from Unicode's confusables, UTS #39), capitals and small
# letters apart: Cyrillic ABEKMHOPCTYXSIJQWaeopcyxsijdhqw, then Greek ABEZHIKMNOPTYXovp.
_LOOKALIKES = str.maketrans(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425\u0405\u0406\u0408"
    "\u051a\u051c\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u0501\u04bb\u051b\u051d"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03bd\u03c1",
    "ABEKMHOPCTYXSIJQWaeopcyxsijdhqwABEZHIKMNOPTYXovp",
)
_LETTERS = re.compile(r"[^\W\d_]+")


def _as_latin(word: str) -> str:
    """A word that mixes Latin letters with Cyrillic or Greek look-alikes (COSCO with a Cyrillic C and O) is read
    as the Latin word it imitates; a word in one script (a Russian or Greek name) is left as it is."""
    latin = word.translate(_LOOKALIKES)
    if latin == word or not latin.isascii() or not any(ch.isascii() for ch in word):
        return word
    return latin


def _fold(text: str) -> str:
    """Case, accents, apostrophes and invisible characters folded away; mixed-script look-alikes read as Latin."""
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = _LETTERS.sub(lambda found: _as_latin(found.group()), text)
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " and ").translate(_APOSTROPHES))
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
    """The words that identify a name: folded, without punctuation or legal forms, plurals singular.

    Runs of single letters are joined ("S.A.L." is "sal", "U.S.A." is "usa"), so initials survive punctuation.
    """
    words = [_ABBREVIATIONS.get(w, w) for w in _join_initials(_NOT_WORD.sub(" ", _fold(name)).split())]
    kept = [_stem(w) for w in words if not _is_legal_form(w)]
    return tuple(kept) if kept else tuple(_stem(w) for w in words)


def _join_initials(words: list[str]) -> list[str]:
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return out


@lru_cache(maxsize=65_536)
def _is_legal_form(word: str) -> bool:
    if word in LEGAL_FORMS:
        return True
    return len(word) >= 7 and any(OSA.distance(word, form, score_cutoff=1) <= 1 for form in _LONG_LEGAL_FORMS)


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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A name of an entry that matches one of a subject's names, scored, on any date: `FuzzyMatcher.pick` turns
    a subject's candidates into its hits as of a date."""

    score: float
    entry: Entry
    query: str  # the subject's name that matched
    name: str  # the entry's name that it matched
    key: tuple[str, str]  # one hit per list and normalised entry name


class FuzzyMatcher:
    """An in-memory index of list entry names; `match` returns the entries that name a subject, best first."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries: list[Entry] = list(entries)
        self._names: list[_Name] = []
        words: dict[str, str] = {}  # one string object per distinct word: a million names share few words
        for index, entry in enumerate(self._entries):
            seen: set[tuple[str, ...]] = set()
            for raw in (entry.name, *entry.aliases):
                for variant in name_variants(raw):
                    tokens = tuple(words.setdefault(t, t) for t in name_tokens(variant))
                    if tokens and tokens not in seen:
                        seen.add(tokens)
                        self._names.append(_Name(index, variant, tokens))
        postings: dict[str, list[int]] = defaultdict(list)
        # Keyed by the hash of the sorted words, to keep a million-name index small; lookups compare the words.
        self._exact: dict[int, int] = {}
        self._exact_more: dict[int, list[int]] = {}
        for name_id, name in enumerate(self._names):
            key = hash(tuple(sorted(name.tokens)))
            if self._exact.setdefault(key, name_id) != name_id:
                self._exact_more.setdefault(key, []).append(name_id)
            for token in set(name.tokens):
                postings[token].append(name_id)
        self._postings = {token: array("I", ids) for token, ids in postings.items()}
        del postings
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
        return self.pick(subject.entity_id, self.candidates(subject, threshold=threshold, lists=lists), as_of, limit)

    def candidates(
        self, subject: Subject, *, threshold: float | None = None, lists: Collection[str] | None = None
    ) -> list[Candidate]:
        """Every entry name matching one of the subject's names at or above the threshold, whatever the date. A
        subject screened as of many dates (the parties of a portfolio) is matched once and picked per date."""
        cutoff = DEFAULT_THRESHOLD if threshold is None else threshold
        out: list[Candidate] = []
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
                out.append(Candidate(score, entry, query, name.text, (entry.list_code, normalise_name(entry.name))))
        return out

    @staticmethod
    def pick(entity_id: int, candidates: Iterable[Candidate], as_of: date | None, limit: int = 10) -> list[Hit]:
        """The hits among a subject's candidates of entries in force on `as_of` (any date when None): one per list
        and entry name (the edition in force with the earliest start date), best score first."""
        best: dict[tuple[str, str], Candidate] = {}
        for candidate in candidates:
            entry = candidate.entry
            if as_of is not None and not entry.in_force(as_of):
                continue
            current = best.get(candidate.key)
            if current is None or _better(candidate.score, entry, current.score, current.entry):
                best[candidate.key] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.entry.list_code, c.entry.name, c.entry.id))
        return [
            Hit(
                entity_id=entity_id,
                list_code=c.entry.list_code,
                entry_id=c.entry.id,
                entry_name=c.entry.name,
                score=round(c.score, 4),
                query=c.query,
                candidate=c.name,
                listed_since=c.entry.start_date,
                entry_key=c.entry.key,
            )
            for c in ranked[:limit]
        ]

    def _scored(self, query: tuple[str, ...]) -> list[tuple[int, float]]:
        """Candidate names sharing a distinctive word with the query, each with its full score; a name equal to
        the query after normalisation scores 1 even when all its words are common ("China Electronics Corp")."""
        ordered = sorted(query)
        key = hash(tuple(ordered))
        first = self._exact.get(key)
        same = [] if first is None else [first, *self._exact_more.get(key, ())]
        exact = [i for i in same if sorted(self._names[i].tokens) == ordered]
        opened: dict[int, float] = defaultdict(float)
        # Query words joined pairwise find a name that writes them as one ("Cloud Walk" / "CloudWalk").
        for token in {*query, *_joined_pairs(query)}:
            for found, similarity in self._lookup(token):
                ids = self._postings[found]
                if self._is_generic(found, len(ids)):
                    continue
                weight = self._weight[found] * similarity
                for name_id in ids:
                    opened[name_id] += weight
        # A query word split in two finds a name that writes it as two ("Chengdu" / "Cheng Du").
        for token in set(query):
            for left, right in self._splits(token):
                weight = max(self._weight[left], self._weight[right])
                for name_id in set(self._postings[left]).intersection(self._postings[right]):
                    opened[name_id] += weight
        scored = [(name_id, 1.0) for name_id in exact]
        if opened:
            exact_ids = set(exact)
            top = nlargest(_CANDIDATES, opened.items(), key=lambda item: item[1])
            scored += [
                (name_id, self._score(query, self._names[name_id].tokens))
                for name_id, _ in top
                if name_id not in exact_ids
            ]
        return scored

    def _splits(self, token: str) -> list[tuple[str, str]]:
        """Ways to cut a word into two indexed words, not both generic."""
        out: list[tuple[str, str]] = []
        for cut in range(2, len(token) - 1):
            left, right = token[:cut], token[cut:]
            ids_left, ids_right = self._postings.get(left), self._postings.get(right)
            if (
                ids_left is not None
                and ids_right is not None
                and not (self._is_generic(left, len(ids_left)) and self._is_generic(right, len(ids_right)))
            ):
                out.append((left, right))
        return out

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
        """How well two token lists cover each other, weighted by rarity: the F-measure (query coverage weighing
        _QUERY_BETA times more) of the shares of the query's and the candidate's weight that are matched. 0 when
        only generic words match; lower when each side has words the other lacks (a different word, not just a
        missing one)."""
        q_weights = [self._token_weight(t) for t in query]
        c_weights = [self._token_weight(t) for t in candidate]
        q_sim = [0.0] * len(query)
        c_sim = [0.0] * len(candidate)
        for i, token in enumerate(query):
            best_j, best_sim = -1, 0.0
            for j, other in enumerate(candidate):
                if c_sim[j]:
                    continue
                similarity = _token_similarity(token, other)
                if similarity > best_sim:
                    best_j, best_sim = j, similarity
                    if similarity == 1.0:
                        break
            if best_j >= 0:
                q_sim[i] = c_sim[best_j] = best_sim
        # A word on one side may be two adjacent words on the other ("CloudWalk" / "Cloud Walk").
        _match_joined(query, candidate, q_sim, c_sim)
        _match_joined(candidate, query, c_sim, q_sim)
        distinctive = any(
            sim and not self._is_generic(token, len(self._postings.get(token, ())))
            for token, sim in zip(candidate, c_sim, strict=True)
        )
        if not distinctive:
            return 0.0
        cover_q = sum(w * s for w, s in zip(q_weights, q_sim, strict=True)) / sum(q_weights)
        cover_c = sum(w * s for w, s in zip(c_weights, c_sim, strict=True)) / sum(c_weights)
        if cover_q <= 0 or cover_c <= 0:
            return 0.0
        beta2 = _QUERY_BETA * _QUERY_BETA
        score = (1 + beta2) * cover_q * cover_c / (beta2 * cover_c + cover_q)
        if 0.0 in q_sim and 0.0 in c_sim:
            score *= _SUBSTITUTED
        return score


def _joined_pairs(tokens: Sequence[str]) -> list[str]:
    return [tokens[i] + tokens[i + 1] for i in range(len(tokens) - 1)]


def _match_joined(side: Sequence[str], other: Sequence[str], side_sim: list[float], other_sim: list[float]) -> None:
    """Match each unmatched word of `side` with two adjacent unmatched words of `other` written together."""
    for i, token in enumerate(side):
        if side_sim[i]:
            continue
        for j in range(len(other) - 1):
            if not other_sim[j] and not other_sim[j + 1] and other[j] + other[j + 1] == token:
                side_sim[i] = other_sim[j] = other_sim[j + 1] = 1.0
                break


def _token_similarity(token: str, other: str) -> float:
    """1 for equal words. A typo (one edit, a swap counting as one) costs little in a word of six letters or
    more, two edits in a word of seven or more cost more; short words must be equal."""
    if token == other:
        return 1.0
    shorter = min(len(token), len(other))
    if shorter < _FUZZY_MIN_LEN or (token in GENERIC and other not in GENERIC):
        # A generic query word may not pass for a distinctive one ("China" is not "Chika").
        return 0.0
    distance = OSA.distance(token, other, score_cutoff=2)
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
