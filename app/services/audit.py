"""The audit log: one entry per write, with the key that made it and the record before and after.

Invariants:

* Entries are only ever added, in the same transaction as the write they
  describe, so the log holds exactly the committed writes.
* ``api_key_id`` is NULL for operator commands run through the CLI.
* Lists are ordered by id, which is the order entries were written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import AuditEntry
from app.models.base import utcnow
from app.models.enums import AuditAction, AuditEntity
from app.services.paging import PageResult, SortKey, paginate

AUDIT_ORDER = (SortKey(AuditEntry.id),)


async def record(
    session: AsyncSession,
    *,
    api_key_id: int | None,
    action: AuditAction,
    entity: AuditEntity,
    entity_id: str,
    entity_version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        api_key_id=api_key_id,
        action=action.value,
        entity=entity.value,
        entity_id=entity_id,
        entity_version=entity_version,
        before=before,
        after=after,
        note=note,
    )
    session.add(entry)
    await session.flush()
    return entry


async def record_many(
    session: AsyncSession,
    entries: Sequence[dict[str, Any]],
    *,
    api_key_id: int | None,
    action: AuditAction,
    entity: AuditEntity,
) -> None:
    """``record`` for many entries of one kind in one INSERT; each entry gives
    ``entity_id`` and any of ``entity_version``, ``before``, ``after``, ``note``."""
    if not entries:
        return
    now = utcnow()
    rows = [
        {
            "api_key_id": api_key_id,
            "action": action.value,
            "entity": entity.value,
            "entity_version": None,
            "before": None,
            "after": None,
            "note": None,
            "at": now,
            **entry,
        }
        for entry in entries
    ]
    # One row (a single submission) as one statement, not an executemany of one.
    await (await session.connection()).execute(_INSERT, rows[0] if len(rows) == 1 else rows)


# A Core INSERT of the table, built once: the ORM's bulk INSERT through the mapped class
# cost about twice as much for the one row of a submission.
_INSERT = insert(cast(Table, AuditEntry.__table__))


async def list_audit_entries(
    session: AsyncSession,
    *,
    entity: AuditEntity | None = None,
    entity_id: str | None = None,
    api_key_id: int | None = None,
    action: AuditAction | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[AuditEntry]:
    statement = select(AuditEntry).options(selectinload(AuditEntry.api_key))
    if entity is not None:
        statement = statement.where(AuditEntry.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if api_key_id is not None:
        statement = statement.where(AuditEntry.api_key_id == api_key_id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return await paginate(
        session, statement, order=AUDIT_ORDER, limit=limit, cursor=cursor, with_total=False
    )


async def entries_for(
    session: AsyncSession, entity: AuditEntity, entity_id: str
) -> list[AuditEntry]:
    """Every entry about one record, oldest first."""
    statement = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.api_key))
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(await session.scalars(statement))
