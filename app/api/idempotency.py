"""Idempotency-Key on creating POSTs: a retry gets the first response back and creates nothing new.

The first response is stored in the same transaction as what it created, so either both exist or neither does.
Two concurrent requests with the same key cannot both create: the second one's record collides with the first
one's on a unique constraint and its whole transaction rolls back with a 409.
"""

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile

from app.api.deps import ActorDep, SessionDep
from app.core.errors import Conflict, FieldProblem, InvalidInput
from app.models import IdempotencyRecord
from app.models._columns import utcnow

KEY_MAX_LENGTH = 200
RETENTION = timedelta(hours=24)
REPLAYED_HEADERS = {"location": "Location", "etag": "ETag"}


class IdempotentReplay(Exception):
    """Raised before the route runs when the request repeats one already answered; mapped to that answer."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        # Copied now: the request's session rolls back (and expires the row) before the handler answers.
        self.status_code = record.status_code
        self.body = record.body
        self.headers = dict(record.headers)


class Idempotency:
    """What a creating route needs: `remember` its response, when the client sent a key."""

    def __init__(self, session: Session | None = None, *, actor: str = "", key: str = "", method: str = "",
                 path: str = "", request_hash: str = "") -> None:  # fmt: skip
        self._session = session
        self._actor, self._key, self._method, self._path, self._hash = actor, key, method, path, request_hash

    @property
    def enabled(self) -> bool:
        return self._session is not None

    def remember(self, status_code: int, body: BaseModel | Any, headers: dict[str, str] | None = None) -> None:
        if self._session is None:
            return
        kept = {REPLAYED_HEADERS[k.lower()]: v for k, v in (headers or {}).items() if k.lower() in REPLAYED_HEADERS}
        payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else to_jsonable_python(body)
        self._session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - RETENTION))
        record = IdempotencyRecord(
            actor=self._actor,
            key=self._key,
            method=self._method,
            path=self._path,
            request_hash=self._hash,
            status_code=status_code,
            body=payload,
            headers=kept,
        )
        self._session.add(record)
        try:
            self._session.flush()
        except IntegrityError:
            raise Conflict(
                "Another request with this Idempotency-Key was answered while this one ran; nothing was created "
                "by this one. Retry it to get that answer."
            ) from None


async def _request_hash(request: Request) -> str:
    """Digest of what makes two requests the same: method, path, query and body (for an upload, its fields and
    file contents, since the framework has already read the raw body to parse the form)."""
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        digest.update(part.encode() + b"\0")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        for name, value in form.multi_items():
            digest.update(name.encode() + b"\0")
            if isinstance(value, StarletteUploadFile):
                digest.update((value.filename or "").encode() + b"\0")
                digest.update(await value.read())
                await value.seek(0)
            else:
                digest.update(value.encode())
            digest.update(b"\0")
    else:
        digest.update(await request.body())
    return digest.hexdigest()


async def get_idempotency(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            description=f"Any unique string up to {KEY_MAX_LENGTH} characters (a UUID is good). A retry with the "
            "same key and the same request gets the first response again, with `Idempotent-Replayed: true`, "
            "and creates nothing; keys are kept 24 hours, per API key.",
        ),
    ] = None,
) -> Idempotency:
    if idempotency_key is None:
        return Idempotency()
    key = idempotency_key.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 printable characters.",
            [FieldProblem("Idempotency-Key", f"1 to {KEY_MAX_LENGTH} printable characters")],
        )
    request_hash = await _request_hash(request)
    # On the request's session, as every query of a request (see request_slot in app/api/deps.py), in a thread.
    record = await run_in_threadpool(_find, session, actor, key)
    if record is not None:
        if record.request_hash != request_hash:
            raise InvalidInput(
                "This Idempotency-Key was used for a different request; use a new key for a new request.",
                [FieldProblem("Idempotency-Key", "already used for a different request")],
            )
        raise IdempotentReplay(record)
    return Idempotency(
        session, actor=actor, key=key, method=request.method, path=request.url.path, request_hash=request_hash
    )


def _find(session: Session, actor: str, key: str) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor == actor,
            IdempotencyRecord.key == key,
            col(IdempotencyRecord.created_at) >= utcnow() - RETENTION,
        )
    ).first()


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
