"""API keys: secrets stored only as hashes, authentication, scopes, shared rate windows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, InvalidInput, RateLimited, Unauthorized
from app.models import ApiKey, RateLimitWindow
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service


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


async def test_requests_count_in_fixed_windows(session: AsyncSession) -> None:
    key = (
        await api_key_service.create_api_key(
            session, name="a", scopes=["pledges:write"], any_pledger=True
        )
    ).key
    start = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)

    budgets = [
        await api_key_service.count_request(
            session, key, limit=3, now=start + dt.timedelta(seconds=s)
        )
        for s in (0, 10, 59)
    ]
    with pytest.raises(RateLimited) as caught:
        await api_key_service.count_request(
            session, key, limit=3, now=start + dt.timedelta(seconds=45)
        )
    next_window = await api_key_service.count_request(
        session, key, limit=3, now=start + dt.timedelta(seconds=61)
    )

    assert [(b.hits, b.remaining, b.reset_seconds) for b in budgets if b] == [
        (1, 2, 60),
        (2, 1, 50),
        (3, 0, 1),
    ]
    assert (caught.value.retry_after, caught.value.limit, caught.value.window_seconds) == (
        15,
        3,
        60,
    )
    assert next_window is not None
    assert (next_window.hits, next_window.remaining, next_window.reset_seconds) == (1, 2, 59)
    windows = await session.scalars(
        select(RateLimitWindow.window_start).where(RateLimitWindow.api_key_id == key.id)
    )
    # A new window drops the key's older ones.
    assert list(windows) == [int((start + dt.timedelta(seconds=60)).timestamp())]


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
