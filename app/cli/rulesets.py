"""`fdi-risk rulesets`: list and show ruleset versions, simulate a draft file against the stored deals, and
activate a version, all on the server (draft -> simulate -> activate, as in the README)."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from app.cli.remote import Key, Url, connect, fail, parse_date
from app.client import ConflictError, RulesetPublic, SimulationOut
from app.client.transport import DEFAULT_URL

SHOW_FORMATS = ("text", "yaml", "json")

rulesets_app = typer.Typer(
    help="Rulesets on the server: list, show, simulate a draft file against the stored deals, activate.",
    no_args_is_help=True,
)


@rulesets_app.command("list")
def list_versions(url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Every ruleset version, newest first, with its status, rule count and notes. Needs a key with role viewer.

    Example: fdi-risk rulesets list
    """
    with connect(url, key) as fdi:
        versions = fdi.list_rulesets()
    if not versions:
        typer.echo("no ruleset stored; load the default with: fdi-risk seed --part rulesets")
    for row in versions:
        notes = f"  {_first_sentence(row.notes)}" if row.notes else ""
        typer.echo(
            f"v{row.version:<4} {row.status.value:<8} {row.rule_count:>3} rules  "
            f"created {row.created_at:%Y-%m-%d} by {row.created_by}{notes}"
        )


@rulesets_app.command("show")
def show(
    version: Annotated[
        str | None,
        typer.Argument(metavar="VERSION", help="The version number (default: the active one).", show_default=False),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="text (a readable listing), or yaml / json (the ruleset body alone).")
    ] = "text",
    conditions: Annotated[
        bool, typer.Option("--conditions", help="With text: each rule's condition and citation too.")
    ] = False,
    url: Url = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Show a ruleset version: its factors, tiers, recommendations and every rule with its points and floor.

    --format yaml (or json) prints the body alone, ready to edit and pass to `fdi-risk rulesets simulate`.

    Needs a key with role viewer.

    Example: fdi-risk rulesets show

    Example: fdi-risk rulesets show 2 --conditions

    Example: fdi-risk rulesets show --format yaml > draft.yaml
    """
    number = _version(version) if version is not None else None
    kind = format.lower()
    if kind not in SHOW_FORMATS:
        fail(f"--format {format!r} is not one of {', '.join(SHOW_FORMATS)}")
    with connect(url, key) as fdi:
        ruleset = fdi.get_ruleset(number) if number is not None else fdi.active_ruleset()
    if kind == "yaml":
        typer.echo(yaml.safe_dump(ruleset.body, sort_keys=False, allow_unicode=True, width=120), nl=False)
    elif kind == "json":
        typer.echo(json.dumps(ruleset.body, indent=2, ensure_ascii=False))
    else:
        for line in ruleset_lines(ruleset, conditions=conditions):
            typer.echo(line)


@rulesets_app.command("simulate")
def simulate(
    file: Annotated[Path, typer.Argument(help="A ruleset in YAML or JSON (fdi-risk rulesets show --format yaml).")],
    as_of: Annotated[str | None, typer.Option(help="Score as of this date, YYYY-MM-DD (default today, UTC).")] = None,
    notes: Annotated[str | None, typer.Option(help="Why this version; kept with it (default: the file name).")] = None,
    draft: Annotated[
        str | None,
        typer.Option(help="Replace this existing draft version instead of storing a new one.", show_default=False),
    ] = None,
    url: Url = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Store FILE as a draft ruleset, simulate it against every stored deal, and print which deals move tier.

    The server validates the draft: an invalid rule is refused with its rule id and problem; nothing is stored.

    Scoring does not change until `fdi-risk rulesets activate VERSION`.

    Each run stores a new draft version, unless --draft names a draft to replace. Needs a key with role analyst.

    Example: fdi-risk rulesets show --format yaml > draft.yaml

    Example: fdi-risk rulesets simulate draft.yaml --as-of 2026-11-24

    Example: fdi-risk rulesets simulate draft.yaml --draft 2
    """
    day = parse_date(as_of)
    replace = _version(draft, "--draft") if draft is not None else None
    body = read_ruleset_file(file)
    with connect(url, key) as fdi:
        stored = (
            fdi.update_draft(replace, body, notes=notes)
            if replace is not None
            else fdi.create_draft(body, notes=notes or f"from {file.name}")
        )
        result = fdi.simulate(stored.version, as_of=day)
    verb = "replaced" if replace is not None else "stored"
    typer.echo(f"draft version {stored.version} {verb} from {file.name}: {stored.rule_count} rules")
    for line in simulation_lines(result):
        typer.echo(line)
    typer.echo(f"version {stored.version} stays a draft; to score with it: fdi-risk rulesets activate {stored.version}")


@rulesets_app.command("activate")
def activate(
    version: Annotated[str, typer.Argument(help="The version to make active.")],
    url: Url = DEFAULT_URL,
    key: Key = None,
) -> None:
    """Make a version the one every score uses; the active one is retired (activate it again to roll back).

    Stored scores keep the version they were computed with: rescore them with `fdi-risk score --all`.

    Needs a key with role admin.

    Example: fdi-risk rulesets activate 2
    """
    number = _version(version)
    with connect(url, key) as fdi:
        try:
            previous: RulesetPublic | None = fdi.active_ruleset()
        except ConflictError:
            previous = None
        if previous is not None and previous.version == number:
            typer.echo(f"version {number} is already active; nothing changed")
            return
        active = fdi.activate(number)
    retired = f"; version {previous.version} is retired" if previous is not None else ""
    typer.echo(f"version {active.version} is active ({active.rule_count} rules){retired}")
    typer.echo("stored scores keep their version; rescore every deal with: fdi-risk score --all")


