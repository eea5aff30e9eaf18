"""API keys: creating, listing and revoking them, authenticating a secret, and rate limits.

Invariants:

* A secret is ``migov_<prefix>_<random>`` with 256 random bits. Only its SHA-256 is
  stored; hashes are compared in constant time. The 8-character prefix is public
  and unique, and is how a key is found, listed and shown in the audit log.
* A revoked key stays in the table (the audit log and pledges refer to it) and
  never authenticates again.
* ``pledges:admin`` includes everything ``pledges:write`` allows.
* A key pledges in the name of the actors it was granted (``api_key_pledger``),
  or of any actor when it was made with ``any_pledger`` on purpose; a key is made
  with one or the other, never neither. ``check_pledgers`` refuses the others
  (403 ``pledger_not_granted``, naming the actor) on submission, batch and update.
* Write quotas are token buckets per key (GCRA), stored in the database so every
  worker process shares them: a quota of ``limit`` per ``window_seconds`` holds at
  most ``limit`` tokens and refills one every ``window_seconds / limit``, so any
  span of t seconds admits at most ``limit * (1 + t / window_seconds)`` writes,
  with no window edge where a spent quota comes back whole (fixed windows let 852
  writes through in 11.5 s against 600 a minute; the bucket lets 715). A batch
  takes one token per pledge.
  ``count_request`` runs in its own short transaction before the write it admits,
  so a refused write still counts. It answers the key's ``RateBudget`` (quota,
  window, what is left, seconds until the bucket is full again), which the
  adapters publish as ``RateLimit`` headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
)
from app.models import Actor, ApiKey, ApiKeyPledger, RateLimitBucket
from app.models.base import utcnow
from app.models.enums import ApiScope, AuditAction, AuditEntity
from app.services import audit

SECRET_PATTERN = re.compile(r"^migov_(?P<prefix>[0-9a-f]{8})_(?P<random>[A-Za-z0-9_-]{43})$")
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class RateBudget:
    """Where a key stands in its write quota (a token bucket)."""

    limit: int  # writes (pledges) allowed per window
    window_seconds: int
    remaining: int  # writes the key may make now
    reset_seconds: int  # until the bucket is full again


@dataclass(frozen=True)
class Admission:
    """A key admitted for a write, and its budget (None when limits are off)."""

    key: ApiKey
    budget: RateBudget | None


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def has_scope(key: ApiKey, scope: ApiScope) -> bool:
    granted = set(key.scopes)
    return scope.value in granted or ApiScope.PLEDGES_ADMIN.value in granted


def require_scope(key: ApiKey, scope: ApiScope) -> None:
    if not has_scope(key, scope):
        raise Forbidden(
            f"The API key {key.prefix} lacks the scope {scope.value}.", code="scope_missing"
        )


async def create_api_key(
    session: AsyncSession,
    *,
    name: str,
    scopes: Iterable[str],
    pledgers: Iterable[str] = (),
    any_pledger: bool = False,
) -> CreatedKey:
    """A new key and its secret. Flushes; the caller commits and shows the secret once.

    ``pledgers`` are the actors (ids, any case) the key may pledge for; ``any_pledger``
    lets it pledge for any. Exactly one of the two is required: a key that can pledge
    for any state must be made so on purpose.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("A key needs a name.", field="name")
    granted = await _grantable(session, list(dict.fromkeys(pledgers)), any_pledger)
    wanted = list(dict.fromkeys(scopes))
    known = {scope.value for scope in ApiScope}
    unknown = [scope for scope in wanted if scope not in known]
    if unknown or not wanted:
        raise InvalidInput(
            f"Scopes must be among {', '.join(sorted(known))}; got {', '.join(unknown) or 'none'}.",
            code="invalid_scope",
            field="scope",
        )
    while True:
        prefix = secrets.token_hex(4)
        if await session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    secret = f"migov_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=wanted,
        any_pledger=any_pledger,
        grants=[ApiKeyPledger(actor_id=actor) for actor in granted],
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        api_key_id=None,
        action=AuditAction.API_KEY_CREATED,
        entity=AuditEntity.API_KEY,
        entity_id=str(key.id),
        after=_snapshot(key),
    )
    return CreatedKey(key=key, secret=secret)


