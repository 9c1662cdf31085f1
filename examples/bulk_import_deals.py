"""Bulk-import deals from a CSV file, creating the entities they name first.

    python examples/bulk_import_deals.py examples/deals.csv --entities examples/entities.csv --score
    python examples/bulk_import_deals.py examples/deals.csv --entities examples/entities.csv --dry-run

deals.csv has one deal per row, with the columns of `POST /v1/deals/import`: ref, title, description, deal_type,
sector, host_country, value_usd, stake_pct, control, government_party, signed_on, status, parties (role:entity;
role:entity, the entity as #id, ref, name or alias), mitigations (a;b), us_concern_level, us_relations_notes,
attributes (key=value;key=value). entities.csv (ref, name, aliases, country, kind, state_owned, notes) lists the
entities to create when no entity with that ref exists yet.

Each row goes through POST /v1/deals on its own: a bad row is reported with its line and every field at fault,
the other rows still go in, and a row whose ref already exists is skipped, so running it twice changes nothing.
--dry-run scores every row with POST /v1/score instead (entities not yet stored are screened by name) and
stores nothing.
"""

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.client import ConflictError, FdiRiskClient, FdiRiskError, FdiRiskUnavailable

BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
LIST_COLUMNS = {"aliases", "mitigations"}
BOOLEAN_COLUMNS = {"control", "government_party", "state_owned"}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deals", metavar="DEALS_CSV", type=Path, help="the deals, e.g. examples/deals.csv")
    parser.add_argument("--entities", metavar="CSV", type=Path, help="entities to create first, if missing")
    parser.add_argument("--dry-run", action="store_true", help="score each row without storing anything")
    parser.add_argument("--score", action="store_true", help="score each created deal")
    parser.add_argument("--as-of", help="score as of YYYY-MM-DD (default today)")
    parser.add_argument("--url", default=os.environ.get("FDI_URL", "http://127.0.0.1:8000"), help="env FDI_URL")
    parser.add_argument("--key", default=os.environ.get("FDI_API_KEY"), help="API key (env FDI_API_KEY)")
    return parser.parse_args(argv)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-empty row with the file line it starts on, cells stripped, empty cells left out."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:  # reads the header, so line_num counts from it
            return
        line = reader.line_num + 1
        for row in reader:
            cells = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
            start, line = line, reader.line_num + 1
            if any(cells.values()):
                yield start, {key: value for key, value in cells.items() if value}


def cell(column: str, value: str) -> Any:
    """A CSV cell as the API expects it: booleans, `;`-separated lists, numbers left as text for the server."""
    if column in BOOLEAN_COLUMNS:
        if value.casefold() not in BOOLEANS:
            raise ValueError(f"{column}: {value!r} is not true/false")
        return BOOLEANS[value.casefold()]
    if column in LIST_COLUMNS:
        return [item.strip() for item in value.split(";") if item.strip()]
    return value


def attributes(value: str) -> dict[str, Any]:
    """`key=value;key=value` with true/false and numbers typed, or a JSON object."""
    if value.startswith("{"):
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise ValueError("attributes: not a JSON object")
        return parsed
    out: dict[str, Any] = {}
    for pair in filter(None, (p.strip() for p in value.split(";"))):
        key, equals, text = pair.partition("=")
        if not equals:
            raise ValueError(f"attributes: {pair!r} is not key=value")
        out[key.strip()] = json.loads(text) if text in {"true", "false"} or _is_number(text) else text
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class Entities:
    """Entities the deals may name: stored ones by id, and (in a dry run) ones to create, kept as bodies."""

    fdi: FdiRiskClient
    by_key: dict[str, int | dict[str, Any]] = field(default_factory=dict)

    def find(self, wanted: str) -> int | dict[str, Any] | None:
        """A party's entity: `#12`, a ref from entities.csv, or a stored entity's ref, name or alias."""
        if wanted.startswith("#") and wanted[1:].isdigit():
            return int(wanted[1:])
        key = wanted.casefold()
        if key not in self.by_key:
            for entity in self.fdi.iter_entities(q=wanted):
                names = {entity.ref or "", entity.name, *entity.aliases}
                if key in {n.casefold() for n in names}:
                    self.by_key[key] = entity.id
                    break
        return self.by_key.get(key)

    def ensure(self, line: int, row: dict[str, str], dry_run: bool) -> str:
        """Reuse the stored entity with the row's ref (looked up by its name), else create it."""
        body = {column: cell(column, value) for column, value in row.items()}
        ref = body.get("ref")
        if not ref:
            raise ValueError("ref: required, it is how deals.csv names the entity")
        for entity in self.fdi.iter_entities(q=body.get("name", ref)):
            if entity.ref == ref:
                self.by_key[ref.casefold()] = entity.id
                return f"entities.csv line {line}: {ref} exists (id {entity.id})"
        if dry_run:
            self.by_key[ref.casefold()] = body
            return f"entities.csv line {line}: {ref} would be created"
        created = self.fdi.create_entity(body)
        self.by_key[ref.casefold()] = created.id
        return f"entities.csv line {line}: {ref} created (id {created.id})"


