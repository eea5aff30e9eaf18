"""The write rules, tested once at the service both adapters call.

Validation of references, idempotency (replays, external refs, reused keys),
status transitions and optimistic versions, and batch atomicity. The adapter
tests (tests/api/test_pledge_writes.py, tests/graphql/test_submit_pledge.py)
keep only what each adapter adds: status codes, headers, field names, error codes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidPayload,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models import ApiKey, Pledge
from app.models.enums import ApiScope, PledgeStatus
from app.schemas.pledge import PledgeCreate, PledgeUpdate
from app.services import pledge_updates, pledge_writes
from app.services.pledge_writes import PledgeWrite, WriteOutcome
from tests.factories import make_api_key, pledge_body

SOLIDARITY_2022 = "mirps-sp-solidarity-event-2022"


async def stored(session: AsyncSession, key: ApiKey) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Pledge).where(Pledge.api_key_id == key.id)
    )
    return int(count or 0)


async def submit(
    session: AsyncSession, key: ApiKey, idempotency_key: str | None = None, **overrides: Any
) -> PledgeWrite:
    payload = PledgeCreate.model_validate(pledge_body(**overrides))
    return await pledge_writes.submit(session, key, payload, idempotency_key=idempotency_key)


async def update(
    session: AsyncSession,
    key: ApiKey,
    write: PledgeWrite,
    idempotency_key: str | None = None,
    **changes: Any,
) -> PledgeWrite:
    return await pledge_updates.update_pledge(
        session,
        key,
        write.pledge.id,
        PledgeUpdate.model_validate(changes),
        expected_version=write.pledge.version,
        idempotency_key=idempotency_key,
    )


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"pledgers": ["CAN", "nobody-here", "MEXX"]},
            [("pledgers.1", "nobody-here"), ("pledgers.2", "MEXX")],
        ),
        ({"forum": "NOPE"}, [("forum", "NOPE")]),
        ({"event": "no-such-event"}, [("event", "no-such-event")]),
    ],
)
async def test_references_that_name_nothing_are_unknown_references_with_suggestions(
    session: AsyncSession,
    writer: ApiKey,
    overrides: dict[str, Any],
    errors: list[tuple[str, str]],
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, **overrides)

    assert refused.value.code == "unknown_reference"
    problems: list[dict[str, Any]] = refused.value.errors or []
    assert [(e["field"], e["value"]) for e in problems] == errors
    for problem in problems:
        assert problem["detail"].startswith("no ")
        assert problem["suggestions"]
    assert refused.value.detail == "; ".join(f"{e['field']}: {e['detail']}" for e in problems)
    assert await stored(session, writer) == 0


async def test_a_misspelt_pledger_is_told_the_actor_it_nearly_names(
    session: AsyncSession, writer: ApiKey
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, pledgers=["MEXX"])

    problems: list[dict[str, Any]] = refused.value.errors or []
    (problem,) = problems
    assert (problem["field"], problem["value"]) == ("pledgers.0", "MEXX")
    assert problem["detail"].startswith("no actor matches 'MEXX'; did you mean MEX,")
    assert problem["suggestions"][0] == "MEX"


async def test_writes_resolve_codes_names_and_aliases_as_reads_do_and_store_the_code(
    session: AsyncSession, writer: ApiKey
) -> None:
    write = await submit(
        session,
        writer,
        pledgers=["can", "Mexico"],
        forum="Puebla Process",
        event=...,
    )
    by_case = await submit(session, writer, forum="mirps-sp", event=SOLIDARITY_2022.upper())

    assert (write.pledge.forum, [p.id for p in write.pledge.pledgers]) == ("RCM", ["CAN", "MEX"])
    assert (by_case.pledge.forum, by_case.pledge.event) == ("MIRPS-SP", SOLIDARITY_2022)


async def test_two_names_of_one_pledger_are_listed_twice(
    session: AsyncSession, writer: ApiKey
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, pledgers=["CAN", "Canada"])

    assert refused.value.code == "validation_failed"
    assert refused.value.errors == [
        {
            "field": "pledgers.1",
            "detail": "pledger 'Canada' is actor 'CAN', already listed as pledgers.0",
        }
    ]


async def test_an_event_of_another_forum_is_refused(session: AsyncSession, writer: ApiKey) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, forum="rcm")

    assert refused.value.code == "validation_failed"
    assert refused.value.errors == [
        {
            "field": "event",
            "detail": f"event '{SOLIDARITY_2022}' belongs to forum 'MIRPS-SP', not 'RCM'",
        }
    ]


async def test_a_pledge_given_only_an_event_is_filed_under_the_events_forum(
    session: AsyncSession, writer: ApiKey
) -> None:
    write = await submit(session, writer, forum=..., pledgers=["CAN", "USA"])

    assert write.outcome is WriteOutcome.CREATED
    assert (write.pledge.forum, write.pledge.event) == ("MIRPS-SP", SOLIDARITY_2022)
    assert [p.id for p in write.pledge.pledgers] == ["CAN", "USA"]


# --- idempotency --------------------------------------------------------------------------


async def test_a_repeated_external_ref_answers_the_pledge_already_stored(
    session: AsyncSession, writer: ApiKey
) -> None:
    first = await submit(session, writer, external_ref="gac-1")
    again = await submit(session, writer, external_ref="gac-1", title="Another title")
    other_key = await session.get(ApiKey, (await make_api_key(session, name="other")).id)
    assert other_key is not None
    elsewhere = await submit(session, other_key, external_ref="gac-1")

    assert (first.outcome, again.outcome) == (WriteOutcome.CREATED, WriteOutcome.EXISTING)
    assert again.pledge == first.pledge  # the stored pledge, not the new title
    assert elsewhere.outcome is WriteOutcome.CREATED  # refs belong to their API key
    assert await stored(session, writer) == 1


async def test_the_same_idempotency_key_and_payload_replays_the_first_answer(
    session: AsyncSession, writer: ApiKey
) -> None:
    first = await submit(session, writer, idempotency_key="order-1")
    await update(session, writer, first, status="in_progress")
    replay = await submit(session, writer, idempotency_key="order-1")

    assert first.outcome is WriteOutcome.CREATED
    assert first.first_answer is None
    assert replay.outcome is WriteOutcome.REPLAYED
    assert replay.pledge == first.pledge  # the first answer (version 1), not the pledge now
    assert replay.first_answer is not None
    assert replay.first_answer.created is True
    assert replay.first_answer.body == first.pledge.model_dump_json()
    assert await stored(session, writer) == 1


async def test_the_same_idempotency_key_with_another_payload_is_refused(
    session: AsyncSession, writer: ApiKey
) -> None:
    await submit(session, writer, idempotency_key="order-1")

    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, idempotency_key="order-1", title="Another pledge")

    assert (refused.value.code, refused.value.field) == (
        "idempotency_key_reused",
        "idempotency_key",
    )
    assert await stored(session, writer) == 1


@pytest.mark.parametrize("idempotency_key", ["", "x" * 256, "tab\there"])
async def test_a_malformed_idempotency_key_is_refused(
    session: AsyncSession, writer: ApiKey, idempotency_key: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await submit(session, writer, idempotency_key=idempotency_key)

    assert refused.value.code == "invalid_idempotency_key"
    assert await stored(session, writer) == 0


async def test_an_update_retried_with_its_idempotency_key_is_replayed(
    session: AsyncSession, writer: ApiKey
) -> None:
    created = await submit(session, writer)
    first = await update(session, writer, created, idempotency_key="u-1", status="in_progress")
    retry = await update(session, writer, created, idempotency_key="u-1", status="in_progress")

    assert first.outcome is WriteOutcome.UPDATED
    assert retry.outcome is WriteOutcome.REPLAYED
    assert retry.pledge == first.pledge
    assert retry.first_answer is not None
    assert retry.first_answer.created is False


# --- updates: versions, ownership, transitions ----------------------------------------------


async def test_an_update_needs_the_version_it_was_based_on(
    session: AsyncSession, writer: ApiKey
) -> None:
    created = await submit(session, writer)
    changes = PledgeUpdate(status=PledgeStatus.IN_PROGRESS)

    with pytest.raises(PreconditionRequired) as missing:
        await pledge_updates.update_pledge(
            session, writer, created.pledge.id, changes, expected_version=None
        )
    await update(session, writer, created, title="Renamed")
    with pytest.raises(PreconditionFailed) as stale:
        await update(session, writer, created, status="in_progress")

    assert missing.value.code == "pledge_version_required"
    assert stale.value.code == "pledge_version_conflict"
    assert "is at version 2, not version 1" in stale.value.detail


async def test_only_the_submitting_key_or_an_admin_updates_a_pledge(
    session: AsyncSession, writer: ApiKey
) -> None:
    created = await submit(session, writer)
    other = await session.get(ApiKey, (await make_api_key(session, name="other")).id)
    admin_key = await make_api_key(
        session, name="steward", scopes=(ApiScope.PLEDGES_WRITE, ApiScope.PLEDGES_ADMIN)
    )
    admin = await session.get(ApiKey, admin_key.id)
    assert other is not None
    assert admin is not None

    with pytest.raises(Forbidden) as refused:
        await update(session, other, created, status="in_progress")
    by_admin = await update(session, admin, created, status="in_progress")

    assert refused.value.code == "pledge_not_owned"
    assert (by_admin.outcome, by_admin.pledge.version) == (WriteOutcome.UPDATED, 2)


async def test_curated_pledges_change_only_through_the_dataset(
    session: AsyncSession, writer: ApiKey
) -> None:
    curated = await session.scalar(select(Pledge).where(Pledge.key.is_not(None)).limit(1))
    assert curated is not None

    with pytest.raises(Conflict) as refused:
        await pledge_updates.update_pledge(
            session,
            writer,
            curated.id,
            PledgeUpdate(status=PledgeStatus.FULFILLED),
            expected_version=curated.version,
        )

    assert refused.value.code == "pledge_curated"


async def test_status_moves_only_forward_and_withdrawn_is_final(
    session: AsyncSession, writer: ApiKey
) -> None:
    created = await submit(session, writer)
    fulfilled = await update(session, writer, created, status="fulfilled")  # a skip is forward
    with pytest.raises(Conflict) as backwards:
        await update(session, writer, fulfilled, status="in_progress")
    withdrawn = await update(session, writer, fulfilled, status="withdrawn")
    with pytest.raises(Conflict) as final:
        await update(session, writer, withdrawn, progress_note="reinstated?")

    assert fulfilled.pledge.status is PledgeStatus.FULFILLED
    assert (backwards.value.code, backwards.value.field) == ("invalid_status_transition", "status")
    assert withdrawn.pledge.status is PledgeStatus.WITHDRAWN
    assert final.value.code == "pledge_withdrawn"


@pytest.mark.parametrize("status", ["announced", "in_progress", "fulfilled"])
async def test_any_status_can_be_withdrawn(
    session: AsyncSession, writer: ApiKey, status: str
) -> None:
    write = await submit(session, writer)
    if status != "announced":
        write = await update(session, writer, write, status=status)

    withdrawn = await update(session, writer, write, status="withdrawn")

    assert withdrawn.outcome is WriteOutcome.UPDATED
    assert withdrawn.pledge.status is PledgeStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("changes", "field", "detail"),
    [
        ({}, "body", "The body names no field to change."),
        ({"amount": None}, "amount", None),
        ({"currency": None}, "currency", None),
    ],
)
async def test_an_update_that_leaves_an_impossible_pledge_is_refused(
    session: AsyncSession,
    writer: ApiKey,
    changes: dict[str, Any],
    field: str,
    detail: str | None,
) -> None:
    created = await submit(session, writer)

    with pytest.raises(InvalidPayload) as refused:
        await update(session, writer, created, **changes)

    assert refused.value.code == "validation_failed"
    problems = refused.value.errors or [{"field": refused.value.field}]
    assert [p["field"] for p in problems] == [field]
    if detail is not None:
        assert refused.value.detail == detail


async def test_an_update_recomputes_the_usd_equivalent_and_one_that_changes_nothing_is_unchanged(
    session: AsyncSession, writer: ApiKey
) -> None:
    created = await submit(session, writer)
    changed = await update(session, writer, created, amount="2000000.00")
    unchanged = await update(session, writer, changed, amount="2000000.00")

    # 1,000,000 and then 2,000,000 CAD at the curated 2022 rate of 0.7684032580 USD.
    assert created.pledge.amount_usd == Decimal("768403.26")
    assert changed.pledge.amount == Decimal("2000000.00")
    assert changed.pledge.amount_usd == Decimal("1536806.52")
    assert (changed.outcome, changed.pledge.version) == (WriteOutcome.UPDATED, 2)
    assert (unchanged.outcome, unchanged.pledge.version) == (WriteOutcome.UNCHANGED, 2)


# --- batches --------------------------------------------------------------------------------


async def test_a_batch_stores_the_good_pledges_and_reports_the_bad_ones(
    session: AsyncSession, writer: ApiKey
) -> None:
    items = [
        pledge_body(external_ref="b-1"),
        pledge_body(currency="ZZZ"),
        pledge_body(external_ref="b-1", title="Same ref again"),
        pledge_body(pledgers=["nobody-here"]),
    ]

    write = await pledge_writes.submit_batch(session, writer, items)

    result = write.result
    assert not write.replayed
    assert (result.created, result.existing, result.rejected) == (1, 1, 2)
    assert [r.outcome for r in result.results] == ["created", "rejected", "existing", "rejected"]
    assert result.results[2].pledge == result.results[0].pledge
    assert [e.field for e in result.results[3].errors or []] == ["pledgers.0"]
    assert await stored(session, writer) == 1


async def test_an_atomic_batch_with_one_bad_pledge_stores_nothing(
    session: AsyncSession, writer: ApiKey
) -> None:
    items = [pledge_body(), pledge_body(currency="ZZZ"), pledge_body(forum="NOPE", event=...)]

    with pytest.raises(InvalidPayload) as refused:
        await pledge_writes.submit_batch(session, writer, items, atomic=True)

    assert refused.value.detail == "2 of 3 pledges were refused; nothing was stored."
    assert refused.value.code == "validation_failed"
    assert [(e["field"], e.get("value")) for e in refused.value.errors or []] == [
        ("pledges.1.currency", None),
        ("pledges.2.forum", "NOPE"),
    ]
    assert await stored(session, writer) == 0


async def test_a_batch_retried_with_its_idempotency_key_is_replayed(
    session: AsyncSession, writer: ApiKey
) -> None:
    items = [pledge_body(title=f"Pledge {n}") for n in range(3)]

    first = await pledge_writes.submit_batch(
        session, writer, items, atomic=True, idempotency_key="batch-1"
    )
    retry = await pledge_writes.submit_batch(
        session, writer, items, atomic=True, idempotency_key="batch-1"
    )

    assert [r.pledge.title for r in first.result.results if r.pledge] == [
        "Pledge 0",
        "Pledge 1",
        "Pledge 2",
    ]
    assert retry.replayed
    assert retry.result == first.result
    assert await stored(session, writer) == 3


@pytest.mark.parametrize("size", [0, 1001])
async def test_a_batch_holds_1_to_1000_pledges(
    session: AsyncSession, writer: ApiKey, size: int
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await pledge_writes.submit_batch(session, writer, [pledge_body()] * size)

    assert refused.value.field == "pledges"
    assert await stored(session, writer) == 0
