"""Pledge updates and the history they leave: status, progress notes, corrections.

* Only the key that submitted a pledge, or a ``pledges:admin`` key, updates it,
  and only while it may pledge for every pledger of it (``api_keys.check_pledgers``);
  curated pledges change only through the dataset files.
* An update names the version it was based on (optimistic locking through the
  model's ``version_id_col``); a stale one is refused, never merged.
* Status moves only forward (announced → in_progress → fulfilled); ``withdrawn``
  is reachable from any status and final. Pledges are withdrawn, never deleted.
* Every update adds an audit entry (before/after, the progress note) and ends
  with ``changes.record``; the service flushes and the caller commits. The
  history is read back from those audit entries.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.errors import (
    Conflict,
    Forbidden,
    InvalidPayload,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models import ApiKey, Pledge, PledgeObjective
from app.models.base import utcnow
from app.models.enums import (
    AmountQualifier,
    ApiScope,
    AuditAction,
    AuditEntity,
    ChangeAction,
    ChangeOrigin,
    Entity,
    PledgeKind,
    PledgeStatus,
)
from app.schemas.dates import PartialDate
from app.schemas.pledge import PledgeRead, PledgeUpdate
from app.schemas.pledge_writes import FieldChange, PledgeHistory, PledgeHistoryEntry
from app.services import audit, changes, idempotency
from app.services import rates as rates_service
from app.services.api_keys import check_pledgers, has_scope, require_scope
from app.services.changes import ChangeRecord
from app.services.idempotency import StoredResponse
from app.services.pledge_writes import PledgeWrite, WriteOutcome, audit_snapshot
from app.services.pledges import get_pledge, pledge_parts, pledge_reads

STATUS_RANK = {
    PledgeStatus.ANNOUNCED: 0,
    PledgeStatus.IN_PROGRESS: 1,
    PledgeStatus.FULFILLED: 2,
}


def _check_transition(current: str, wanted: PledgeStatus) -> None:
    if wanted == current or wanted == PledgeStatus.WITHDRAWN:
        return
    if STATUS_RANK[wanted] < STATUS_RANK[PledgeStatus(current)]:
        raise Conflict(
            f"A pledge moves only forward (announced → in_progress → fulfilled, or withdrawn); "
            f"it cannot go from {current} to {wanted.value}.",
            code="invalid_status_transition",
            field="status",
        )


async def _apply(session: AsyncSession, pledge: Pledge, update: dict[str, Any]) -> list[str]:
    """Set the changed fields on ``pledge``; returns their names. Refuses impossible results."""
    changed: list[str] = []

    def put(attribute: str, value: Any) -> None:
        if getattr(pledge, attribute) != value:
            setattr(pledge, attribute, value)
            changed.append(attribute)

    for name in ("status", "title", "description", "scope"):
        if name in update:
            value = update[name]
            put(name, value.value if isinstance(value, StrEnum) else value)
    if "announced_on" in update:
        announced: PartialDate | None = update["announced_on"]
        put("announced_date", announced.date if announced else None)
        put("announced_precision", announced.precision if announced else None)

    amount = update.get("amount", pledge.amount)
    currency = update.get("currency", pledge.currency)
    if amount is None and pledge.kind == PledgeKind.FINANCIAL:
        raise InvalidPayload.from_problems(
            [{"field": "amount", "detail": "a financial pledge needs an amount"}]
        )
    if amount is not None and currency is None:
        raise InvalidPayload.from_problems(
            [{"field": "currency", "detail": "an amount needs its ISO 4217 currency"}]
        )
    if amount is None and currency is not None:
        field = "amount" if "amount" in update else "currency"
        raise InvalidPayload.from_problems(
            [{"field": field, "detail": "a currency needs an amount"}]
        )
    put("amount", amount)
    put("currency", currency)
    qualifier = update.get("amount_qualifier", pledge.amount_qualifier)
    if amount is None:
        qualifier = None
    elif qualifier is None:
        qualifier = AmountQualifier.EXACT
    put("amount_qualifier", qualifier.value if isinstance(qualifier, StrEnum) else qualifier)

    if {"amount", "currency", "announced_date"} & set(changed):
        usd = await rates_service.convert(
            session,
            pledge.amount,
            pledge.currency,
            PartialDate.of(pledge.announced_date, pledge.announced_precision),
            await rates_service.rates_for(session, [pledge.currency] if pledge.currency else []),
        )
        put("amount_usd", usd.amount_usd)
        put("exchange_rate_id", usd.exchange_rate_id)
        put("amount_usd_note", usd.note)

    if "gcm_objectives" in update:
        wanted = set(update["gcm_objectives"])
        have = {o.objective for o in pledge.objectives}
        if wanted != have:
            pledge.objectives = [o for o in pledge.objectives if o.objective in wanted] + [
                PledgeObjective(objective=o) for o in sorted(wanted - have)
            ]
            changed.append("gcm_objectives")
    return changed


async def update_pledge(
    session: AsyncSession,
    api_key: ApiKey,
    pledge_id: int,
    payload: PledgeUpdate,
    *,
    expected_version: int | None,
    idempotency_key: str | None = None,
) -> PledgeWrite:
    """Change a submitted pledge that is still at ``expected_version``.

    ``expected_version`` None: PreconditionRequired; another version than the
    stored one: PreconditionFailed (``pledge_version_conflict``), also when a
    concurrent update wins the race. A body that changes nothing and carries no
    progress note writes nothing (``unchanged``). Flushes; the caller commits.
    """
    require_scope(api_key, ApiScope.PLEDGES_WRITE)
    if expected_version is None:
        raise PreconditionRequired(
            "Updating a pledge needs the version you read: send If-Match with its ETag.",
            code="pledge_version_required",
        )
    claimed = await idempotency.claim_request(
        session,
        api_key.id,
        idempotency_key,
        "update_pledge",
        {"pledge": pledge_id, "version": expected_version, "changes": payload.canonical()},
    )
    if isinstance(claimed, StoredResponse):
        return PledgeWrite.replay(claimed)
    pledge = await get_pledge(session, pledge_id)
    if pledge.key is not None:
        raise Conflict(
            "Curated pledges change only through the dataset files.", code="pledge_curated"
        )
    if pledge.api_key_id != api_key.id and not has_scope(api_key, ApiScope.PLEDGES_ADMIN):
        raise Forbidden(
            "Only the key that submitted a pledge, or a pledges:admin key, may change it.",
            code="pledge_not_owned",
        )
    await check_pledgers(session, api_key, [p.actor_id for p in pledge.pledgers])
    if pledge.version != expected_version:
        raise _stale(pledge.version, expected_version)
    if pledge.status == PledgeStatus.WITHDRAWN:
        raise Conflict("A withdrawn pledge no longer changes.", code="pledge_withdrawn")
    update = payload.changes()
    note: str | None = update.pop("progress_note", None)
    if not update and note is None:
        raise InvalidPayload("The body names no field to change.", field="body")
    if "status" in update:
        _check_transition(pledge.status, update["status"])

    before = PledgeRead.from_model(pledge)
    changed = await _apply(session, pledge, update)
    logged: list[ChangeRecord] = []
    if not changed and note is None:
        write = PledgeWrite(WriteOutcome.UNCHANGED, before)
    else:
        pledge.updated_at = utcnow()  # a note alone is a new version too
        try:
            await session.flush()
        except StaleDataError as exc:
            # A concurrent update committed between our read and our write.
            raise _stale(None, expected_version) from exc
        after = (await pledge_reads(session, [pledge_id]))[pledge_id]
        withdrawn = "status" in changed and after.status == PledgeStatus.WITHDRAWN
        await audit.record(
            session,
            api_key_id=api_key.id,
            action=AuditAction.PLEDGE_WITHDRAWN if withdrawn else AuditAction.PLEDGE_UPDATED,
            entity=AuditEntity.PLEDGE,
            entity_id=str(pledge_id),
            entity_version=after.version,
            before=audit_snapshot(before),
            after=audit_snapshot(after),
            note=note,
        )
        action = ChangeAction.WITHDRAWN if withdrawn else ChangeAction.UPDATED
        logged.append(
            ChangeRecord(Entity.PLEDGE, str(pledge_id), action, pledge_parts(before, after))
        )
        write = PledgeWrite(WriteOutcome.UPDATED, after)
    await idempotency.complete(
        session,
        claimed,
        created=False,
        body=write.pledge.model_dump_json(),
        resource_id=str(pledge_id),
    )
    version = await changes.record(session, logged, origin=ChangeOrigin.API)
    return replace(write, data_version=version)


def _stale(current: int | None, expected: int) -> PreconditionFailed:
    now = f"is at version {current}" if current is not None else "was changed meanwhile"
    return PreconditionFailed(
        f"The pledge {now}, not version {expected}: read it again (GET gives its ETag) "
        "and reapply your change.",
        code="pledge_version_conflict",
    )


async def pledge_history(session: AsyncSession, pledge_id: int) -> PledgeHistory:
    """Every version of a pledge written through the API, oldest first.

    Curated pledges change through the dataset files, so their history here is
    empty; the change feed shows when a dataset load touched them.
    """
    exists = await session.scalar(select(Pledge.id).where(Pledge.id == pledge_id))
    if exists is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    entries = await audit.entries_for(session, AuditEntity.PLEDGE, str(pledge_id))
    items = []
    for entry in entries:
        key = entry.api_key
        after = entry.after or {}
        items.append(
            PledgeHistoryEntry(
                version=entry.entity_version,
                action=AuditAction(entry.action),
                at=entry.at,
                api_key=key.prefix if key else None,
                status=after.get("status"),
                note=entry.note,
                changes=_diff(entry.before, entry.after),
            )
        )
    return PledgeHistory(pledge_id=pledge_id, items=items)


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    if before is None or after is None:
        return []
    return [
        FieldChange(field=name, before=before.get(name), after=after.get(name))
        for name in after
        if name != "version" and before.get(name) != after.get(name)
    ]