def _first_sentence(text: str, limit: int = 80) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def _version(value: str, name: str = "VERSION") -> int:
    if not value.isdigit() or int(value) < 1:
        fail(f"{name} {value!r} is not a ruleset version (a whole number; fdi-risk rulesets list shows them)")
    return int(value)


def read_ruleset_file(file: Path) -> dict[str, Any]:
    """The ruleset body in a YAML or JSON file (by its extension; YAML otherwise). A file saved from
    `GET /v1/rulesets/{version}` holds it under `body`, which is taken."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except IsADirectoryError:
        fail(f"{file} is a folder, not a file")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text")
    except OSError as exc:
        fail(f"{file} cannot be read: {exc.strerror}")
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"{file.name} is not valid JSON (line {exc.lineno}: {exc.msg})")
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            fail(f"{file.name} is not valid YAML ({where}{getattr(exc, 'problem', None) or exc})")
    if isinstance(data, dict) and "rules" not in data and isinstance(data.get("body"), dict):
        data = data["body"]
    if not isinstance(data, dict):
        fail(f"{file.name} does not hold a ruleset: expected a mapping with factors, tiers, recommendations, rules")
    return data


def ruleset_lines(ruleset: RulesetPublic, *, conditions: bool = False) -> list[str]:
    """A readable listing: the header, the factor caps, tiers and recommendations, then every rule."""
    body = ruleset.body
    activated = (
        f"; activated {ruleset.activated_at:%Y-%m-%d %H:%M} by {ruleset.activated_by}" if ruleset.activated_at else ""
    )
    lines = [
        f"ruleset v{ruleset.version} ({ruleset.status.value}): {ruleset.rule_count} rules, "
        f"digest {ruleset.digest[:12]}",
        f"created {ruleset.created_at:%Y-%m-%d %H:%M} by {ruleset.created_by}{activated}",
    ]
    if ruleset.notes:
        lines.append(f"notes: {ruleset.notes}")
    factors = body.get("factors", {})
    lines.append("factor caps: " + ", ".join(f"{name} {spec.get('cap')}" for name, spec in factors.items()))
    lines.append("tiers from: " + ", ".join(f"{t.get('name')} {t.get('min_score')}" for t in body.get("tiers", [])))
    recommendations = body.get("recommendations", {})
    lines.append("recommendations: " + ", ".join(f"{tier} {rec}" for tier, rec in recommendations.items()))
    rules = body.get("rules", [])
    lines += ["", f"{'factor':<16} {'points':>6}  {'floor':<8}  rule"]
    for rule in rules:
        floor = rule.get("min_tier") or ""
        lines.append(
            f"{rule.get('factor', ''):<16} {rule.get('points', 0):>+6d}  {floor:<8}  {rule.get('id')}: "
            f"{rule.get('title', '')}"
        )
        if conditions:
            lines.append(f"{'':<35}when {condition_text(rule.get('when', {}))}")
            lines.append(f"{'':<35}source {rule.get('citation', '')}")
    return lines


def condition_text(node: Any, nested: bool = False) -> str:
    """A `when` tree as one readable line: `a and (b or c)`, `not x`, `fact op value`."""
    if not isinstance(node, dict):
        return json.dumps(node)
    for key, joiner in (("all", " and "), ("any", " or ")):
        if key in node:
            text = joiner.join(condition_text(child, nested=True) for child in node[key])
            return f"({text})" if nested and len(node[key]) > 1 else text
    if "not" in node:
        return "not " + condition_text(node["not"], nested=True)
    value = "" if node.get("op") == "exists" and node.get("value") is None else " " + json.dumps(node.get("value"))
    return f"{node.get('fact')} {node.get('op')}{value}"


def simulation_lines(result: SimulationOut) -> list[str]:
    """What the draft would do: tier counts before and after, the deals that move tier, then the deals whose
    score or fired rules change within their tier."""
    tiers = ("low", "moderate", "elevated", "high", "critical")
    before = ", ".join(f"{t} {result.tier_counts_before.get(t, 0)}" for t in tiers)
    after = ", ".join(f"{t} {result.tier_counts_after.get(t, 0)}" for t in tiers)
    against = f"active version {result.against_version}" if result.against_version else "no active version"
    lines = [
        f"simulated against {against} as of {result.as_of}: {result.changed} of {result.deals} deals would change",
        f"  tiers now:   {before}",
        f"  tiers after: {after}",
    ]
    movers = [m for m in result.moves if m.from_tier != m.to_tier]
    others = [m for m in result.moves if m.from_tier == m.to_tier]
    lines.append(f"deals that move tier ({len(movers)})" if movers else "no deal moves tier")
    for move in movers:
        lines.append(
            f"  deal {move.deal_id}: {move.title}: {move.from_tier.value} -> {move.to_tier.value}, "
            f"score {move.from_score} -> {move.to_score} ({move.delta:+d})"
        )
        lines += _rule_changes(move.rules_added, move.rules_removed)
    if others:
        lines.append(f"deals that change within their tier ({len(others)})")
    for move in others:
        lines.append(
            f"  deal {move.deal_id}: {move.title}: {move.to_tier.value}, "
            f"score {move.from_score} -> {move.to_score} ({move.delta:+d})"
        )
        lines += _rule_changes(move.rules_added, move.rules_removed)
    return lines


def _rule_changes(added: list[str], removed: list[str]) -> list[str]:
    lines = [f"      rules added: {', '.join(added)}"] if added else []
    return lines + ([f"      rules removed: {', '.join(removed)}"] if removed else [])
