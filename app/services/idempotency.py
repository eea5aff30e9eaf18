"""Idempotency keys: a retried write gets the first answer instead of running twice.

Invariants:

* A record is keyed by (API key, Idempotency-Key); keys of different API keys
  never meet.
* ``claim`` inserts the record ``in_flight`` as the first write of the guarded
  transaction, and ``complete`` stores the response before that transaction
  commits. A failed write rolls the record back with everything else, so the
  same key can be retried; an acknowledged write always has its record.
* The unique (api_key_id, key) index decides races. On PostgreSQL a second
  INSERT of the same key waits for the first transaction and then fails, and
  the loser replays the winner's stored answer. SQLite writers are serialized
  (``BEGIN IMMEDIATE``) and see the committed record directly. A record seen
  still ``in_flight`` answers 409 ``idempotency_key_in_flight``.
* The same key with a different request (another body, endpoint or
  precondition) is refused: 422 ``idempotency_key_reused``.
* Records are answered for at least ``TTL``; an expired one is replaced by the
  next request that uses its key, and ``purge_expired`` deletes the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, InvalidInput, InvalidPayload
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.models.enums import IdempotencyStatus
from app.services import changes

TTL = dt.timedelta(hours=24)
# The field an error about the key names; each adapter says it in its own terms (REST: the
# Idempotency-Key header, GraphQL: the idempotencyKey argument).
FIELD = "idempotency_key"


@dataclass(frozen=True)
class StoredResponse:
    """The answer given the first time: replayed verbatim.

    ``body`` is the answer's JSON, the only copy of a write's answer kept as
    bytes; ``created`` says whether that first request created its resource.
    """

    created: bool
    body: str
    resource_id: str | None
    # The data version current when replayed: it holds all the first write committed,
    # so a client reading its write back with ``Migov-Min-Version`` sees it.
    data_version: int | None = None


def request_hash(operation: str, request: Any) -> str:
    """SHA-256 of the operation and the request's canonical JSON."""
    canonical = json.dumps(
        [operation, request], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _find(session: AsyncSession, api_key_id: int, key: str) -> IdempotencyRecord | None:
    record: IdempotencyRecord | None = await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return record


def _answer(record: IdempotencyRecord, fingerprint: str) -> StoredResponse:
    if record.request_hash != fingerprint:
        raise InvalidPayload(
            "This Idempotency-Key was already used with a different request; "
            "use a new key for a new request.",
            code="idempotency_key_reused",
            field=FIELD,
        )
    if record.status != IdempotencyStatus.DONE or record.created is None:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; "
            "retry shortly to get its answer.",
            code="idempotency_key_in_flight",
        )
    return StoredResponse(
        created=record.created,
        body=record.response_body or "",
        resource_id=record.resource_id,
    )


async def claim(
    session: AsyncSession,
    api_key_id: int,
    key: str,
    fingerprint: str,
    *,
    now: dt.datetime | None = None,
) -> IdempotencyRecord | StoredResponse:
    """Reserve ``key`` for this request, or return the answer already given for it."""
    now = now or utcnow()
    existing = await _find(session, api_key_id, key)
    if existing is not None:
        if existing.expires_at > now:
            return _answer(existing, fingerprint)
        await session.delete(existing)
        await session.flush()
    record = IdempotencyRecord(
        api_key_id=api_key_id,
        key=key,
        request_hash=fingerprint,
        status=IdempotencyStatus.IN_FLIGHT,
        created_at=now,
        expires_at=now + TTL,
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # Another request with this key committed first (PostgreSQL waited for it).
        winner = await _find(session, api_key_id, key)
        if winner is None:
            raise
        return _answer(winner, fingerprint)
    return record


async def complete(
    session: AsyncSession,
    record: IdempotencyRecord | None,
    *,
    created: bool,
    body: str,
    resource_id: str | None = None,
) -> StoredResponse | None:
    """Store the answer (``body``, JSON) before the guarded transaction commits.

    ``record`` None (the request carried no Idempotency-Key) stores nothing.
    """
    if record is None:
        return None
    record.status = IdempotencyStatus.DONE
    record.created = created
    record.response_body = body
    record.resource_id = resource_id
    await session.flush()
    return StoredResponse(created=created, body=body, resource_id=resource_id)


async def purge_expired(session: AsyncSession, *, now: dt.datetime | None = None) -> int:
    """Delete records past their expiry; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_request(
    session: AsyncSession,
    api_key_id: int,
    idempotency_key: str | None,
    operation: str,
    request: Any,
) -> IdempotencyRecord | StoredResponse | None:
    """``claim`` for one write: None without a key; a malformed key is refused."""
    if idempotency_key is None:
        return None
    if not 1 <= len(idempotency_key) <= 255 or not idempotency_key.isprintable():
        raise InvalidInput(
            "An Idempotency-Key is 1 to 255 printable characters.",
            code="invalid_idempotency_key",
            field=FIELD,
        )
    claimed = await claim(session, api_key_id, idempotency_key, request_hash(operation, request))
    if isinstance(claimed, StoredResponse):
        current = await changes.current_version(session)
        return replace(claimed, data_version=current.version)
    return claimed
