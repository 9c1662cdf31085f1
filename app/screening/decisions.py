"""Apply analysts' decisions to hits: rejected hits stop counting, confirmed ones are marked. Pure."""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.screening.model import Hit

Decisions = Mapping[tuple[int, str], str]
"""(entity id, entry key) → "confirmed" or "rejected"."""


def with_decisions(hits: Sequence[Hit], decisions: Decisions, keep_rejected: bool = False) -> list[Hit]:
    """The hits with their decision as status; rejected ones dropped unless `keep_rejected` (for review screens).

    A decision on an owner's hit also governs what its subsidiaries inherit, because rejected direct hits are
    removed before ownership propagation; a decision on an inherited hit governs that entity alone.
    """
    out: list[Hit] = []
    for hit in hits:
        status = decisions.get((hit.entity_id, hit.entry_key))
        if status == "rejected" and not keep_rejected:
            continue
        out.append(replace(hit, status=status) if status is not None and status != hit.status else hit)
    return out
