"""Idempotency records: replay, mismatch, in-flight, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, InvalidPayload
from app.models import IdempotencyRecord
from app.models.enums import IdempotencyStatus
from app.services import api_keys as api_key_service
from app.services import idempotency
from app.services.idempotency import StoredResponse

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
async def key_id(session: AsyncSession) -> int:
    created = await api_key_service.create_api_key(
        session, name="a", scopes=["pledges:write"], any_pledger=True
    )
    return created.key.id


def test_the_request_hash_ignores_key_order_but_not_content() -> None:
    one = idempotency.request_hash("submit_pledge", {"a": 1, "b": [1, 2]})
    assert one == idempotency.request_hash("submit_pledge", {"b": [1, 2], "a": 1})
    assert one != idempotency.request_hash("submit_pledge", {"a": 1, "b": [2, 1]})
    assert one != idempotency.request_hash("update_pledge", {"a": 1, "b": [1, 2]})


async def test_a_completed_record_is_replayed(session: AsyncSession, key_id: int) -> None:
    record = await idempotency.claim(session, key_id, "k", "h1", now=NOW)
    assert isinstance(record, IdempotencyRecord)
    assert record.status == IdempotencyStatus.IN_FLIGHT
    assert record.expires_at == NOW + dt.timedelta(hours=24)
    await idempotency.complete(session, record, created=True, body='{"id": 1}', resource_id="1")

    replay = await idempotency.claim(session, key_id, "k", "h1", now=NOW + dt.timedelta(hours=23))

    assert replay == StoredResponse(created=True, body='{"id": 1}', resource_id="1")


async def test_a_record_still_in_flight_is_a_conflict(session: AsyncSession, key_id: int) -> None:
    await idempotency.claim(session, key_id, "k", "h1", now=NOW)
    with pytest.raises(Conflict) as caught:
        await idempotency.claim(session, key_id, "k", "h1", now=NOW)
    assert caught.value.code == "idempotency_key_in_flight"


async def test_another_request_under_the_same_key_is_refused(
    session: AsyncSession, key_id: int
) -> None:
    record = await idempotency.claim(session, key_id, "k", "h1", now=NOW)
    assert isinstance(record, IdempotencyRecord)
    await idempotency.complete(session, record, created=True, body="{}")
    with pytest.raises(InvalidPayload) as caught:
        await idempotency.claim(session, key_id, "k", "h2", now=NOW)
    assert caught.value.code == "idempotency_key_reused"
    assert caught.value.field == "idempotency_key"


async def test_an_expired_record_is_replaced_and_purged(session: AsyncSession, key_id: int) -> None:
    old = await idempotency.claim(session, key_id, "k", "h1", now=NOW)
    assert isinstance(old, IdempotencyRecord)
    await idempotency.complete(session, old, created=True, body="{}")
    stale = await idempotency.claim(session, key_id, "other", "h1", now=NOW)
    assert isinstance(stale, IdempotencyRecord)
    await idempotency.complete(session, stale, created=True, body="{}")

    later = NOW + dt.timedelta(hours=25)
    fresh = await idempotency.claim(session, key_id, "k", "h2", now=later)

    assert isinstance(fresh, IdempotencyRecord)
    assert fresh.request_hash == "h2"
    assert await idempotency.purge_expired(session, now=later) == 1  # "other"; "k" is new
