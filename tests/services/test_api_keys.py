"""API keys: secrets stored only as hashes, authentication, scopes, shared rate windows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, InvalidInput, PayloadTooLarge, RateLimited, Unauthorized
from app.models import ApiKey, RateLimitBucket
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service
from tests.conftest import QueryCounter


async def test_only_a_hash_of_the_secret_is_stored(session: AsyncSession) -> None:
    created = await api_key_service.create_api_key(
        session, name="  Ministry script ", scopes=["pledges:write"], any_pledger=True
    )

    key = created.key
    assert created.secret.startswith(f"migov_{key.prefix}_")
    assert api_key_service.SECRET_PATTERN.match(created.secret)
    assert key.name == "Ministry script"
    assert key.secret_hash == api_key_service.hash_secret(created.secret)
    stored = await session.scalar(select(ApiKey).where(ApiKey.id == key.id))
    assert stored is not None
    assert created.secret not in repr(vars(stored))
    assert key.scopes == ["pledges:write"]


async def test_authenticate_accepts_the_secret_and_nothing_else(session: AsyncSession) -> None:
    created = await api_key_service.create_api_key(
        session, name="a", scopes=["pledges:write"], any_pledger=True
    )
    other = await api_key_service.create_api_key(
        session, name="b", scopes=["pledges:write"], any_pledger=True
    )

    found = await api_key_service.authenticate(session, created.secret)
    assert found.id == created.key.id
    forged = f"migov_{created.key.prefix}_{other.secret.rsplit('_', 1)[1]}"
    for secret in (forged, created.secret + "x", "migov_zzzzzzzz_" + "a" * 43):
        with pytest.raises(Unauthorized) as caught:
            await api_key_service.authenticate(session, secret)
        assert caught.value.code == "api_key_invalid"
    with pytest.raises(Unauthorized) as missing:
        await api_key_service.authenticate(session, None)
    assert missing.value.code == "api_key_missing"


async def test_a_revoked_key_never_authenticates_again(session: AsyncSession) -> None:
    created = await api_key_service.create_api_key(
        session, name="a", scopes=["pledges:write"], any_pledger=True
    )
    revoked = await api_key_service.revoke_api_key(session, created.key.id)
    again = await api_key_service.revoke_api_key(session, created.key.id)

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(Unauthorized):
        await api_key_service.authenticate(session, created.secret)


async def test_admin_includes_write_but_not_the_reverse(session: AsyncSession) -> None:
    writer = await api_key_service.create_api_key(
        session, name="w", scopes=["pledges:write"], any_pledger=True
    )
    admin = await api_key_service.create_api_key(
        session, name="a", scopes=["pledges:admin"], any_pledger=True
    )

    assert api_key_service.has_scope(admin.key, ApiScope.PLEDGES_WRITE)
    assert not api_key_service.has_scope(writer.key, ApiScope.PLEDGES_ADMIN)
    with pytest.raises(Forbidden) as caught:
        await api_key_service.authenticate(session, writer.secret, scope=ApiScope.PLEDGES_ADMIN)
    assert caught.value.code == "scope_missing"


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [(" ", ["pledges:write"], "name"), ("a", [], "scope"), ("a", ["pledges:read"], "scope")],
)
async def test_a_key_needs_a_name_and_known_scopes(
    session: AsyncSession, name: str, scopes: list[str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await api_key_service.create_api_key(session, name=name, scopes=scopes, any_pledger=True)
    assert caught.value.field == field


async def test_writes_take_tokens_from_a_bucket_that_refills_steadily(
    session: AsyncSession,
) -> None:
    """3 writes a minute: a token every 20 s, at most 3 held. The clock is the ``now``
    given to each call."""
    key = (
        await api_key_service.create_api_key(
            session, name="a", scopes=["pledges:write"], any_pledger=True
        )
    ).key
    start = dt.datetime(2026, 1, 1, 12, 0, 59, tzinfo=dt.UTC)

    async def at(seconds: float, cost: int = 1) -> api_key_service.RateBudget:
        budget = await api_key_service.count_request(
            session, key, limit=3, cost=cost, now=start + dt.timedelta(seconds=seconds)
        )
        assert budget is not None
        return budget

    budgets = [await at(s) for s in (0, 0.5, 0.9)]
    assert [(b.remaining, b.reset_seconds) for b in budgets] == [(2, 20), (1, 40), (0, 60)]
    # Where a fixed window would open anew (12:01:00), the bucket has refilled nothing.
    with pytest.raises(RateLimited) as caught:
        await at(1.5)
    assert (caught.value.retry_after, caught.value.limit, caught.value.window_seconds) == (
        19,
        3,
        60,
    )
    assert (await at(20.5)).remaining == 0  # one token back after 20 s, and used
    with pytest.raises(RateLimited):
        await at(21, cost=2)  # a batch of two needs two tokens
    refilled = await at(80.5, cost=3)  # a full bucket takes a batch of three at once
    assert (refilled.remaining, refilled.reset_seconds) == (0, 60)
    with pytest.raises(PayloadTooLarge) as too_big:
        await at(500, cost=4)  # more than the quota can ever hold: split it, don't wait
    assert (too_big.value.code, "at most 3" in too_big.value.detail) == ("batch_over_quota", True)
    stored = await session.scalar(
        select(RateLimitBucket.full_at_ms).where(RateLimitBucket.api_key_id == key.id)
    )
    assert stored == int((start + dt.timedelta(seconds=140.5)).timestamp() * 1000)


async def test_a_zero_limit_switches_limits_off_but_still_notes_use(session: AsyncSession) -> None:
    key = (
        await api_key_service.create_api_key(
            session, name="a", scopes=["pledges:write"], any_pledger=True
        )
    ).key
    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)

    assert await api_key_service.count_request(session, key, limit=0, now=now) is None
    await session.refresh(key)
    assert key.last_used_at == now


async def test_last_use_is_noted_at_most_once_a_minute(
    session: AsyncSession, count_queries: QueryCounter
) -> None:
    key = (
        await api_key_service.create_api_key(
            session, name="a", scopes=["pledges:write"], any_pledger=True
        )
    ).key
    start = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)

    async def use(seconds: float) -> int:
        """Note a use ``seconds`` after ``start``, as a write does: the key read first."""
        count_queries.statements.clear()
        await api_key_service.count_request(
            session, key, limit=0, now=start + dt.timedelta(seconds=seconds)
        )
        statements = count_queries.count
        await session.refresh(key)
        return statements

    assert (await use(0), key.last_used_at) == (1, start)
    # Within the minute the key was read with a recent use: nothing to write.
    assert (await use(59), key.last_used_at) == (0, start)
    assert (await use(61), key.last_used_at) == (1, start + dt.timedelta(seconds=61))
