"""Bulk deal import: read a CSV, JSON or YAML file of deals (and, in JSON or YAML, the entities they name), check
every row with the same models and reference checks as POST /v1/deals, and write all of it or none of it.

Three steps: `parse` (pure: bytes to raw rows that remember where they sit in the file), `_check` (reads the
reference data once and collects every problem of every row), `_write` (the rows and audit events of
create_entity and create_deal, flushed for the whole file at once). Flush, never commit: the caller's unit of
work commits.
"""

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz, process
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.errors import Conflict, FieldProblem, ImportRejected, InvalidInput
from app.models import Country, Deal, DealParty, Entity, Sector
from app.rules.facts import REGISTRY, FactType
from app.schemas.deal import DealCreate
from app.schemas.deal_import import (
    DealImportResult,
    DealImportRow,
    EntityImportRow,
    ImportedDeal,
    ImportedEntity,
    ImportFormat,
    OnExisting,
    PartyRef,
    SkippedDeal,
)
from app.scoring.facts import ATTRIBUTE_PREFIX
from app.services import audit, deals
from app.vocabulary import PartyRole

MAX_ROWS = 10_000  # deals (and, separately, entities) per file; more is a batch job, not an upload
MAX_REPORTED_PROBLEMS = 1_000  # a response listing more would bury the first ones
_SUGGESTED_NAMES = 50  # fuzzy "did you mean" look-ups per import; each one scans every stored name
_IN_CHUNK = 500  # bound parameters per IN (...) query, well under SQLite's limit

# The CSV columns, in the order the docs and the examples use.
CSV_COLUMNS = (
    "ref",
    "title",
    "description",
    "deal_type",
    "sector",
    "host_country",
    "value_usd",
    "stake_pct",
    "control",
    "government_party",
    "signed_on",
    "status",
    "parties",
    "mitigations",
    "us_concern_level",
    "us_relations_notes",
    "attributes",
)
CSV_REQUIRED = ("title", "deal_type", "sector", "host_country", "parties")
_BOOLEAN_COLUMNS = frozenset({"control", "government_party"})
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
# CSV columns that hold one field of a nested API object; problems are reported under the column's name.
_CSV_FIELD_NAMES = {
    "us_relations": "us_concern_level",
    "us_relations.concern_level": "us_concern_level",
    "us_relations.notes": "us_relations_notes",
}
_EXTENSIONS = {
    ".csv": ImportFormat.csv,
    ".json": ImportFormat.json,
    ".yaml": ImportFormat.yaml,
    ".yml": ImportFormat.yaml,
}

Target = int | str  # a stored entity's id, or the ref of an entity this file creates
M = TypeVar("M", bound=BaseModel)


def detect_format(filename: str | None, explicit: ImportFormat | None = None) -> ImportFormat:
    """The format asked for, or else the one the file name's extension says."""
    if explicit is not None:
        return explicit
    found = _EXTENSIONS.get(PurePath(filename or "").suffix.lower())
    if found is None:
        raise ImportRejected(
            f"Cannot tell the format of {filename or 'the upload'!r} from its name; "
            "name it .csv, .json, .yaml or .yml, or pass format=csv|json|yaml."
        )
    return found


@dataclass(frozen=True, eq=False)
class Where:
    """Where a row sits in its file, in the terms an analyst uses to find it: a CSV line, or a JSON/YAML item
    (with, for YAML, the line of the very field at fault)."""

    line: int | None = None
    item: int | None = None
    section: str = ""  # "entities " for the entity list of a JSON/YAML file
    node: yaml.Node | None = None

    def line_of(self, field: str = "") -> int | None:
        return self.line if self.node is None else _node_line(self.node, field)

    def label(self, field: str = "") -> str:
        if self.item is None:
            prefix = f"line {self.line}"
            field = _CSV_FIELD_NAMES.get(field, field)
        else:
            line = self.line_of(field)
            prefix = f"{self.section}item {self.item}" + (f" (line {line})" if line is not None else "")
        return f"{prefix}: {field}" if field else prefix


