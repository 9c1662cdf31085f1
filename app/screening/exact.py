"""The simplest correct matcher: normalised exact match of names and aliases against entries. Pure.

It stands behind `Matcher` so the fuzzy matcher can replace it without touching scoring.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from app.screening.model import Entry, Hit, Subject
from app.screening.normalise import normalise


class Matcher(Protocol):
    """Finds the entries in force on a date that name a subject."""

    def match(self, subject: Subject, as_of: date) -> list[Hit]: ...


class ExactMatcher:
    """Index of normalised entry names and aliases; a hit needs an identical normalised name."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_name: dict[str, list[tuple[Entry, str]]] = defaultdict(list)
        for entry in entries:
            for candidate in (entry.name, *entry.aliases):
                key = normalise(candidate)
                if key:
                    self._by_name[key].append((entry, candidate))

    def match(self, subject: Subject, as_of: date) -> list[Hit]:
        """One hit per list: the entry in force with the earliest start date, so `listed_since` is meaningful."""
        best: dict[str, Hit] = {}
        for query in subject.names:
            for entry, candidate in self._by_name.get(normalise(query), ()):
                if not entry.in_force(as_of):
                    continue
                current = best.get(entry.list_code)
                if current is None or _earlier(entry.start_date, current.listed_since):
                    best[entry.list_code] = Hit(
                        entity_id=subject.entity_id,
                        list_code=entry.list_code,
                        entry_id=entry.id,
                        entry_name=entry.name,
                        score=1.0,
                        query=query,
                        candidate=candidate,
                        listed_since=entry.start_date,
                    )
        return [best[code] for code in sorted(best)]


def _earlier(candidate: date | None, current: date | None) -> bool:
    if candidate is None:
        return False
    return current is None or candidate < current