async def _grantable(session: AsyncSession, wanted: list[str], any_pledger: bool) -> list[str]:
    """The stored ids of the actors ``wanted`` names (any case); refuses a missing or
    double choice and unknown actors."""
    if any_pledger and wanted:
        raise InvalidInput(
            "Give either --pledger (the actors the key may pledge for) or --any-pledger, not both.",
            code="pledger_grant_conflict",
            field="pledger",
        )
    if not any_pledger and not wanted:
        raise InvalidInput(
            "Say whom the key may pledge for: --pledger ACTOR for each state or "
            "organisation (repeatable, e.g. --pledger CAN --pledger MEX), or --any-pledger "
            "to let it pledge in the name of any actor. A key for one ministry should not "
            "be able to pledge for another state.",
            code="pledger_grant_missing",
            field="pledger",
        )
    if not wanted:
        return []
    rows = await session.scalars(
        select(Actor.id).where(func.lower(Actor.id).in_([w.lower() for w in wanted]))
    )
    by_lower = {actor.lower(): actor for actor in rows}
    unknown = [w for w in wanted if w.lower() not in by_lower]
    if unknown:
        raise InvalidInput(
            f"No actor has the id {', '.join(unknown)} (see /v1/actors).",
            code="unknown_reference",
            field="pledger",
        )
    return sorted({by_lower[w.lower()] for w in wanted})