@dataclass
class RawRow:
    """One row as read: the fields in API shape (None when the row is not even an object) and the problems
    already found while reading its cells."""

    where: Where
    data: dict[str, Any] | None
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ParsedFile:
    deals: list[RawRow]
    entities: list[RawRow] = field(default_factory=list)


def parse(content: bytes, fmt: ImportFormat, max_rows: int = MAX_ROWS) -> ParsedFile:
    """Decode and read the file into raw rows. A file that cannot be read as a whole (encoding, syntax, header,
    shape, too many rows) raises ImportRejected; problems of single rows stay with the rows."""
    text = _decode(content)
    if fmt is ImportFormat.csv:
        parsed = _read_csv(text, max_rows)
    elif fmt is ImportFormat.json:
        parsed = _read_json(text, max_rows)
    else:
        parsed = _read_yaml(text, max_rows)
    if not parsed.deals and not parsed.entities:
        raise ImportRejected("The file holds no deals.")
    return parsed


def _decode(content: bytes) -> str:
    if not content.strip():
        raise ImportRejected("The file is empty.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            f"The file is not UTF-8 text: byte 0x{content[exc.start]:02x} on line {line} cannot be read. "
            "Save it as UTF-8 (in Excel: CSV UTF-8)."
        ) from None


def _too_many(count: str, what: str, max_rows: int) -> ImportRejected:
    return ImportRejected(f"The file holds {count} {what}; import at most {max_rows:,} per file (split it).")


