"""Plain records the screening code works on: list rules, entries, subjects, ownership edges and hits. Pure."""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from app.vocabulary import ListCategory, OwnershipRule


@dataclass(frozen=True, slots=True)
class ListRule:
    """What a list means for screening: its category and how its hits reach subsidiaries."""

    code: str
    category: ListCategory
    ownership_rule: OwnershipRule


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a list's current version."""

    id: int
    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    parent_name: str | None = None
    country: str | None = None

    @property
    def key(self) -> str:
        """Identity of the entry across list versions and editions: its list, name and aliases. An analyst's
        decision on a hit holds while this stays the same, and lapses when the list changes the entry's names."""
        return entry_key(self.list_code, self.name, self.aliases)

    def in_force(self, as_of: date) -> bool:
        """An entry counts from its start date up to, not including, its end date (the day it was removed)."""
        if self.start_date is not None and as_of < self.start_date:
            return False
        return self.end_date is None or as_of < self.end_date


@dataclass(frozen=True, slots=True)
class Subject:
    """An entity to screen: its id and every name it is known by."""

    entity_id: int
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Edge:
    """`owner_id` holds `percent` of `owned_id`; `control` marks control beyond the share."""

    owner_id: int
    owned_id: int
    percent: float
    control: bool = False

    @property
    def controlling(self) -> bool:
        return self.control or self.percent >= 50


@dataclass(frozen=True, slots=True)
class Hit:
    """An entity hit by a list entry: directly by name, or through owners (`via`, nearest owner first)."""

    entity_id: int
    list_code: str
    entry_id: int
    entry_name: str
    score: float
    query: str
    candidate: str
    listed_since: date | None = None
    via: tuple[int, ...] = field(default=())
    entry_key: str = ""
    status: str = "unreviewed"  # confirmed | rejected | unreviewed: an analyst's decision on this hit

    @property
    def direct(self) -> bool:
        return not self.via


def entry_key(list_code: str, name: str, aliases: tuple[str, ...] | list[str]) -> str:
    """sha256 over the list code and the case-folded name and aliases (aliases in sorted order)."""
    parts = [list_code, name.strip().casefold(), *sorted(a.strip().casefold() for a in aliases)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