async def active_key_prefixes(session: AsyncSession) -> dict[str, str]:
    """The prefix of every unrevoked key by the SHA-256 of its secret (what the
    per-client rate limit counts a request under)."""
    rows = await session.execute(
        select(ApiKey.secret_hash, ApiKey.prefix).where(ApiKey.revoked_at.is_(None))
    )
    return {row.secret_hash: row.prefix for row in rows}


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, with its grants."""
    return list(
        await session.scalars(
            select(ApiKey).options(selectinload(ApiKey.grants)).order_by(ApiKey.id)
        )
    )


async def get_api_key(session: AsyncSession, key_id: int) -> ApiKey:
    key = await session.get(
        ApiKey, key_id, options=[selectinload(ApiKey.grants)], populate_existing=True
    )
    if key is None:
        raise NotFound(f"No API key has the id {key_id}.", code="api_key_not_found")
    return key


async def revoke_api_key(session: AsyncSession, key_id: int) -> ApiKey:
    """Revoke a key; revoking a revoked key changes nothing."""
    key = await get_api_key(session, key_id)
    if key.revoked_at is not None:
        return key
    before = _snapshot(key)
    key.revoked_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        api_key_id=None,
        action=AuditAction.API_KEY_REVOKED,
        entity=AuditEntity.API_KEY,
        entity_id=str(key.id),
        before=before,
        after=_snapshot(key),
    )
    return key


def _snapshot(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "any_pledger": key.any_pledger,
        "pledgers": [grant.actor_id for grant in key.grants],
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


# Statements every write runs, built once (SQLAlchemy memoizes a statement's cache key on
# the statement object).
_KEY_BY_PREFIX = select(ApiKey).where(ApiKey.prefix == bindparam("prefix"))
_GRANTED = select(ApiKeyPledger.actor_id).where(ApiKeyPledger.api_key_id == bindparam("api_key_id"))


async def granted_pledgers(session: AsyncSession, key: ApiKey) -> frozenset[str] | None:
    """The actors ``key`` may pledge for; None when it may pledge for any."""
    if key.any_pledger:
        return None
    return granted(
        key, await (await session.connection()).scalars(_GRANTED, {"api_key_id": key.id})
    )


def granted(key: ApiKey, grants: Iterable[str]) -> frozenset[str] | None:
    """What ``key`` may pledge for, given its grants as read (``_GRANTED``, or a part of a
    larger statement): None when it may pledge for any actor."""
    return None if key.any_pledger else frozenset(grants)


def pledger_problems(
    key: ApiKey, granted: frozenset[str] | None, pledgers: Sequence[str]
) -> list[dict[str, object]]:
    """One ``{field, detail}`` per pledger of ``pledgers`` the key was not granted."""
    if granted is None:
        return []
    allowed = ", ".join(sorted(granted)) or "no actor"
    return [
        {
            "field": f"pledgers.{index}",
            "value": actor,
            "detail": f"the API key {key.prefix} may not pledge for {actor} "
            f"(it may pledge for {allowed})",
        }
        for index, actor in enumerate(pledgers)
        if actor not in granted
    ]


def not_granted(key: ApiKey, problems: list[dict[str, object]]) -> Forbidden:
    """403 ``pledger_not_granted`` naming the actors of ``problems``."""
    actors = sorted({str(p["value"]) for p in problems})
    return Forbidden(
        f"The API key {key.prefix} may not pledge in the name of {', '.join(actors)}; ask "
        "the operator for a key granted those actors.",
        code=PLEDGER_NOT_GRANTED,
        errors=problems,
    )


PLEDGER_NOT_GRANTED = "pledger_not_granted"


async def check_pledgers(session: AsyncSession, key: ApiKey, pledgers: Sequence[str]) -> None:
    """Forbidden (``pledger_not_granted``) unless ``key`` may pledge for every one of them."""
    problems = pledger_problems(key, await granted_pledgers(session, key), pledgers)
    if problems:
        raise not_granted(key, problems)


async def authenticate(
    session: AsyncSession, secret: str | None, *, scope: ApiScope | None = None
) -> ApiKey:
    """The active key ``secret`` belongs to, checked for ``scope``.

    No secret: ``api_key_missing``; an unknown, malformed or revoked one:
    ``api_key_invalid`` (both Unauthorized); a key without ``scope``:
    ``scope_missing`` (Forbidden).
    """
    if not secret:
        raise Unauthorized(
            "This request needs an API key: send `Authorization: Bearer <secret>`.",
            code="api_key_missing",
        )
    invalid = Unauthorized("The API key is not valid or has been revoked.", code="api_key_invalid")
    match = SECRET_PATTERN.match(secret)
    if match is None:
        raise invalid
    key = await session.scalar(_KEY_BY_PREFIX, {"prefix": match["prefix"]})
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        raise invalid
    if key.revoked_at is not None:
        raise invalid
    if scope is not None:
        require_scope(key, scope)
    return key


def _take_from_bucket(insert: Any, later: Any) -> Any:
    """The quota's one statement: the key's bucket moved ``push_ms`` later (from now at
    the earliest), only if that leaves it at most one window ahead; it returns the new
    ``full_at_ms``, or no row when the write is refused. Milliseconds since 1970 are
    typed BigInteger: asyncpg would bind them as a 32-bit integer."""
    at = bindparam("now_ms", type_=BigInteger())
    push = bindparam("push_ms", type_=BigInteger())
    pushed = later(RateLimitBucket.full_at_ms, at) + push
    return (
        insert(RateLimitBucket)
        .values(api_key_id=bindparam("api_key_id"), full_at_ms=at + push)
        .on_conflict_do_update(
            index_elements=[RateLimitBucket.api_key_id],
            set_={"full_at_ms": pushed},
            where=pushed - at <= bindparam("window_ms", type_=BigInteger()),
        )
        .returning(RateLimitBucket.full_at_ms)
    )


# Built once per dialect, so SQLAlchemy reuses their cache keys on every write (building
# the UPSERT anew took about a tenth of a write's admission).
_TAKE_FROM_BUCKET = {
    "postgresql": _take_from_bucket(postgresql.insert, func.greatest),
    "sqlite": _take_from_bucket(sqlite.insert, func.max),
}
_BUCKET_FULL_AT = select(RateLimitBucket.full_at_ms).where(
    RateLimitBucket.api_key_id == bindparam("api_key_id")
)


async def count_request(
    session: AsyncSession,
    key: ApiKey,
    *,
    limit: int,
    window_seconds: int = 60,
    cost: int = 1,
    now: dt.datetime | None = None,
) -> RateBudget | None:
    """Take ``cost`` writes from ``key``'s quota; RateLimited when it has not that many.

    A token bucket (GCRA) in one row per key: ``full_at_ms`` is when the bucket is
    full again. A write moves it ``cost`` steps of ``window / limit`` later, from now
    at the earliest, and is admitted only if that is at most one window ahead; one
    UPSERT with that condition, atomic on PostgreSQL and SQLite alike. Returns the
    key's budget (None when ``limit`` is 0, which switches limits off). Also
    refreshes the key's ``last_used_at`` when it is a minute old (as read with the key).
    """
    now = now or utcnow()
    stale = now - LAST_USED_RESOLUTION
    # The key was just read (``authenticate``), and its last use only ever moves
    # forward: when that read is recent, so is the stored value, and the UPDATE
    # (one statement on every write) would change nothing.
    if key.last_used_at is None or key.last_used_at < stale:
        await session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key.id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stale),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    if limit <= 0:
        return None
    window_ms = window_seconds * 1000
    if cost > limit:
        # Never admitted however long the client waits: not a 429 to retry, but a
        # request to split.
        raise PayloadTooLarge(
            f"This request writes {cost} pledges; the API key {key.prefix} may write at most "
            f"{limit} per {window_seconds} s. Send at most {limit} at a time.",
            code="batch_over_quota",
        )
    now_ms = int(now.timestamp() * 1000)
    step_ms = window_ms / limit
    push_ms = math.ceil(step_ms * cost)
    dialect = session.get_bind().dialect.name
    connection = await session.connection()
    full_at = (
        await connection.execute(
            _TAKE_FROM_BUCKET[dialect],
            {"api_key_id": key.id, "now_ms": now_ms, "push_ms": push_ms, "window_ms": window_ms},
        )
    ).scalar_one_or_none()
    if full_at is None:
        current = int(await connection.scalar(_BUCKET_FULL_AT, {"api_key_id": key.id}) or now_ms)
        wait_ms = max(current, now_ms) + push_ms - now_ms - window_ms
        raise RateLimited(
            f"The API key {key.prefix} has used its quota of {limit} writes per "
            f"{window_seconds} s (a batch takes one per pledge); retry after the seconds "
            "Retry-After gives.",
            retry_after=max(1, math.ceil(wait_ms / 1000)),
            limit=limit,
            window_seconds=window_seconds,
        )
    ahead_ms = int(full_at) - now_ms
    return RateBudget(
        limit=limit,
        window_seconds=window_seconds,
        remaining=max(0, math.floor((window_ms - ahead_ms) / step_ms)),
        reset_seconds=max(1, math.ceil(ahead_ms / 1000)),
    )


async def admit_write(
    session: AsyncSession,
    secret: str | None,
    *,
    limit: int,
    window_seconds: int = 60,
    cost: int = 1,
) -> Admission:
    """Authenticate a write (``pledges:write``) and take ``cost`` writes from the key's quota.

    Every adapter that writes (REST, GraphQL) calls this and then commits, so the
    count holds even if the write itself is refused, before running the write in
    a transaction of its own.
    """
    key = await authenticate(session, secret, scope=ApiScope.PLEDGES_WRITE)
    budget = await count_request(
        session, key, limit=limit, window_seconds=window_seconds, cost=cost
    )
    return Admission(key=key, budget=budget)
