"""API keys: created at random and shown once, stored as a SHA-256 digest, looked up by that digest.

A fast digest is enough here: keys carry 256 bits of randomness, so there is nothing to brute-force that a slow
password hash would protect, and every request pays for the lookup.
"""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.errors import Conflict, InvalidInput, NotFound
from app.models import ApiKey
from app.models._columns import utcnow
from app.services import audit
from app.vocabulary import Role

KEY_PREFIX = "fdi_"
PREFIX_SHOWN = 12  # "fdi_" and 8 random characters: enough to tell keys apart in a listing, useless to an attacker


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (the actor in the audit log) and its role."""

    name: str
    role: Role
    key_id: int | None = None


ANONYMOUS = Principal(name="anonymous", role=Role.viewer)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _view(row: ApiKey) -> dict[str, object]:
    # Never the digest: the audit log is readable by every admin.
    return {"id": row.id, "name": row.name, "role": row.role, "prefix": row.prefix, "revoked_at": row.revoked_at}


def create_key(session: Session, *, name: str, role: Role | str, actor: str = "cli") -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext key, which is not stored anywhere."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}", []) from None
    name = name.strip()
    if not name:
        raise InvalidInput("a key needs a name", [])
    if session.exec(select(ApiKey.id).where(ApiKey.name == name)).first() is not None:
        raise Conflict(f"a key named {name!r} already exists (names stay unique, even after revocation)")
    plaintext = new_key()
    row = ApiKey(
        name=name, role=role.value, prefix=plaintext[:PREFIX_SHOWN], key_hash=digest(plaintext), created_by=actor
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a key named {name!r} already exists") from None
    audit.record(session, actor=actor, action="create", object_type="api_key", object_id=row.id, after=_view(row))
    return row, plaintext


def list_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return list(session.exec(query))


def find_key(session: Session, name_or_id: str | int) -> ApiKey:
    value = str(name_or_id)
    query = select(ApiKey).where(ApiKey.name == value)
    row = session.exec(query).first()
    if row is None and value.isdigit():
        row = session.get(ApiKey, int(value))
    if row is None:
        raise NotFound(f"no key named or numbered {value!r}")
    return row


def revoke_key(session: Session, name_or_id: str | int, *, actor: str = "cli") -> ApiKey:
    """Revoke a key; it stops working on the next request. Revoking twice is harmless."""
    row = find_key(session, name_or_id)
    if row.revoked_at is None:
        before = _view(row)
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="revoke",
            object_type="api_key",
            object_id=row.id,
            before=before,
            after=_view(row),
        )
    return row


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal for a presented key, or None when it is unknown or revoked."""
    row = session.execute(_LIVE_KEY_BY_HASH, {"key_hash": digest(key.strip())}).first()
    if row is None:
        return None
    return Principal(name=row.name, role=Role(row.role), key_id=row.id)


# Built once: every request authenticates, and building the statement cost more than running it.
_LIVE_KEY_BY_HASH = sa_select(col(ApiKey.id), col(ApiKey.name), col(ApiKey.role)).where(
    col(ApiKey.key_hash) == bindparam("key_hash"), col(ApiKey.revoked_at).is_(None)
)


def has_active_admin(session: Session) -> bool:
    query = select(ApiKey.id).where(ApiKey.role == Role.admin.value, col(ApiKey.revoked_at).is_(None))
    return session.exec(query).first() is not None