def _read_csv(text: str, max_rows: int) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[RawRow] = []
    try:
        columns = [name.strip().lower() for name in next(reader)]
        _check_header(columns)
        start = reader.line_num + 1
        for cells in reader:
            # csv counts physical lines, so a quoted value spanning lines still reports where its row begins.
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == max_rows:
                raise _too_many(f"more than {max_rows:,}", "deals", max_rows)
            rows.append(_csv_row(line, columns, cells))
    except csv.Error as exc:
        raise ImportRejected(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from None
    return ParsedFile(deals=rows)


def _check_header(columns: list[str]) -> None:
    problems: list[FieldProblem] = []
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    for name in unknown:
        close = difflib.get_close_matches(name, CSV_COLUMNS, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(FieldProblem(f"line 1: {name or '(empty)'}", f"unknown column{hint}"))
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    missing = [name for name in CSV_REQUIRED if name not in columns]
    if repeated:
        problems.append(FieldProblem("line 1", f"repeated column(s): {', '.join(repeated)}"))
    if missing:
        problems.append(FieldProblem("line 1", f"missing required column(s): {', '.join(missing)}"))
    if problems:
        said = [f"unknown column(s) {', '.join(n or '(empty)' for n in unknown)}"] if unknown else []
        said += [p.message for p in problems if p.field == "line 1"]
        raise ImportRejected(
            f"The CSV header is wrong: {'; '.join(said)}. The columns are: {', '.join(CSV_COLUMNS)} "
            f"(required: {', '.join(CSV_REQUIRED)}).",
            problems,
        )


def _csv_row(line: int, columns: list[str], cells: list[str]) -> RawRow:
    row = RawRow(Where(line=line), {})
    if len(cells) != len(columns):
        row.data = None
        row.problems.append(("", f"{len(cells)} values, but the header has {len(columns)} columns"))
        return row
    data: dict[str, Any] = {}
    relations: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if not value:
            continue  # an empty cell means "not given": the field takes its default, as in the JSON body
        try:
            if column in _BOOLEAN_COLUMNS:
                data[column] = _boolean(value)
            elif column == "parties":
                data[column] = _parties_cell(value)
            elif column == "mitigations":
                data[column] = [code.strip() for code in value.split(";") if code.strip()]
            elif column == "attributes":
                data[column] = _attributes_cell(value)
            elif column == "us_concern_level":
                relations["concern_level"] = value
            elif column == "us_relations_notes":
                relations["notes"] = value
            else:
                data[column] = value
        except ValueError as exc:
            row.problems.append((column, str(exc)))
    if relations:
        data["us_relations"] = relations
    row.data = data
    return row


def _boolean(value: str) -> bool:
    try:
        return _BOOLEANS[value.casefold()]
    except KeyError:
        raise ValueError(f"{value!r} is not a boolean (true/false, yes/no, 1/0)") from None


def _parties_cell(value: str) -> list[dict[str, str]]:
    """`role:entity;role:entity`; the entity part may itself hold colons (refs and names can)."""
    parties = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        role, colon, who = part.partition(":")
        if not colon or not role.strip() or not who.strip():
            raise ValueError(f"{part!r} is not role:entity (e.g. supplier:crrc or buyer:#12)")
        parties.append({"role": role.strip(), "entity": who.strip()})
    return parties


def _attributes_cell(value: str) -> dict[str, Any]:
    """A JSON object, or `key=value;key=value` read the way the rules will read each key."""
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON object: {exc.msg} at column {exc.colno}") from None
        except RecursionError:
            raise ValueError("a JSON object nested too deeply to be read") from None
        if not isinstance(parsed, dict):
            raise ValueError("must be a JSON object or key=value pairs")
        return parsed
    out: dict[str, Any] = {}
    for pair in (p.strip() for p in value.split(";")):
        if not pair:
            continue
        key, equals, raw = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"{pair!r} is not key=value")
        out[key.strip()] = _attribute_value(key.strip(), raw.strip())
    return out


def _attribute_value(key: str, raw: str) -> Any:
    """A fact the rules read gets its declared type (booleans in any of the CSV spellings); any other key is a
    JSON number or boolean when it reads as one, else text. A value that fits no type stays text, so the
    model's type check names it."""
    spec = REGISTRY.get(ATTRIBUTE_PREFIX + key)
    if spec is not None and spec.type is FactType.boolean:
        return _BOOLEANS.get(raw.casefold(), raw)
    if spec is not None and spec.type is FactType.string:
        return raw
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return parsed if isinstance(parsed, bool | int | float) else raw


def _read_json(text: str, max_rows: int) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise ImportRejected("The file nests JSON arrays or objects too deeply to be read.") from None
    entity_items, deal_items = _sections(data)
    return ParsedFile(
        deals=_items(deal_items, "", [None] * len(deal_items), max_rows, "deals"),
        entities=_items(entity_items, "entities ", [None] * len(entity_items), max_rows, "entities"),
    )


def _read_yaml(text: str, max_rows: int) -> ParsedFile:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ImportRejected("The file is empty.")
        _refuse_aliases(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ImportRejected(f"The file is not valid YAML: {exc.problem or exc.context}{where}.") from None
    except yaml.YAMLError as exc:
        raise ImportRejected(f"The file is not valid YAML: {exc}".splitlines()[0]) from None
    finally:
        loader.dispose()
    entity_items, deal_items = _sections(data)
    entity_nodes: list[yaml.Node | None] = list(_list_node(root, "entities")) or [None] * len(entity_items)
    deal_nodes: list[yaml.Node | None] = list(_list_node(root, "deals")) or [None] * len(deal_items)
    return ParsedFile(
        deals=_items(deal_items, "", deal_nodes, max_rows, "deals"),
        entities=_items(entity_items, "entities ", entity_nodes, max_rows, "entities"),
    )


def _refuse_aliases(root: yaml.Node) -> None:
    """Refuse anchors and aliases: a few lines of them can expand into billions of values for the validators."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise ImportRejected(
                f"YAML anchors and aliases (&name, *name) are not accepted in import files "
                f"(line {node.start_mark.line + 1}); write each value out."
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)


def _list_node(root: yaml.Node, section: str) -> Sequence[yaml.Node]:
    """The item nodes of the deal or entity list, matching what `_sections` reads from the same document."""
    if isinstance(root, yaml.SequenceNode):
        return root.value if section == "deals" else []
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == section and isinstance(value, yaml.SequenceNode):
                return value.value  # type: ignore[no-any-return]
    return []


def _node_line(node: yaml.Node, path: str) -> int:
    """The line of the deepest node on `path` (e.g. `parties.1.role`) that exists, from 1."""
    for part in path.split(".") if path else []:
        if isinstance(node, yaml.MappingNode):
            found = next((value for key, value in node.value if str(key.value) == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            found = node.value[int(part)]
        else:
            found = None
        if found is None:
            break
        node = found
    return int(node.start_mark.line) + 1


def _sections(data: Any) -> tuple[list[Any], list[Any]]:
    """(entities, deals) of a JSON/YAML document: a list of deals, or {entities: [...], deals: [...]}."""
    if isinstance(data, list):
        return [], data
    if isinstance(data, dict):
        unknown = sorted(str(k) for k in data if k not in {"entities", "deals"})
        if unknown:
            raise ImportRejected(f"Unknown top-level key(s) {unknown}; the file may hold `entities` and `deals`.")
        entity_items, deal_items = data.get("entities", []), data.get("deals", [])
        if isinstance(entity_items, list) and isinstance(deal_items, list):
            return entity_items, deal_items
    raise ImportRejected("The file must hold a list of deals, or an object with an `entities` list and a `deals` list.")


def _items(items: list[Any], section: str, nodes: Sequence[yaml.Node | None], max_rows: int, what: str) -> list[RawRow]:
    if len(items) > max_rows:
        raise _too_many(f"{len(items):,}", what, max_rows)
    rows = []
    for index, (item, node) in enumerate(zip(items, nodes, strict=True)):
        where = Where(line=None if node is None else node.start_mark.line + 1, item=index, section=section, node=node)
        if isinstance(item, dict):
            rows.append(RawRow(where, item))
        else:
            rows.append(RawRow(where, None, [("", f"expected an object of fields, not {type(item).__name__}")]))
    return rows


def _key(text: str) -> str:
    """Names match whole, ignoring case and runs of spaces; nothing fuzzier, so a party never lands on the
    wrong company."""
    return " ".join(text.split()).casefold()


@dataclass
class _Lookup:
    """The reference data the checks need, read once per import rather than once per row."""

    sectors: frozenset[str]
    countries: frozenset[str]
    entity_ids: set[int]
    by_ref: dict[str, Target] = field(default_factory=dict)
    by_key: dict[str, set[Target]] = field(default_factory=dict)
    labels: dict[Target, str] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "_Lookup":
        lookup = cls(
            sectors=frozenset(session.exec(select(Sector.code))),
            countries=frozenset(session.exec(select(Country.code))),
            entity_ids=set(),
        )
        for entity_id, ref, name, aliases in session.exec(select(Entity.id, Entity.ref, Entity.name, Entity.aliases)):
            assert entity_id is not None
            lookup.entity_ids.add(entity_id)
            label = f"#{entity_id} {name}" + (f" (ref {ref})" if ref else "")
            lookup.add(entity_id, ref, name, aliases, label)
        return lookup

    def add(self, target: Target, ref: str | None, name: str, aliases: Iterable[str], label: str | None) -> None:
        if label is not None:
            self.labels[target] = label
        if ref:
            self.by_ref[ref] = target
        for text in (name, *aliases, *([ref] if ref else [])):
            self.by_key.setdefault(_key(text), set()).add(target)

    def resolve(self, text: str) -> Target:
        """The entity `text` names: `#12` or `12` is an id; then an exact ref; then one name, alias or ref in
        any case. Raises ValueError saying why not (unknown, or which entities share the name)."""
        number = re.fullmatch(r"#?\s*(\d+)", text)
        if number:
            entity_id = int(number[1])
            if entity_id not in self.entity_ids:
                raise ValueError(f"entity {entity_id} does not exist")
            return entity_id
        if text in self.by_ref:
            return self.by_ref[text]
        found = self.by_key.get(_key(text), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            names = "; ".join(sorted(self.labels[t] for t in found))
            raise ValueError(f"{text!r} names {len(found)} entities: {names}. Name one by its ref or #id")
        raise ValueError(f"no entity has the id, ref, name or alias {text!r}{self._suggest(text)}")

    def _suggest(self, text: str) -> str:
        key = _key(text)
        if key not in self.suggestions:
            if len(self.suggestions) >= _SUGGESTED_NAMES:
                return ""
            close = process.extract(key, list(self.by_key), scorer=fuzz.WRatio, limit=3, score_cutoff=88)
            labels = sorted({self.labels[t] for hit in close for t in self.by_key[hit[0]]})
            self.suggestions[key] = f"; did you mean {' or '.join(labels)}?" if labels else ""
        return self.suggestions[key]


@dataclass
class _Checked:
    where: Where
    problems: list[tuple[str, str]]


@dataclass
class _PlannedEntity(_Checked):
    body: EntityImportRow | None = None
    stored_id: int | None = None  # set when an entity with this ref exists: it is reused


@dataclass
class _PlannedDeal(_Checked):
    row: DealImportRow | None = None
    parties: list[tuple[Target, PartyRole]] = field(default_factory=list)
    existing_id: int | None = None  # a stored deal already has this ref


@dataclass
class _Plan:
    entities: list[_PlannedEntity]
    deals: list[_PlannedDeal]


def _model_problems(exc: ValidationError, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Pydantic's errors as (field path, message), leaving out fields whose cells already failed to read."""
    skipped = set(skip)
    out = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        if path.split(".")[0] not in skipped:
            out.append((path, error["msg"].removeprefix("Value error, ")))
    return out


def _validate(model: type[M], raw: RawRow) -> M | None:
    """The row as `model`, or None with the model's problems added to the row's."""
    if raw.data is None:
        return None
    try:
        return model.model_validate(raw.data)
    except ValidationError as exc:
        raw.problems.extend(_model_problems(exc, skip=(f for f, _ in raw.problems)))
        return None


def _check(session: Session, parsed: ParsedFile, on_existing: OnExisting) -> _Plan:
    """Every problem of every row, in file order; raises InvalidInput listing them all when there is any."""
    lookup = _Lookup.load(session)
    plan = _Plan(entities=_check_entities(parsed.entities, lookup), deals=[])
    plan.deals = [_check_deal(raw, lookup) for raw in parsed.deals]
    _check_deal_refs(session, plan.deals, on_existing)
    problems = [
        FieldProblem(row.where.label(name), message)
        for row in (*plan.entities, *plan.deals)
        for name, message in row.problems
    ]
    if problems:
        rows = sum(1 for row in (*plan.entities, *plan.deals) if row.problems)
        shown = problems[:MAX_REPORTED_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(FieldProblem("file", f"{len(problems) - len(shown)} more problem(s) not shown"))
        raise InvalidInput(f"{len(problems)} problem(s) in {rows} row(s); nothing was written.", shown)
    return plan


def _check_entities(rows: list[RawRow], lookup: _Lookup) -> list[_PlannedEntity]:
    planned: list[_PlannedEntity] = []
    first_line: dict[str, Where] = {}
    for raw in rows:
        entry = _PlannedEntity(raw.where, raw.problems)
        planned.append(entry)
        body = _validate(EntityImportRow, raw)
        if body is None:
            continue
        entry.body = body
        if body.ref in first_line:
            entry.problems.append(
                ("ref", f"ref {body.ref!r} is used twice in the file (also {first_line[body.ref].label()})")
            )
            continue
        first_line[body.ref] = raw.where
        stored = lookup.by_ref.get(body.ref)
        if isinstance(stored, int):
            # Matched by ref: reuse the stored entity, never a duplicate. The names the file gives it find it too,
            # since the file's deals may use them.
            entry.stored_id = stored
            lookup.add(stored, None, body.name, body.aliases, None)
            continue
        if body.country is not None and body.country not in lookup.countries:
            entry.problems.append(
                ("country", f"{body.country!r} is not an ISO 3166-1 alpha-2 code known here (GET /v1/countries)")
            )
        lookup.add(body.ref, body.ref, body.name, body.aliases, f"{body.name} (ref {body.ref}, in this file)")
    return planned


def _check_deal(raw: RawRow, lookup: _Lookup) -> _PlannedDeal:
    """The model's checks, then the same reference checks as POST /v1/deals, answered from the lookup. When the
    model refuses the row, the references it names are still checked, so one round of fixes is enough."""
    entry = _PlannedDeal(raw.where, raw.problems)
    entry.row = _validate(DealImportRow, raw)
    data = raw.data or {}
    sector: str | None
    country: str | None
    if entry.row is not None:
        sector, country, parties = entry.row.sector, entry.row.host_country, list(enumerate(entry.row.parties))
    else:
        sector = data.get("sector") if isinstance(data.get("sector"), str) else None
        country = data.get("host_country") if isinstance(data.get("host_country"), str) else None
        parties = _valid_parties(data.get("parties"))
    refused = {name.split(".")[0] for name, _ in entry.problems}  # said once is enough
    if sector is not None and "sector" not in refused and sector.strip() not in lookup.sectors:
        entry.problems.append(("sector", f"unknown sector {sector.strip()!r} (see GET /v1/sectors)"))
    if country is not None and "host_country" not in refused and country.strip().upper() not in lookup.countries:
        entry.problems.append(("host_country", f"unknown country {country.strip().upper()!r} (see GET /v1/countries)"))
    seen: set[tuple[Target, PartyRole]] = set()
    for index, party in parties:
        try:
            if party.entity_id is not None:
                if party.entity_id not in lookup.entity_ids:
                    raise ValueError(f"entity {party.entity_id} does not exist")
                target: Target = party.entity_id
            else:
                target = lookup.resolve(party.entity or "")
        except ValueError as exc:
            entry.problems.append((f"parties.{index}.{'entity_id' if party.entity_id else 'entity'}", str(exc)))
            continue
        if (target, party.role) in seen:
            entry.problems.append((f"parties.{index}", "the same entity appears twice in the same role"))
        seen.add((target, party.role))
        entry.parties.append((target, party.role))
    if entry.row is not None:
        for key, value in entry.row.attributes.items():
            if isinstance(value, float) and not math.isfinite(value):
                entry.problems.append((f"attributes.{key}", "must be a finite number"))
    return entry


def _valid_parties(value: Any) -> list[tuple[int, PartyRef]]:
    """The parties of a refused row that are well-formed on their own (the others are already reported)."""
    if not isinstance(value, list):
        return []
    out = []
    for index, item in enumerate(value):
        try:
            out.append((index, PartyRef.model_validate(item)))
        except ValidationError:
            continue
    return out


def _check_deal_refs(session: Session, planned: list[_PlannedDeal], on_existing: OnExisting) -> None:
    """A ref twice in the file is always a problem; a ref a stored deal has is one unless told to skip."""
    first: dict[str, Where] = {}
    for entry in planned:
        ref = entry.row.ref if entry.row is not None else None
        if ref is None:
            continue
        if ref in first:
            entry.problems.append(("ref", f"ref {ref!r} is used twice in the file (also {first[ref].label()})"))
        else:
            first[ref] = entry.where
    stored = _stored_deal_refs(session, list(first))
    for entry in planned:
        ref = entry.row.ref if entry.row is not None else None
        if ref is None or ref not in stored or first.get(ref) is not entry.where:
            continue
        entry.existing_id = stored[ref]
        if on_existing is OnExisting.error:
            entry.problems.append(
                ("ref", f"conflict: deal {stored[ref]} already has ref {ref!r} (on_existing=skip leaves it as it is)")
            )


def _stored_deal_refs(session: Session, refs: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(refs), _IN_CHUNK):
        chunk = refs[start : start + _IN_CHUNK]
        for deal_id, ref in session.exec(select(Deal.id, Deal.ref).where(col(Deal.ref).in_(chunk))):
            found[ref] = deal_id  # type: ignore[index, assignment]
    return found


def _refused() -> Conflict:
    # A concurrent writer took one of the refs, or removed a party, between the checks and the write.
    return Conflict(
        "The database refused the import: another change got in between the checks and the write "
        "(a deal or entity with one of these refs, or a removed party). Nothing was written; try again."
    )


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise _refused() from exc


@dataclass
class _Written:
    entity_ids: dict[str, int] = field(default_factory=dict)  # by ref
    deal_ids: dict[int, int] = field(default_factory=dict)  # by position in the file


def _write(session: Session, plan: _Plan, actor: str) -> _Written:
    """Create the file's new entities, then its deals, with the rows and audit events create_entity and
    create_deal write, but in three flushes for the whole file instead of several round trips per deal
    (about 5 ms a deal through create_deal; the checks they repeat were all done in `_check`)."""
    written = _Written()
    new = [e.body for e in plan.entities if e.stored_id is None and e.body is not None]
    entity_rows = [Entity(**item.model_dump()) for item in new]
    session.add_all(entity_rows)
    _flush(session)
    for item, entity in zip(new, entity_rows, strict=True):
        assert entity.id is not None
        written.entity_ids[item.ref] = entity.id
        audit.record(
            session,
            actor=actor,
            action="create",
            object_type="entity",
            object_id=entity.id,
            after=audit.snapshot(entity),
        )
    bodies: list[tuple[int, DealCreate, Deal]] = []
    for position, entry in enumerate(plan.deals):
        if entry.existing_id is not None or entry.row is None:
            continue
        parties = [
            {"entity_id": target if isinstance(target, int) else written.entity_ids[target], "role": role}
            for target, role in entry.parties
        ]
        # The very body POST /v1/deals takes, turned into a row by the deals service's own mapping.
        body = DealCreate.model_validate({**entry.row.model_dump(exclude={"parties"}), "parties": parties})
        bodies.append((position, body, deals.unsaved_deal(body)))
    session.add_all(deal for _, _, deal in bodies)
    _flush(session)
    party_rows: list[dict[str, Any]] = []
    for position, body, deal in bodies:
        assert deal.id is not None
        written.deal_ids[position] = deal.id
        parties = [{"entity_id": p.entity_id, "role": p.role.value} for p in body.parties]
        party_rows.extend({"deal_id": deal.id, **party} for party in parties)
        view = {**audit.snapshot(deal), "parties": parties}  # the shape create_deal audits
        audit.record(session, actor=actor, action="create", object_type="deal", object_id=deal.id, after=view)
    # Plain rows in one statement: party objects would cost more than the rest of the write.
    try:
        if party_rows:
            session.execute(insert(DealParty), party_rows)
    except IntegrityError as exc:
        raise _refused() from exc
    _flush(session)
    return written


def _report(plan: _Plan, written: _Written | None) -> DealImportResult:
    """What was created (or, in a dry run, would be), in file order."""
    done = written or _Written()
    imported, skipped = [], []
    for position, entry in enumerate(plan.deals):
        assert entry.row is not None  # a plan that passed the checks has a model for every row
        line = entry.where.line_of()
        if entry.existing_id is not None:
            skipped.append(SkippedDeal(line=line, item=entry.where.item, id=entry.existing_id, ref=entry.row.ref or ""))
        else:
            imported.append(
                ImportedDeal(
                    line=line,
                    item=entry.where.item,
                    id=done.deal_ids.get(position),
                    ref=entry.row.ref,
                    title=entry.row.title,
                )
            )
    entity_rows = []
    for entity in plan.entities:
        assert entity.body is not None and entity.where.item is not None
        entity_rows.append(
            ImportedEntity(
                line=entity.where.line_of(),
                item=entity.where.item,
                id=entity.stored_id if entity.stored_id is not None else done.entity_ids.get(entity.body.ref),
                ref=entity.body.ref,
                name=entity.body.name,
                created=entity.stored_id is None,
            )
        )
    return DealImportResult(
        dry_run=written is None,
        created=len(imported),
        deals=imported,
        skipped=skipped,
        entities_created=sum(1 for e in entity_rows if e.created),
        entities_reused=sum(1 for e in entity_rows if not e.created),
        entities=entity_rows,
    )


def import_deals(
    session: Session,
    content: bytes,
    fmt: ImportFormat,
    actor: str,
    *,
    dry_run: bool = False,
    on_existing: OnExisting = OnExisting.error,
    max_rows: int = MAX_ROWS,
) -> DealImportResult:
    """Import a file of deals all or nothing: every problem of every row is reported at once (InvalidInput, or
    ImportRejected for a file that cannot be read) and nothing is written; a dry run checks and reports what
    would be created without writing."""
    plan = _check(session, parse(content, fmt, max_rows), on_existing)
    if dry_run:
        return _report(plan, None)
    return _report(plan, _write(session, plan, actor))
