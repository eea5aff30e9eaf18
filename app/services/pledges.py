"""Pledges: commitments made by one or more pledgers to a forum and/or at an event.

Reading rules:

* Amounts keep their own currency; ``amount_usd`` is the USD equivalent from the
  dated rates table, NULL where no rate covers the announcement date.
* A joint pledge lists its pledgers lead first; ``pledger=X`` matches any of them.
* Lists are ordered by id (ascending, the order pledges were recorded in) unless
  another ``PledgeSort`` is asked for; every ordering ends on the id. Unknown
  announcement dates and USD amounts sort first ascending and last descending.

Writing rules (``submit``, ``submit_batch``, ``update_pledge``; REST and GraphQL
call these same functions):

* Only a key with ``pledges:write`` submits; it updates the pledges it
  submitted, and a ``pledges:admin`` key updates any submitted pledge. Curated
  pledges change only through the dataset files.
* Nothing is stored twice: an Idempotency-Key replays its first answer
  (``services.idempotency``), and without one a repeated ``external_ref`` from
  the same key answers the pledge already stored (status 200, not 201). The
  unique (api_key_id, external_ref) index settles concurrent repeats.
* A pledge given only an event is filed under the event's forum; a pledge
  given both must name the event's own forum.
* Updates name the version they were based on (optimistic locking through the
  model's ``version_id_col``); a stale one is refused, never merged. Status moves
  only forward (announced → in_progress → fulfilled), ``withdrawn`` is reachable
  from any status and final. Pledges are withdrawn, never deleted.
* Every write adds audit entries and ends with ``changes.record``, the
  transaction's last statement; services flush and the caller commits. The
  statuses they return (201 created, 200 otherwise) are what REST answers and
  what an idempotent replay repeats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, extract, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidPayload,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.models import (
    Actor,
    ApiKey,
    Event,
    ExchangeRate,
    Forum,
    IdempotencyRecord,
    Pledge,
    PledgeObjective,
    PledgePledger,
)
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
from app.schemas.pledge import (
    MAX_BATCH,
    CurrencyAmount,
    FieldChange,
    PledgeBatchItem,
    PledgeBatchResult,
    PledgeCreate,
    PledgeHistory,
    PledgeHistoryEntry,
    PledgeRead,
    PledgeSummaryRow,
    PledgeUpdate,
    SummaryKey,
    field_errors,
)
from app.services import audit, changes, idempotency
from app.services import rates as rates_service
from app.services._query import PageResult, SortKey, paginate
from app.services.api_keys import has_scope, require_scope
from app.services.changes import ChangeRecord
from app.services.idempotency import StoredResponse

PLEDGE_ORDER = (SortKey(Pledge.id),)


class PledgeSort(StrEnum):
    """Orderings a pledge list offers; each ends on the id so it is total."""

    ID = "id"
    ID_DESC = "-id"
    ANNOUNCED = "announced_on"
    ANNOUNCED_DESC = "-announced_on"
    AMOUNT_USD = "amount_usd"
    AMOUNT_USD_DESC = "-amount_usd"


PLEDGE_SORTS: dict[PledgeSort, tuple[SortKey, ...]] = {
    PledgeSort.ID: PLEDGE_ORDER,
    PledgeSort.ID_DESC: (SortKey(Pledge.id, descending=True),),
    PledgeSort.ANNOUNCED: (SortKey(Pledge.announced_date), SortKey(Pledge.id)),
    PledgeSort.ANNOUNCED_DESC: (
        SortKey(Pledge.announced_date, descending=True),
        SortKey(Pledge.id, descending=True),
    ),
    PledgeSort.AMOUNT_USD: (SortKey(Pledge.amount_usd), SortKey(Pledge.id)),
    PledgeSort.AMOUNT_USD_DESC: (
        SortKey(Pledge.amount_usd, descending=True),
        SortKey(Pledge.id, descending=True),
    ),
}


@dataclass(frozen=True)
class PledgeFilter:
    pledger: str | None = None
    forum: str | None = None
    event: str | None = None
    kind: PledgeKind | None = None
    status: PledgeStatus | None = None
    currency: str | None = None
    announced_from: dt.date | None = None
    announced_to: dt.date | None = None
    gcm_objective: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    curated: bool | None = None

    def apply(self, statement: Select[Any]) -> Select[Any]:
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise InvalidInput("amount_min is larger than amount_max", field="amount_min")
        if self.announced_from and self.announced_to and self.announced_from > self.announced_to:
            raise InvalidInput("announced_from is after announced_to", field="announced_from")
        if self.pledger is not None:
            statement = statement.where(
                Pledge.id.in_(
                    select(PledgePledger.pledge_id)
                    .where(PledgePledger.actor_id == self.pledger)
                    # Never correlate: the summary joins pledge_pledger in the outer query.
                    .correlate(None)
                )
            )
        if self.forum is not None:
            statement = statement.where(Pledge.forum_code == self.forum)
        if self.event is not None:
            statement = statement.where(Pledge.event_id == self.event)
        if self.kind is not None:
            statement = statement.where(Pledge.kind == self.kind)
        if self.status is not None:
            statement = statement.where(Pledge.status == self.status)
        if self.currency is not None:
            statement = statement.where(Pledge.currency == self.currency)
        if self.announced_from is not None:
            statement = statement.where(Pledge.announced_date >= self.announced_from)
        if self.announced_to is not None:
            statement = statement.where(Pledge.announced_date <= self.announced_to)
        if self.gcm_objective is not None:
            statement = statement.where(
                Pledge.id.in_(
                    select(PledgeObjective.pledge_id).where(
                        PledgeObjective.objective == self.gcm_objective
                    )
                )
            )
        if self.amount_min is not None:
            statement = statement.where(Pledge.amount >= self.amount_min)
        if self.amount_max is not None:
            statement = statement.where(Pledge.amount <= self.amount_max)
        if self.curated is not None:
            statement = statement.where(
                Pledge.key.is_not(None) if self.curated else Pledge.key.is_(None)
            )
        return statement


def with_relations(statement: Select[Any]) -> Select[Any]:
    return statement.options(
        selectinload(Pledge.pledgers).selectinload(PledgePledger.actor),
        selectinload(Pledge.objectives),
        selectinload(Pledge.citations),
    )


async def list_pledges(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    sort: PledgeSort = PledgeSort.ID,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Pledge]:
    statement = (filters or PledgeFilter()).apply(select(Pledge))
    return await paginate(
        session, with_relations(statement), order=PLEDGE_SORTS[sort], limit=limit, cursor=cursor
    )


async def get_pledge(session: AsyncSession, pledge_id: int) -> Pledge:
    pledge: Pledge | None = await session.scalar(
        with_relations(select(Pledge).where(Pledge.id == pledge_id))
    )
    if pledge is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    return pledge


def _summary_column(key: SummaryKey) -> Any:
    match key:
        case SummaryKey.FORUM:
            return Pledge.forum_code
        case SummaryKey.YEAR:
            return extract("year", Pledge.announced_date)
        case SummaryKey.KIND:
            return Pledge.kind
        case SummaryKey.STATUS:
            return Pledge.status
        case SummaryKey.PLEDGER:
            return PledgePledger.actor_id
        case SummaryKey.CURRENCY:
            return Pledge.currency


async def summarize_pledges(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    group_by: Sequence[SummaryKey] = (),
) -> list[PledgeSummaryRow]:
    """Pledge totals per group, in each original currency and in USD.

    Amounts in different currencies are never added together: each group lists
    one total per currency, plus the USD sum of the pledges that have a USD
    equivalent and the count of those that do not. Grouped by ``pledger``, a
    joint pledge counts in full for each of its pledgers.
    """
    keys = list(dict.fromkeys(group_by))
    columns = [_summary_column(key).label(key.value) for key in keys]
    # The filters only add WHERE clauses on pledge columns, so they apply to the grouped
    # statement directly: one pass over the matching pledges, no id subquery.
    statement = (filters or PledgeFilter()).apply(
        select(
            *columns,
            Pledge.currency.label("_currency"),
            func.count(Pledge.id).label("_count"),
            func.coalesce(func.sum(Pledge.amount), 0).label("_amount"),
            func.coalesce(func.sum(Pledge.amount_usd), 0).label("_usd"),
            func.count(Pledge.id).filter(Pledge.amount_usd.is_(None)).label("_no_usd"),
        ).select_from(Pledge)
    )
    if SummaryKey.PLEDGER in keys:
        statement = statement.join(PledgePledger, PledgePledger.pledge_id == Pledge.id)
    grouping = [*columns, Pledge.currency]
    statement = statement.group_by(*grouping).order_by(*grouping)
    rows: dict[tuple[Any, ...], PledgeSummaryRow] = {}
    for record in await session.execute(statement):
        mapping = record._mapping
        group = {key.value: _group_value(mapping[key.value]) for key in keys}
        marker = tuple(group.values())
        row = rows.get(marker)
        if row is None:
            row = rows[marker] = PledgeSummaryRow.model_validate(
                {**group, "count": 0, "amounts": [], "amount_usd": 0, "count_without_usd": 0}
            )
        row.count += int(mapping["_count"])
        row.amount_usd += Decimal(mapping["_usd"])
        row.count_without_usd += int(mapping["_no_usd"])
        if mapping["_currency"] is not None:
            row.amounts.append(
                CurrencyAmount(
                    currency=mapping["_currency"],
                    amount=Decimal(mapping["_amount"]).quantize(CENT),
                )
            )
    for row in rows.values():
        row.amount_usd = row.amount_usd.quantize(CENT)
    return list(rows.values())


CENT = Decimal("0.01")


def _group_value(value: Any) -> str | int | None:
    if value is None or isinstance(value, str):
        return value
    return int(value)


# --- writing ------------------------------------------------------------------------------

STATUS_RANK = {
    PledgeStatus.ANNOUNCED: 0,
    PledgeStatus.IN_PROGRESS: 1,
    PledgeStatus.FULFILLED: 2,
}


@dataclass(frozen=True)
class PledgeWriteResult:
    """One pledge written (or found, or replayed), as first answered.

    ``body`` is the pledge's JSON (``PledgeRead``) exactly as the first answer
    gave it; an idempotent replay returns the same bytes.
    """

    status: int
    body: str
    replayed: bool = False

    @property
    def pledge(self) -> PledgeRead:
        return PledgeRead.model_validate_json(self.body)

    @property
    def created(self) -> bool:
        return self.status == 201

    @classmethod
    def replay(cls, stored: StoredResponse) -> PledgeWriteResult:
        return cls(status=stored.status, body=stored.body, replayed=True)


@dataclass(frozen=True)
class BatchWriteResult:
    status: int
    body: str
    replayed: bool = False

    @property
    def result(self) -> PledgeBatchResult:
        return PledgeBatchResult.model_validate_json(self.body)


@dataclass(frozen=True)
class _References:
    """What the pledges of one request refer to, fetched once."""

    actors: frozenset[str]
    forums: frozenset[str]
    event_forums: Mapping[str, str | None]
    rates: Sequence[ExchangeRate]


async def _references(session: AsyncSession, payloads: Sequence[PledgeCreate]) -> _References:
    actor_ids = {actor for p in payloads for actor in p.pledgers}
    forum_codes = {p.forum for p in payloads if p.forum}
    event_ids = {p.event for p in payloads if p.event}
    actors = await session.scalars(select(Actor.id).where(Actor.id.in_(actor_ids)))
    forums = await session.scalars(select(Forum.code).where(Forum.code.in_(forum_codes)))
    events = await session.execute(
        select(Event.id, Event.forum_code).where(Event.id.in_(event_ids))
    )
    rates = await rates_service.rates_for(session, {p.currency for p in payloads if p.currency})
    return _References(
        actors=frozenset(actors),
        forums=frozenset(forums),
        event_forums={row.id: row.forum_code for row in events},
        rates=rates,
    )


def _reference_errors(payload: PledgeCreate, refs: _References) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for index, actor in enumerate(payload.pledgers):
        if actor not in refs.actors:
            problems.append(
                {"field": f"pledgers.{index}", "detail": f"no actor has the id {actor!r}"}
            )
    if payload.forum is not None and payload.forum not in refs.forums:
        problems.append({"field": "forum", "detail": f"no forum has the code {payload.forum!r}"})
    if payload.event is not None:
        if payload.event not in refs.event_forums:
            problems.append({"field": "event", "detail": f"no event has the id {payload.event!r}"})
        else:
            event_forum = refs.event_forums[payload.event]
            if payload.forum in refs.forums and event_forum not in (None, payload.forum):
                problems.append(
                    {
                        "field": "event",
                        "detail": f"event {payload.event!r} belongs to forum {event_forum!r}, "
                        f"not {payload.forum!r}",
                    }
                )
    return problems


def _refused(problems: list[dict[str, Any]], detail: str | None = None) -> InvalidPayload:
    summary = "; ".join(f"{p['field']}: {p['detail']}" for p in problems[:5])
    return InvalidPayload(detail or summary, errors=problems)


async def _claim(
    session: AsyncSession,
    api_key: ApiKey,
    idempotency_key: str | None,
    operation: str,
    request: Any,
) -> IdempotencyRecord | StoredResponse | None:
    if idempotency_key is None:
        return None
    if not 1 <= len(idempotency_key) <= 255 or not idempotency_key.isprintable():
        raise InvalidInput(
            "An Idempotency-Key is 1 to 255 printable characters.",
            code="invalid_idempotency_key",
            field=idempotency.HEADER,
        )
    fingerprint = idempotency.request_hash(operation, request)
    return await idempotency.claim(session, api_key.id, idempotency_key, fingerprint)


async def _pledge_id_by_ref(
    session: AsyncSession, api_key_id: int, external_ref: str
) -> int | None:
    found: int | None = await session.scalar(
        select(Pledge.id).where(
            Pledge.api_key_id == api_key_id, Pledge.external_ref == external_ref
        )
    )
    return found


async def _insert(
    session: AsyncSession, api_key: ApiKey, payload: PledgeCreate, refs: _References
) -> tuple[int, bool]:
    """Store one checked pledge: (its id, True), or (the id already stored for its ref, False)."""
    if payload.external_ref is not None:
        existing = await _pledge_id_by_ref(session, api_key.id, payload.external_ref)
        if existing is not None:
            return existing, False
    usd = rates_service.usd_equivalent(
        payload.amount, payload.currency, payload.announced_on, refs.rates
    )
    announced = payload.announced_on
    pledge = Pledge(
        forum_code=payload.forum or refs.event_forums.get(payload.event or ""),
        event_id=payload.event,
        kind=payload.kind.value,
        scope=payload.scope.value if payload.scope else None,
        status=PledgeStatus.ANNOUNCED.value,
        amount=payload.amount,
        amount_qualifier=(payload.amount_qualifier or AmountQualifier.EXACT).value
        if payload.amount is not None
        else None,
        currency=payload.currency,
        amount_usd=usd.amount_usd,
        exchange_rate_id=usd.exchange_rate_id,
        announced_date=announced.date if announced else None,
        announced_precision=announced.precision.value if announced else None,
        title=payload.title,
        description=payload.description,
        external_ref=payload.external_ref,
        api_key_id=api_key.id,
        pledgers=[
            PledgePledger(actor_id=actor, position=position)
            for position, actor in enumerate(payload.pledgers)
        ],
        objectives=[PledgeObjective(objective=o) for o in sorted(payload.gcm_objectives)],
    )
    try:
        async with session.begin_nested():
            session.add(pledge)
            await session.flush()
    except IntegrityError:
        # The same ref committed meanwhile by a concurrent request (PostgreSQL waited for it).
        if payload.external_ref is None:
            raise
        existing = await _pledge_id_by_ref(session, api_key.id, payload.external_ref)
        if existing is None:
            raise
        return existing, False
    return pledge.id, True


async def _render(session: AsyncSession, pledge_ids: Sequence[int]) -> dict[int, PledgeRead]:
    """The pledges as answered, read back with everything they embed."""
    if not pledge_ids:
        return {}
    statement = with_relations(select(Pledge).where(Pledge.id.in_(set(pledge_ids))))
    rows = await session.scalars(statement.execution_options(populate_existing=True))
    return {row.id: PledgeRead.from_model(row) for row in rows}


def _snapshot(pledge: PledgeRead) -> dict[str, Any]:
    return pledge.model_dump(mode="json", exclude={"citations"})


async def _record_created(
    session: AsyncSession, api_key: ApiKey, pledges: Sequence[PledgeRead]
) -> list[ChangeRecord]:
    for pledge in pledges:
        await audit.record(
            session,
            api_key_id=api_key.id,
            action=AuditAction.PLEDGE_CREATED,
            entity=AuditEntity.PLEDGE,
            entity_id=str(pledge.id),
            entity_version=pledge.version,
            after=_snapshot(pledge),
        )
    return [ChangeRecord(Entity.PLEDGE, str(p.id), ChangeAction.CREATED) for p in pledges]


async def submit(
    session: AsyncSession,
    api_key: ApiKey,
    payload: PledgeCreate,
    *,
    idempotency_key: str | None = None,
) -> PledgeWriteResult:
    """Store a submitted pledge, or answer the one already stored for this request.

    201 with the new pledge; 200 with the existing one when ``external_ref`` was
    already used by this key; the first answer again when ``idempotency_key``
    was already used with the same request. Flushes; the caller commits.
    """
    require_scope(api_key, ApiScope.PLEDGES_WRITE)
    claimed = await _claim(session, api_key, idempotency_key, "submit_pledge", payload.canonical())
    if isinstance(claimed, StoredResponse):
        return PledgeWriteResult.replay(claimed)
    refs = await _references(session, [payload])
    problems = _reference_errors(payload, refs)
    if problems:
        raise _refused(problems)
    pledge_id, created = await _insert(session, api_key, payload, refs)
    pledge = (await _render(session, [pledge_id]))[pledge_id]
    result = PledgeWriteResult(status=201 if created else 200, body=pledge.model_dump_json())
    logged = await _record_created(session, api_key, [pledge] if created else [])
    if claimed is not None:
        await idempotency.complete(
            session, claimed, status=result.status, body=result.body, resource_id=str(pledge_id)
        )
    await changes.record(session, logged, origin=ChangeOrigin.API)
    return result


async def submit_batch(
    session: AsyncSession,
    api_key: ApiKey,
    items: Sequence[Mapping[str, Any]],
    *,
    atomic: bool = False,
    idempotency_key: str | None = None,
) -> BatchWriteResult:
    """Submit up to ``MAX_BATCH`` pledges with one result each.

    Each item is checked like ``submit``'s body. Not atomic: the good items are
    stored and the bad ones reported. Atomic: one bad item refuses the batch
    (InvalidPayload naming ``pledges.<index>.<field>``) and nothing is stored.
    """
    require_scope(api_key, ApiScope.PLEDGES_WRITE)
    if not 1 <= len(items) <= MAX_BATCH:
        raise InvalidPayload(
            f"A batch holds 1 to {MAX_BATCH} pledges; this one has {len(items)}.",
            field="pledges",
        )
    claimed = await _claim(
        session,
        api_key,
        idempotency_key,
        "submit_pledge_batch",
        {"atomic": atomic, "pledges": [dict(item) for item in items]},
    )
    if isinstance(claimed, StoredResponse):
        return BatchWriteResult(status=claimed.status, body=claimed.body, replayed=True)

    parsed: list[PledgeCreate | list[dict[str, Any]]] = []
    for item in items:
        try:
            parsed.append(PledgeCreate.model_validate(item))
        except ValidationError as exc:
            parsed.append(field_errors(exc))
    refs = await _references(session, [p for p in parsed if isinstance(p, PledgeCreate)])
    refusals: dict[int, list[dict[str, Any]]] = {}
    for index, candidate in enumerate(parsed):
        problems = (
            candidate
            if not isinstance(candidate, PledgeCreate)
            else _reference_errors(candidate, refs)
        )
        if problems:
            refusals[index] = problems
    if atomic and refusals:
        raise _refused(
            [
                {**problem, "field": f"pledges.{index}.{problem['field']}"}
                for index, problems in refusals.items()
                for problem in problems
            ],
            detail=f"{len(refusals)} of {len(items)} pledges were refused; nothing was stored.",
        )

    stored: dict[int, tuple[int, bool]] = {}
    for index, candidate in enumerate(parsed):
        if index not in refusals and isinstance(candidate, PledgeCreate):
            stored[index] = await _insert(session, api_key, candidate, refs)
    rendered = await _render(session, [pledge_id for pledge_id, _ in stored.values()])

    results: list[PledgeBatchItem] = []
    created: list[PledgeRead] = []
    for index in range(len(items)):
        if index in refusals:
            results.append(
                PledgeBatchItem(
                    index=index,
                    outcome="rejected",
                    status=422,
                    code="validation_failed",
                    errors=refusals[index],
                )
            )
            continue
        pledge_id, is_new = stored[index]
        pledge = rendered[pledge_id]
        if is_new:
            created.append(pledge)
        results.append(
            PledgeBatchItem(
                index=index,
                outcome="created" if is_new else "existing",
                status=201 if is_new else 200,
                pledge=pledge,
            )
        )
    body = PledgeBatchResult(
        atomic=atomic,
        created=len(created),
        existing=len(stored) - len(created),
        rejected=len(refusals),
        results=results,
    ).model_dump_json()
    logged = await _record_created(session, api_key, created)
    if claimed is not None:
        await idempotency.complete(session, claimed, status=200, body=body)
    await changes.record(session, logged, origin=ChangeOrigin.API)
    return BatchWriteResult(status=200, body=body)


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
        put("announced_precision", announced.precision.value if announced else None)

    amount = update.get("amount", pledge.amount)
    currency = update.get("currency", pledge.currency)
    if amount is None and pledge.kind == PledgeKind.FINANCIAL:
        raise _refused([{"field": "amount", "detail": "a financial pledge needs an amount"}])
    if amount is not None and currency is None:
        raise _refused([{"field": "currency", "detail": "an amount needs its ISO 4217 currency"}])
    if amount is None and currency is not None:
        field = "amount" if "amount" in update else "currency"
        raise _refused([{"field": field, "detail": "a currency needs an amount"}])
    put("amount", amount)
    put("currency", currency)
    qualifier = update.get("amount_qualifier", pledge.amount_qualifier)
    if amount is None:
        qualifier = None
    elif qualifier is None:
        qualifier = AmountQualifier.EXACT
    put("amount_qualifier", qualifier.value if isinstance(qualifier, StrEnum) else qualifier)

    if {"amount", "currency", "announced_date"} & set(changed):
        announced_at = (
            PartialDate(pledge.announced_date, pledge.announced_precision)  # type: ignore[arg-type]
            if pledge.announced_date is not None
            else None
        )
        usd = rates_service.usd_equivalent(
            pledge.amount,
            pledge.currency,
            announced_at,
            await rates_service.rates_for(session, [pledge.currency] if pledge.currency else []),
        )
        put("amount_usd", usd.amount_usd)
        put("exchange_rate_id", usd.exchange_rate_id)

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
) -> PledgeWriteResult:
    """Change a submitted pledge that is still at ``expected_version``.

    ``expected_version`` None: PreconditionRequired; another version than the
    stored one: PreconditionFailed (``pledge_version_conflict``), also when a
    concurrent update wins the race. A body that changes nothing and carries no
    progress note writes nothing. Flushes; the caller commits.
    """
    require_scope(api_key, ApiScope.PLEDGES_WRITE)
    if expected_version is None:
        raise PreconditionRequired(
            "Updating a pledge needs the version you read: send If-Match with its ETag.",
            code="pledge_version_required",
        )
    claimed = await _claim(
        session,
        api_key,
        idempotency_key,
        "update_pledge",
        {"pledge": pledge_id, "version": expected_version, "changes": payload.canonical()},
    )
    if isinstance(claimed, StoredResponse):
        return PledgeWriteResult.replay(claimed)
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
    if not changed and note is None:
        result = PledgeWriteResult(status=200, body=before.model_dump_json())
        if claimed is not None:
            await idempotency.complete(
                session, claimed, status=200, body=result.body, resource_id=str(pledge_id)
            )
        return result
    pledge.updated_at = utcnow()  # a note alone is a new version too
    try:
        await session.flush()
    except StaleDataError as exc:
        # A concurrent update committed between our read and our write.
        raise _stale(None, expected_version) from exc
    after = (await _render(session, [pledge_id]))[pledge_id]
    withdrawn = "status" in changed and after.status == PledgeStatus.WITHDRAWN
    await audit.record(
        session,
        api_key_id=api_key.id,
        action=AuditAction.PLEDGE_WITHDRAWN if withdrawn else AuditAction.PLEDGE_UPDATED,
        entity=AuditEntity.PLEDGE,
        entity_id=str(pledge_id),
        entity_version=after.version,
        before=_snapshot(before),
        after=_snapshot(after),
        note=note,
    )
    result = PledgeWriteResult(status=200, body=after.model_dump_json())
    if claimed is not None:
        await idempotency.complete(
            session, claimed, status=200, body=result.body, resource_id=str(pledge_id)
        )
    action = ChangeAction.WITHDRAWN if withdrawn else ChangeAction.UPDATED
    await changes.record(
        session, [ChangeRecord(Entity.PLEDGE, str(pledge_id), action)], origin=ChangeOrigin.API
    )
    return result


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
