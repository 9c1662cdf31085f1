"""`fdi-risk export deals|scores`: every deal, or every deal's scores, from the server as CSV or JSON.

CSV rows are the client's flat records (`app.client.records`), so a spreadsheet and a pandas script see the
same columns; JSON is the API's own objects, complete. Output goes to stdout, or with --out to a file that is
replaced only once everything was fetched.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from app.cli.progress import Update, progress_bar
from app.cli.remote import Key, Url, connect, fail
from app.client import FdiRiskClient
from app.client.calls import next_offset
from app.client.records import Record, deal_record, snapshot_record
from app.client.transport import DEFAULT_URL
from app.schemas.deal import DealPublic
from app.schemas.scoring import Snapshot

FORMATS = ("csv", "json")
PAGE_SIZE = 100  # within every server's FDI_MAX_PAGE_SIZE unless it was lowered below the default

export_app = typer.Typer(
    help="Export deals or scores from the server as CSV or JSON (stdout, or a file with --out).",
    no_args_is_help=True,
)

Format = Annotated[
    str | None,
    typer.Option("--format", help="csv or json (default: from the --out file name, else csv).", show_default=False),
]
Out = Annotated[
    Path | None,
    typer.Option("--out", help="Write to this file (replaced when the export is complete) instead of stdout."),
]


@export_app.command("deals")
def export_deals(format: Format = None, out: Out = None, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Every deal with its parties and its latest score, oldest first.

    CSV: one row per deal: id, ref, title, type, sector, parties, counterparties, score, tier, attributes.*, ...

    JSON: a list of the API's deal objects, as GET /v1/deals/{id} returns them. Needs a key with role viewer.

    Example: fdi-risk export deals --out deals.csv

    Example: fdi-risk export deals --format json | jq '.[] | [.title, .latest_score.tier]'
    """
    _check_target(out)
    kind = _format(format, out)
    with connect(url, key) as fdi, progress_bar("exporting deals", show=out is not None) as update:
        deals = list(_every_deal(fdi, update))
    _write(_csv(deal_record(d) for d in deals) if kind == "csv" else _json(deals), out)
    _summary(len(deals), "deal", "deals", out)


@export_app.command("scores")
def export_scores(
    format: Format = None,
    out: Out = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every stored score of every deal, newest first, not just the latest.")
    ] = False,
    url: Url = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Each deal's latest stored score (with --history every stored score), deals oldest first.

    CSV: one row per score: deal_id, deal_ref, deal_title, as_of, score, tier, rules, factor.<name>, ...

    JSON: a list of the API's snapshots, with every fired rule and its evidence, the facts and the list hits.

    Deals never scored are left out and counted. Needs a key with role viewer.

    Example: fdi-risk export scores --out scores.csv

    Example: fdi-risk export scores --history --format json --out history.json
    """
    _check_target(out)
    kind = _format(format, out)
    snapshots: list[tuple[DealPublic, Snapshot]] = []
    with connect(url, key) as fdi:
        deals = list(_every_deal(fdi))
        with progress_bar("exporting scores", show=out is not None) as update:
            for done, deal in enumerate(deals, start=1):
                if deal.latest_score is not None:
                    found = fdi.iter_scores(deal.id) if history else fdi.scores(deal.id, limit=1).items
                    snapshots += [(deal, snapshot) for snapshot in found]
                update(done, len(deals))
    if kind == "csv":
        _write(_csv(_score_record(deal, snapshot) for deal, snapshot in snapshots), out)
    else:
        _write(_json(snapshot for _, snapshot in snapshots), out)
    unscored = sum(1 for deal in deals if deal.latest_score is None)
    note = f" ({unscored} of {len(deals)} deals never scored)" if unscored else ""
    _summary(len(snapshots), "score", "scores", out, note)


def _format(given: str | None, out: Path | None) -> str:
    if given is not None:
        if given.lower() not in FORMATS:
            fail(f"--format {given!r} is not one of {', '.join(FORMATS)}")
        return given.lower()
    if out is None:
        return "csv"
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        fail(f"cannot tell the format from {out.name!r}; pass --format csv or --format json")
    return suffix


def _check_target(out: Path | None) -> None:
    """Refuse an --out that cannot be written before anything is fetched."""
    if out is None:
        return
    if out.is_dir():
        fail(f"--out {out} is a folder; name a file")
    if not out.parent.is_dir():
        fail(f"--out {out}: the folder {out.parent} does not exist")


def _every_deal(fdi: FdiRiskClient, update: Update | None = None) -> Iterator[DealPublic]:
    """Every deal, oldest first (new deals land on the last page, so the pages do not shift while read)."""
    offset: int | None = 0
    done = 0
    while offset is not None:
        page = fdi.list_deals(sort="created_at", limit=PAGE_SIZE, offset=offset)
        yield from page.items
        done += len(page.items)
        if update is not None:
            update(done, page.total)
        offset = next_offset(page)


def _score_record(deal: DealPublic, snapshot: Snapshot) -> Record:
    """The snapshot's flat record with the deal's ref and title beside its id, for readers of the sheet."""
    record = snapshot_record(snapshot)
    head = {key: record.pop(key) for key in ("snapshot_id", "deal_id")}
    return {**head, "deal_ref": deal.ref, "deal_title": deal.title, **record}


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror or exc}")


def _csv(records: Iterable[Record]) -> str:
    """RFC 4180 CSV; the columns are every key seen, in the order first seen (attributes and factors vary)."""
    rows = list(records)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    if columns:
        writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Empty for none, true/false for booleans, ISO 8601 for dates and timestamps."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _json(models: Iterable[BaseModel]) -> str:
    return json.dumps([m.model_dump(mode="json") for m in models], indent=2, ensure_ascii=False) + "\n"


def _summary(count: int, one: str, many: str, out: Path | None, note: str = "") -> None:
    """The summary goes to stderr, so stdout carries only the data when no --out is given."""
    where = str(out) if out is not None else "stdout"
    typer.echo(f"wrote {count} {one if count == 1 else many} to {where}{note}", err=True)
