"""Ruleset versions: drafts, validation, activation, and the compiled active ruleset. Flush, never commit."""

from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.text import text_problem
from app.models import Ruleset
from app.models._columns import utcnow
from app.rules.compile import cached, compiled_for, ruleset_digest
from app.rules.validate import RulesetInvalid, validate_ruleset
from app.scoring.assess import RulesetRef
from app.services import audit
from app.vocabulary import RulesetStatus


def canonical_body(data: Any) -> dict[str, Any]:
    """Validate a ruleset and return its canonical JSON form, or raise 422 listing every problem."""
    if not isinstance(data, dict):
        raise InvalidInput("A ruleset is a JSON object with factors, tiers, recommendations and rules.")
    try:
        model = validate_ruleset(data)
    except RulesetInvalid as exc:
        raise InvalidInput(
            f"The ruleset has {len(exc.problems)} problem(s); nothing was stored.",
            [FieldProblem(p.path, p.message, p.rule_id) for p in exc.problems],
        ) from exc
    return model.model_dump(mode="json", by_alias=True)


def _checked_notes(notes: str | None) -> str | None:
    """The `notes` query parameter, refused (422) when it holds control characters."""
    problem = text_problem(notes) if notes else None
    if problem:
        raise InvalidInput("The notes cannot be stored; nothing was stored.", [FieldProblem("notes", problem)])
    return notes


def list_rulesets(session: Session) -> list[Ruleset]:
    return list(session.exec(select(Ruleset).order_by(col(Ruleset.version).desc())).all())


def get_ruleset(session: Session, version: int) -> Ruleset:
    found = session.exec(select(Ruleset).where(Ruleset.version == version)).first()
    if found is None:
        raise NotFound(f"Ruleset version {version} does not exist (see GET /v1/rulesets).")
    return found


def find_active(session: Session) -> Ruleset | None:
    return session.exec(select(Ruleset).where(Ruleset.status == RulesetStatus.active)).first()


def get_active(session: Session) -> Ruleset:
    found = find_active(session)
    if found is None:
        raise Conflict(
            "No ruleset is active, so nothing can be scored. Create one with POST /v1/rulesets and activate it "
            "with POST /v1/rulesets/{version}/activate (or run `fdi-risk seed`)."
        )
    return found


def find_by_digest(session: Session, digest: str) -> Ruleset | None:
    return session.exec(select(Ruleset).where(Ruleset.digest == digest)).first()


def create_draft(session: Session, data: Any, notes: str | None, actor: str) -> Ruleset:
    """Store a validated ruleset as the next version, in draft."""
    notes = _checked_notes(notes)
    body = canonical_body(data)
    latest = session.exec(select(func.max(Ruleset.version))).one()
    row = Ruleset(
        version=(latest or 0) + 1,
        status=RulesetStatus.draft,
        body=body,
        digest=ruleset_digest(body),
        notes=notes if notes is not None else body.get("notes") or None,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="create", object_type="ruleset", object_id=row.version, after=audit.snapshot(row)
    )
    return row


def update_draft(session: Session, version: int, data: Any, notes: str | None, actor: str) -> Ruleset:
    """Replace a draft's body; an active or retired version is immutable."""
    row = get_ruleset(session, version)
    if row.status != RulesetStatus.draft:
        raise Conflict(
            f"Ruleset version {version} is {row.status} and immutable; "
            "create a new draft with POST /v1/rulesets instead."
        )
    notes = _checked_notes(notes)
    body = canonical_body(data)
    before = audit.snapshot(row)
    row.body = body
    row.digest = ruleset_digest(body)
    if notes is not None:
        row.notes = notes
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        object_type="ruleset",
        object_id=version,
        before=before,
        after=audit.snapshot(row),
    )
    return row


def activate(session: Session, version: int, actor: str) -> Ruleset:
    """Make a version the active one and retire the previous; activating the active version changes nothing."""
    row = get_ruleset(session, version)
    if row.status == RulesetStatus.active:
        return row
    current = find_active(session)
    if current is not None:
        current.status = RulesetStatus.retired
        session.add(current)
        # Flush the retirement first: the one-active index would refuse two active rows at once.
        session.flush()
        audit.record(session, actor=actor, action="retire", object_type="ruleset", object_id=current.version)
    before = audit.snapshot(row)
    row.status = RulesetStatus.active
    row.activated_at = utcnow()
    row.activated_by = actor
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="activate",
        object_type="ruleset",
        object_id=version,
        before=before,
        after=audit.snapshot(row),
    )
    return row


def reference(row: Ruleset) -> RulesetRef:
    """The compiled form of a stored version (compiled once per digest and cached)."""
    return RulesetRef(version=row.version, digest=row.digest, compiled=compiled_for(row.body, row.digest))


_ACTIVE_STAMP = sa_select(col(Ruleset.version), col(Ruleset.digest)).where(col(Ruleset.status) == RulesetStatus.active)


def active_reference(session: Session) -> RulesetRef:
    """The active version, compiled. Reads only its version and digest while the compiled form is cached: the
    body is a large JSON document that every score would otherwise load and decode again."""
    stamp = session.execute(_ACTIVE_STAMP).first()
    if stamp is not None:
        hit = cached(stamp.digest)
        if hit is not None:
            return RulesetRef(version=stamp.version, digest=stamp.digest, compiled=hit)
    return reference(get_active(session))
