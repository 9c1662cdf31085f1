"""The deal page: the score as of a date, computed and not stored, with its reasons, the ownership graph and
the stored history."""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlmodel import Session

from app.api.deps import MAX_ID, SessionDep, SettingsDep
from app.models import Deal
from app.schemas.deal import PartyOut
from app.scoring.assess import evaluate
from app.screening.model import Hit
from app.services import deals, rulesets, scoring, screening
from app.services.paging import PageRequest
from app.services.screening import EntityGraph
from app.web.auth import PageViewer
from app.web.charts.history import HistoryPoint, history_svg
from app.web.charts.ownership import GraphEdge, GraphNode, HitPath, carrying_edges, hit_paths, ownership_svg
from app.web.charts.waterfall import FactorBar, Threshold, waterfall_svg
from app.web.conditions import leaf_words
from app.web.rendering import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def assess_without_storing(session: Session, deal: Deal, as_of: date) -> tuple[dict[str, Any], list[Threshold]]:
    """What POST /v1/deals/{id}/score?as_of= would store, computed the same way (active ruleset, the deal's
    facts and screening as of the date) and kept nowhere. Also the active ruleset's tier thresholds."""
    active = rulesets.get_active(session)
    thresholds = [Threshold(t["name"], int(t["min_score"])) for t in active.body.get("tiers", [])]
    workspace = scoring.load_workspace(session)
    prepared = scoring.prepare_deals(session, workspace, [deal], as_of)[deal.id]  # type: ignore[index]
    result = evaluate(prepared, rulesets.reference(active))
    return scoring.snapshot_fields(result), thresholds


def _hit_note(hit: Hit, names: dict[int, str]) -> str:
    since = f" since {hit.listed_since.isoformat()}" if hit.listed_since else ""
    via = f" through {' ← '.join(names.get(v, str(v)) for v in hit.via)}" if hit.via else ""
    return f"{hit.list_code}{since}{via}"


def ownership_picture(
    session: Session, graph: EntityGraph, parties: Sequence[PartyOut], paths: Sequence[HitPath], as_of: date
) -> Markup:
    """Parties and their owners up every chain; a node is a hit when any list hits it as of the date, and the
    edges of `paths` (the inherited hits of the score) carry the hit."""
    screener = screening.Screener(
        screening.load_index(session), graph, screening.load_decisions(session, graph.entities)
    )
    hits = screener.screen(sorted(graph.entities), as_of)
    names = {eid: e.name for eid, e in graph.entities.items()}
    roles: dict[int, list[str]] = {}
    for party in parties:
        roles.setdefault(party.entity_id, []).append(party.role.value)
    order = list(dict.fromkeys(p.entity_id for p in parties))
    order += sorted((eid for eid in graph.entities if eid not in roles), key=lambda eid: names[eid].lower())
    nodes = []
    for eid in order:
        entity = graph.entities[eid]
        detail = " · ".join(x for x in (entity.country or "", ", ".join(roles.get(eid, [])) or "owner") if x)
        nodes.append(
            GraphNode(
                entity_id=eid,
                name=entity.name,
                detail=detail,
                hit=bool(hits.get(eid)),
                party=eid in roles,
                note="; ".join(_hit_note(h, names) for h in hits.get(eid, [])),
            )
        )
    carrying = carrying_edges(paths)
    edges = sorted((e for owned in graph.graph.owners.values() for e in owned), key=lambda e: (e.owner_id, e.owned_id))
    drawn = [
        GraphEdge(e.owner_id, e.owned_id, e.percent, e.control, (e.owner_id, e.owned_id) in carrying) for e in edges
    ]
    return ownership_svg(nodes, drawn)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _evidence(rule: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "words": leaf_words(e["fact"], e["op"], e["value"]),
            "fact": e["fact"],
            "op": e["op"],
            "value": _json(e["value"]),
            "actual": _json(e["actual"]),
        }
        for e in rule["evidence"]
    ]


@router.get("/deals/{deal_id}")
def deal_page(
    deal_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    settings: SettingsDep,
    principal: PageViewer,
    as_of: Annotated[date | None, Query(description="Score as of this date; default today (UTC).")] = None,
) -> HTMLResponse:
    """One deal scored as of a date, explained rule by rule; nothing is stored."""
    deal = deals.get_deal(session, deal_id)
    public = deals.to_public(session, [deal])[0]
    today = datetime.now(UTC).date()
    day = as_of or today
    result, thresholds = assess_without_storing(session, deal, day)
    hits_now = [h for h in result["screening"] if h["screened_as_of"] == day.isoformat()]
    graph = screening.load_graph(session, [p.entity_id for p in public.parties])
    paths = hit_paths(hits_now, {eid: e.name for eid, e in graph.entities.items()})
    history = scoring.score_history(session, deal_id, PageRequest(limit=settings.max_page_size, offset=0))
    points = [
        HistoryPoint(s.as_of, s.score, str(s.tier), s.computed_at.strftime("%Y-%m-%d %H:%M UTC"))
        for s in reversed(history.items)
    ]
    return render(
        "deal.html",
        principal=principal,
        deal=public,
        result=result,
        as_of=day,
        today=today,
        waterfall=waterfall_svg(
            [FactorBar(f["factor"], f["points"], f["cap"]) for f in result["factors"]], result["score"], thresholds
        ),
        rules=[{**rule, "evidence_rows": _evidence(rule)} for rule in result["rules"]],
        ownership=ownership_picture(session, graph, public.parties, paths, day),
        hit_paths=paths,
        hits=hits_now,
        history=history_svg(points, thresholds),
        history_total=history.total,
        history_shown=len(points),
        facts=sorted((name, _json(value)) for name, value in result["facts"].items()),
    )