def deal_body(row: dict[str, str], entities: Entities) -> dict[str, Any]:
    """The POST /v1/deals body of a CSV row; parties resolved to ids, or inline bodies in a dry run."""
    body: dict[str, Any] = {}
    relations: dict[str, str] = {}
    for column, value in row.items():
        if column == "parties":
            body["parties"] = [party(item, entities) for item in value.split(";") if item.strip()]
        elif column == "attributes":
            body["attributes"] = attributes(value)
        elif column == "us_concern_level":
            relations["concern_level"] = value
        elif column == "us_relations_notes":
            relations["notes"] = value
        else:
            body[column] = cell(column, value)
    if relations:
        body["us_relations"] = relations
    return body


def party(item: str, entities: Entities) -> dict[str, Any]:
    role, colon, who = item.strip().partition(":")
    if not colon:
        raise ValueError(f"parties: {item.strip()!r} is not role:entity")
    found = entities.find(who.strip())
    if found is None:
        raise ValueError(f"parties: no entity {who.strip()!r} (add it to entities.csv)")
    if isinstance(found, int):
        return {"entity_id": found, "role": role.strip()}
    inline: dict[str, Any] = {k: found[k] for k in ("name", "aliases", "country", "kind", "state_owned") if k in found}
    return {**inline, "role": role.strip()}


def import_deal(fdi: FdiRiskClient, body: dict[str, Any], args: argparse.Namespace) -> str:
    """Create (or, in a dry run, only score) one deal and say what happened."""
    if args.dry_run:
        snapshot = fdi.score(body, as_of=args.as_of)
        return f"would create {body.get('title')!r}: score {snapshot.score}, {snapshot.tier.value}"
    try:
        deal = fdi.create_deal(body)
    except ConflictError as exc:
        if any(problem.field == "ref" for problem in exc.errors):
            return f"skipped {body.get('title')!r}: {exc.detail}"
        raise
    outcome = f"created deal {deal.id} {deal.title!r}"
    if args.score:
        snapshot = fdi.score_deal(deal.id, as_of=args.as_of)
        outcome += f": score {snapshot.score}, {snapshot.tier.value}, {snapshot.recommendation.value}"
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    failed = 0
    try:
        with FdiRiskClient(args.url, api_key=args.key) as fdi:
            entities = Entities(fdi)
            for line, row in read_rows(args.entities) if args.entities else ():
                try:
                    print(entities.ensure(line, row, args.dry_run))
                except (ValueError, FdiRiskError) as exc:
                    failed += 1
                    print(f"entities.csv line {line}: {exc}", file=sys.stderr)
            for line, row in read_rows(args.deals):
                try:
                    print(f"line {line}: {import_deal(fdi, deal_body(row, entities), args)}")
                except (ValueError, FdiRiskError) as exc:
                    failed += 1
                    print(f"line {line}: {exc}", file=sys.stderr)
    except FdiRiskUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    if failed:
        print(f"{failed} row(s) failed; the others were imported", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
