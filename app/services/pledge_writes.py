"""Pledge submissions: one pledge or a batch, and what a write answers.

REST and GraphQL call these same functions; each returns what happened (a
``PledgeWrite`` or a ``BatchWrite``: the outcome, the pledge as read, the
problems) and each adapter turns that into its own answer. Updates and a
pledge's history live in ``services.pledge_updates`` and answer the same way.

* Only a key with ``pledges:write`` submits, and only in the name of the actors it
  was granted (``api_keys.pledger_problems``: 403 ``pledger_not_granted``; in a
  batch, that item alone, unless the batch is atomic).
* Nothing is stored twice: an Idempotency-Key replays its first answer
  (``services.idempotency``, the one place an answer is kept as bytes), and
  without one a repeated ``external_ref`` from the same key answers the pledge
  already stored (``existing``, not ``created``). The unique (api_key_id,
  external_ref) index settles concurrent repeats.
* A pledge given only an event is filed under the event's forum; a pledge
  given both must name the event's own forum.
* Every write adds audit entries and ends with ``changes.record``, the
  transaction's last statement; services flush and the caller commits.
* A batch is written in bulk (``_insert_many``): a statement per table, not a
  savepoint per pledge, so the documented 1,000 answer well inside the deadline.
* A single submission runs statements built once, on the session's connection where
  they answer plain values (the lookups, the inserts, the read back, the audit and
  change rows): the ORM's work around each statement took a sixth of a submission.
  What a write reads before it checks anything (which named actors, forums and events
  are exact codes, the key's grants, a single submission's repeated ``external_ref``)
  is one statement (``_prefetch``), not four.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import (
    CompoundSelect,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    InvalidPayload,
)
from app.models import (
    Actor,
    ApiKey,
    ApiKeyPledger,
    Event,
    ExchangeRate,
    Forum,
    Pledge,
    PledgeObjective,
    PledgePledger,
)
from app.models.enums import (
    AmountQualifier,
    ApiScope,
    AuditAction,
    AuditEntity,
    ChangeAction,
    ChangeOrigin,
    Entity,
    PledgeStatus,
)
from app.schemas.actor import RowActor
from app.schemas.pledge import PledgeCreate, PledgeRead
from app.schemas.pledge_writes import MAX_BATCH, PledgeBatchItem, PledgeBatchResult, field_errors
from app.services import audit, changes, idempotency, references
from app.services import rates as rates_service
from app.services.api_keys import (
    granted,
    not_granted,
    pledger_problems,
    require_scope,
)
from app.services.changes import ChangeRecord
from app.services.idempotency import StoredResponse
from app.services.pledges import pledge_parts, pledge_reads, pledge_rows


class WriteOutcome(StrEnum):
    """What a write did."""

    CREATED = "created"  # this request stored a new pledge
    EXISTING = "existing"  # the key had already submitted this external_ref: that pledge
    UPDATED = "updated"  # the pledge changed (or a progress note was added): a new version
    UNCHANGED = "unchanged"  # the update changed nothing: the pledge as it is
    REPLAYED = "replayed"  # the Idempotency-Key's first answer; nothing was written


@dataclass(frozen=True)
class PledgeWrite:
    """One pledge written, found or replayed.

    ``pledge`` is the pledge as this answer gives it: for a replay, as first
    answered (``first_answer`` then holds that answer as the record kept it).
    """

    outcome: WriteOutcome
    pledge: PledgeRead
    first_answer: StoredResponse | None = None
    # The data version the write committed (for a replay, the current one); None when
    # it changed nothing.
    data_version: int | None = None
    # The pledgers in full, as read back with the pledge (GraphQL's ``Actor``); None
    # for a replay, whose first answer kept only their references.
    pledgers: Sequence[RowActor] | None = None

    @classmethod
    def replay(cls, stored: StoredResponse) -> PledgeWrite:
        pledge = PledgeRead.model_validate_json(stored.body)
        return cls(
            WriteOutcome.REPLAYED, pledge, first_answer=stored, data_version=stored.data_version
        )


@dataclass(frozen=True)
class BatchWrite:
    """A batch's result, one item per pledge; ``first_answer`` set when replayed."""

    result: PledgeBatchResult
    first_answer: StoredResponse | None = None
    data_version: int | None = None  # as ``PledgeWrite.data_version``

    @property
    def replayed(self) -> bool:
        return self.first_answer is not None


@dataclass(frozen=True)
class _References:
    """What the pledges of one request may refer to, fetched once for all of them: the
    forums, actors and events they name (``services.references``, as the read filters
    resolve them: exact codes alone when each is one, else every name, for the
    suggestions), the forum of each event they name, and the exchange rates of the
    currencies they name."""

    actors: references.Lookup
    forums: references.Lookup
    events: references.Lookup
    event_forums: Mapping[str, str | None]
    rates: Sequence[ExchangeRate]


@dataclass(frozen=True)
class _Prefetched:
    """What a write reads before it checks anything, in one statement (``_prefetch``):
    which of the named actors, forums and events are exact codes (with each event's
    forum), the key's granted pledgers, and the pledge the key already stored under a
    single submission's ``external_ref`` (``stored``; None when none has it)."""

    codes: Mapping[str, frozenset[str]]
    event_forums: Mapping[str, str | None]
    grants: frozenset[str]
    stored: int | None


_NO_TEXT = null().cast(String)
# One round trip instead of four: each part is the statement the reference, key and
# write modules would run on their own (``references.lookup``, ``api_keys.granted_pledgers``,
# ``_PLEDGE_ID_BY_REF``), tagged with what it answers. A round trip through the ORM's and
# the driver's layers cost about as much as the work of the statement itself.
_PREFETCH: CompoundSelect[Any] = union_all(
    select(literal_column("'actor'"), Actor.id, _NO_TEXT).where(
        Actor.id.in_(bindparam("actors", expanding=True))
    ),
    select(literal_column("'forum'"), Forum.code, _NO_TEXT).where(
        Forum.code.in_(bindparam("forums", expanding=True))
    ),
    select(literal_column("'event'"), Event.id, Event.forum_code).where(
        Event.id.in_(bindparam("events", expanding=True))
    ),
    select(literal_column("'grant'"), ApiKeyPledger.actor_id, _NO_TEXT).where(
        ApiKeyPledger.api_key_id == bindparam("api_key_id")
    ),
    select(literal_column("'stored'"), Pledge.id.cast(String), _NO_TEXT).where(
        Pledge.api_key_id == bindparam("api_key_id"),
        Pledge.external_ref == bindparam("external_ref"),
    ),
)


async def _prefetch(
    session: AsyncSession, api_key: ApiKey, payloads: Sequence[PledgeCreate]
) -> _Prefetched:
    """``_Prefetched`` for ``payloads``; ``stored`` is asked for a single payload only (a
    batch reads its stored refs in bulk, ``_insert_many``)."""
    ref = payloads[0].external_ref if len(payloads) == 1 else None
    rows = await (await session.connection()).execute(
        _PREFETCH,
        {
            "actors": references.exact_candidates(a for p in payloads for a in p.pledgers),
            "forums": references.exact_candidates(p.forum for p in payloads if p.forum is not None),
            "events": references.exact_candidates(p.event for p in payloads if p.event is not None),
            "api_key_id": api_key.id,
            "external_ref": ref,
        },
    )
    codes: dict[str, set[str]] = {"actor": set(), "forum": set(), "event": set()}
    event_forums: dict[str, str | None] = {}
    grants: set[str] = set()
    stored: int | None = None
    for kind, value, forum in rows:
        if kind == "grant":
            grants.add(value)
        elif kind == "stored":
            stored = int(value)
        else:
            codes[kind].add(value)
            if kind == "event":
                event_forums[value] = forum
    return _Prefetched(
        {kind: frozenset(found) for kind, found in codes.items()},
        event_forums,
        frozenset(grants),
        stored,
    )


async def _references(
    session: AsyncSession, payloads: Sequence[PledgeCreate], prefetched: _Prefetched
) -> _References:
    actors = await references.lookup(
        session,
        "actor",
        (a for p in payloads for a in p.pledgers),
        found=prefetched.codes["actor"],
    )
    forums = await references.lookup(
        session,
        "forum",
        (p.forum for p in payloads if p.forum is not None),
        found=prefetched.codes["forum"],
    )
    events = await references.lookup(
        session,
        "event",
        (p.event for p in payloads if p.event is not None),
        found=prefetched.codes["event"],
    )
    # At most one event an item: a batch's worth of ids at most.
    named = {
        code for p in payloads if p.event is not None and (code := events.code(p.event)) is not None
    }
    event_forums = {
        code: prefetched.event_forums[code] for code in named & set(prefetched.event_forums)
    }
    if named - set(event_forums):  # events named by name or alias
        rows = await session.execute(
            select(Event.id, Event.forum_code).where(Event.id.in_(named - set(event_forums)))
        )
        event_forums.update({row.id: row.forum_code for row in rows})
    rates = await rates_service.rates_for(session, {p.currency for p in payloads if p.currency})
    return _References(
        actors=actors, forums=forums, events=events, event_forums=event_forums, rates=rates
    )


@dataclass(frozen=True)
class _Refusal:
    """Why a submitted pledge was refused: its problems, and whether it named something
    that matches nothing (``unknown_reference``) rather than breaking a rule."""

    problems: list[dict[str, Any]]
    unknown: bool = False

    @property
    def code(self) -> str:
        return UNKNOWN_REFERENCE if self.unknown else VALIDATION_FAILED


UNKNOWN_REFERENCE = "unknown_reference"
VALIDATION_FAILED = "validation_failed"


def _resolved(payload: PledgeCreate, refs: _References) -> PledgeCreate | _Refusal:
    """``payload`` with its pledgers, forum and event in canonical form (``rcm`` → RCM,
    ``Mexico`` → MEX), as the read filters resolve them; or why it is refused: each
    value that names nothing, with suggestions, or an event of another forum."""
    unknown: list[dict[str, Any]] = []
    pledgers: list[str] = []
    for index, value in enumerate(payload.pledgers):
        actor = refs.actors.code(value)
        if actor is None:
            unknown.append(refs.actors.problem(f"pledgers.{index}", value))
        else:
            pledgers.append(actor)
    forum = None if payload.forum is None else refs.forums.code(payload.forum)
    if payload.forum is not None and forum is None:
        unknown.append(refs.forums.problem("forum", payload.forum))
    event = None if payload.event is None else refs.events.code(payload.event)
    if payload.event is not None and event is None:
        unknown.append(refs.events.problem("event", payload.event))
    if unknown:
        return _Refusal(unknown, unknown=True)
    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, actor in enumerate(pledgers):
        if actor in seen:
            problems.append(
                {
                    "field": f"pledgers.{index}",
                    "detail": f"pledger {payload.pledgers[index]!r} is actor {actor!r}, "
                    f"already listed as pledgers.{seen[actor]}",
                }
            )
        seen.setdefault(actor, index)
    if event is not None:
        event_forum = refs.event_forums.get(event)
        if forum is not None and event_forum not in (None, forum):
            problems.append(
                {
                    "field": "event",
                    "detail": f"event {event!r} belongs to forum {event_forum!r}, not {forum!r}",
                }
            )
    if problems:
        return _Refusal(problems)
    return payload.model_copy(update={"pledgers": pledgers, "forum": forum, "event": event})


def _table(model: type[Any]) -> Table:
    """A model's table, for a Core executemany: the ORM's bulk INSERT leaves out the
    NULL values, then runs one statement per set of columns left."""
    return cast(Table, model.__table__)


# Statements built once, so SQLAlchemy reuses their memoized cache keys on every
# submission (building and keying them took about as long as running them).
_PLEDGE_ID_BY_REF = select(Pledge.id).where(
    Pledge.api_key_id == bindparam("api_key_id"), Pledge.external_ref == bindparam("external_ref")
)
# The unique (api_key_id, external_ref) index settles a ref two requests submit at once.
_PLEDGE_INSERTS = {
    "postgresql": postgresql.insert(_table(Pledge))
    .on_conflict_do_nothing(index_elements=["api_key_id", "external_ref"])
    .returning(_table(Pledge).c.id),
    "sqlite": sqlite.insert(_table(Pledge))
    .on_conflict_do_nothing(index_elements=["api_key_id", "external_ref"])
    .returning(_table(Pledge).c.id),
}
_PLEDGER_INSERT = insert(_table(PledgePledger))
_OBJECTIVE_INSERT = insert(_table(PledgeObjective))


async def _pledge_id_by_ref(
    session: AsyncSession, api_key_id: int, external_ref: str
) -> int | None:
    found: int | None = await (await session.connection()).scalar(
        _PLEDGE_ID_BY_REF, {"api_key_id": api_key_id, "external_ref": external_ref}
    )
    return found


async def _insert(
    session: AsyncSession,
    api_key: ApiKey,
    payload: PledgeCreate,
    refs: _References,
    *,
    prefetched: _Prefetched | None = None,
) -> tuple[int, bool]:
    """Store one checked pledge: (its id, True), or (the id already stored for its ref, False).

    Core statements, no savepoint: a flush of the ORM objects inside a savepoint took
    about twice as long. A ref committed by a concurrent request after the first
    look is settled by ``ON CONFLICT DO NOTHING`` on the unique (api_key_id,
    external_ref) index (PostgreSQL waits for that request's commit), after which the
    pledge it stored is read.
    """
    if payload.external_ref is not None:
        existing = (
            prefetched.stored
            if prefetched is not None
            else await _pledge_id_by_ref(session, api_key.id, payload.external_ref)
        )
        if existing is not None:
            return existing, False
    usd = await rates_service.convert(
        session, payload.amount, payload.currency, payload.announced_on, refs.rates
    )
    dialect = session.get_bind().dialect.name
    connection = await session.connection()
    pledge_id = (
        await connection.execute(_PLEDGE_INSERTS[dialect], _row(api_key, payload, refs, usd))
    ).scalar_one_or_none()
    if pledge_id is None:
        # The same ref committed meanwhile by a concurrent request.
        assert payload.external_ref is not None
        existing = await _pledge_id_by_ref(session, api_key.id, payload.external_ref)
        if existing is None:
            raise RuntimeError("a pledge's external_ref conflicted, yet no pledge has it")
        return existing, False
    await connection.execute(
        _PLEDGER_INSERT,
        [
            {"pledge_id": pledge_id, "actor_id": actor, "position": position}
            for position, actor in enumerate(payload.pledgers)
        ],
    )
    if payload.gcm_objectives:
        await connection.execute(
            _OBJECTIVE_INSERT,
            [
                {"pledge_id": pledge_id, "objective": objective}
                for objective in sorted(payload.gcm_objectives)
            ],
        )
    return int(pledge_id), True


def _row(
    api_key: ApiKey, payload: PledgeCreate, refs: _References, usd: rates_service.UsdEquivalent
) -> dict[str, Any]:
    """The pledge table's row for a checked submission."""
    announced = payload.announced_on
    return {
        "forum_code": payload.forum or refs.event_forums.get(payload.event or ""),
        "event_id": payload.event,
        "kind": payload.kind.value,
        "scope": payload.scope.value if payload.scope else None,
        "status": PledgeStatus.ANNOUNCED.value,
        "amount": payload.amount,
        "amount_qualifier": (payload.amount_qualifier or AmountQualifier.EXACT).value
        if payload.amount is not None
        else None,
        "currency": payload.currency,
        "amount_usd": usd.amount_usd,
        "exchange_rate_id": usd.exchange_rate_id,
        "amount_usd_note": usd.note,
        "announced_date": announced.date if announced else None,
        "announced_precision": announced.precision if announced else None,
        "title": payload.title,
        "description": payload.description,
        "external_ref": payload.external_ref,
        "api_key_id": api_key.id,
    }


async def _insert_many(
    session: AsyncSession, api_key: ApiKey, payloads: Sequence[PledgeCreate], refs: _References
) -> list[tuple[int, bool]]:
    """Store checked pledges in bulk: ``(id, True)`` for each stored, ``(id, False)`` for
    each whose ``external_ref`` the key had already used (in an earlier request, or
    earlier in this one).

    One INSERT per table (pledges, with ids taken beforehand; pledgers; objectives),
    and each ECB rate read and stored once: a savepoint and a flush
    per pledge made the documented 1,000 take 8-10 s. Should a concurrent request
    commit one of these refs meanwhile, the unique index refuses the whole INSERT;
    then the pledges go one at a time (``_insert``), as before, which settles it.
    """
    wanted = {p.external_ref for p in payloads if p.external_ref is not None}
    stored_refs: dict[str, int] = {}
    if wanted:
        rows = await session.execute(
            select(Pledge.external_ref, Pledge.id).where(
                Pledge.api_key_id == api_key.id, Pledge.external_ref.in_(wanted)
            )
        )
        stored_refs = {ref: pledge_id for ref, pledge_id in rows if ref is not None}
    new: list[int] = []  # indexes of the pledges this request stores
    first_with_ref: dict[str, int] = {}
    for index, payload in enumerate(payloads):
        ref = payload.external_ref
        if ref is None or (ref not in stored_refs and ref not in first_with_ref):
            new.append(index)
            if ref is not None:
                first_with_ref[ref] = index
    known: rates_service.EcbRates = {}
    rows_to_store = []
    for index in new:
        payload = payloads[index]
        usd = await rates_service.convert(
            session,
            payload.amount,
            payload.currency,
            payload.announced_on,
            refs.rates,
            known=known,
        )
        rows_to_store.append(_row(api_key, payload, refs, usd))
    try:
        async with session.begin_nested():
            ids: list[int] = []
            if rows_to_store:
                ids = await _new_pledge_ids(session, len(rows_to_store))
                await session.execute(
                    insert(_table(Pledge)),
                    [
                        {**row, "id": pledge_id}
                        for row, pledge_id in zip(rows_to_store, ids, strict=True)
                    ],
                )
                pledgers = [
                    {"pledge_id": pledge_id, "actor_id": actor, "position": position}
                    for pledge_id, index in zip(ids, new, strict=True)
                    for position, actor in enumerate(payloads[index].pledgers)
                ]
                objectives = [
                    {"pledge_id": pledge_id, "objective": objective}
                    for pledge_id, index in zip(ids, new, strict=True)
                    for objective in sorted(payloads[index].gcm_objectives)
                ]
                await session.execute(insert(_table(PledgePledger)), pledgers)
                if objectives:
                    await session.execute(insert(_table(PledgeObjective)), objectives)
    except IntegrityError:
        if not wanted:
            raise
        return [await _insert(session, api_key, payload, refs) for payload in payloads]
    by_index = dict(zip(new, ids, strict=True))
    results: list[tuple[int, bool]] = []
    for index, payload in enumerate(payloads):
        ref = payload.external_ref
        if index in by_index:
            results.append((by_index[index], True))
        elif ref is not None and ref in stored_refs:
            results.append((stored_refs[ref], False))
        else:
            assert ref is not None
            results.append((by_index[first_with_ref[ref]], False))
    return results


async def _new_pledge_ids(session: AsyncSession, count: int) -> list[int]:
    """``count`` ids for new pledges, taken before the INSERT so that one executemany
    (no RETURNING, which both drivers ran row by row to keep the rows' order) stores
    them all: from the id sequence on PostgreSQL; on SQLite past the largest id, which
    no one else can take meanwhile, since a writer holds the write lock
    (``db.begin_write``)."""
    if session.get_bind().dialect.name == "postgresql":
        taken = await session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('pledge', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(value) for (value,) in taken]
    top = int(await session.scalar(select(func.coalesce(func.max(Pledge.id), 0))) or 0)
    return list(range(top + 1, top + count + 1))


def audit_snapshot(pledge: PledgeRead) -> dict[str, Any]:
    return pledge.model_dump(mode="json", exclude={"citations"})


async def _record_created(
    session: AsyncSession, api_key: ApiKey, pledges: Sequence[PledgeRead]
) -> list[ChangeRecord]:
    await audit.record_many(
        session,
        [
            {
                "entity_id": str(pledge.id),
                "entity_version": pledge.version,
                "after": audit_snapshot(pledge),
            }
            for pledge in pledges
        ],
        api_key_id=api_key.id,
        action=AuditAction.PLEDGE_CREATED,
        entity=AuditEntity.PLEDGE,
    )
    return [
        ChangeRecord(Entity.PLEDGE, str(p.id), ChangeAction.CREATED, pledge_parts(p))
        for p in pledges
    ]


async def submit(
    session: AsyncSession,
    api_key: ApiKey,
    payload: PledgeCreate,
    *,
    idempotency_key: str | None = None,
) -> PledgeWrite:
    """Store a submitted pledge, or answer the one already stored for this request.

    ``created`` with the new pledge; ``existing`` with the one already stored when
    ``external_ref`` was already used by this key; ``replayed`` (the first answer)
    when ``idempotency_key`` was already used with the same request. Refused
    references raise ``InvalidPayload`` naming each field. Flushes; the caller commits.
    """
    require_scope(api_key, ApiScope.PLEDGES_WRITE)
    claimed = await idempotency.claim_request(
        session, api_key.id, idempotency_key, "submit_pledge", payload.canonical()
    )
    if isinstance(claimed, StoredResponse):
        return PledgeWrite.replay(claimed)
    prefetched = await _prefetch(session, api_key, [payload])
    refs = await _references(session, [payload], prefetched)
    resolved = _resolved(payload, refs)
    if isinstance(resolved, _Refusal):
        raise InvalidPayload.from_problems(resolved.problems, code=resolved.code)
    payload = resolved
    if problems := pledger_problems(api_key, granted(api_key, prefetched.grants), payload.pledgers):
        raise not_granted(api_key, problems)
    pledge_id, created = await _insert(session, api_key, payload, refs, prefetched=prefetched)
    row = (await pledge_rows(session, [pledge_id]))[pledge_id]
    pledge = row.read
    logged = await _record_created(session, api_key, [pledge] if created else [])
    await idempotency.complete(
        session,
        claimed,
        created=created,
        body=pledge.model_dump_json(),
        resource_id=str(pledge_id),
    )
    version = await changes.record(session, logged, origin=ChangeOrigin.API)
    outcome = WriteOutcome.CREATED if created else WriteOutcome.EXISTING
    return PledgeWrite(outcome, pledge, data_version=version, pledgers=row.pledgers)


async def submit_batch(
    session: AsyncSession,
    api_key: ApiKey,
    items: Sequence[Mapping[str, Any]],
    *,
    atomic: bool = False,
    idempotency_key: str | None = None,
) -> BatchWrite:
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
    claimed = await idempotency.claim_request(
        session,
        api_key.id,
        idempotency_key,
        "submit_pledge_batch",
        {"atomic": atomic, "pledges": [dict(item) for item in items]},
    )
    if isinstance(claimed, StoredResponse):
        return BatchWrite(
            PledgeBatchResult.model_validate_json(claimed.body),
            claimed,
            data_version=claimed.data_version,
        )

    parsed: list[PledgeCreate | list[dict[str, Any]]] = []
    for item in items:
        try:
            parsed.append(PledgeCreate.model_validate(item))
        except ValidationError as exc:
            parsed.append(field_errors(exc))
    valid = [p for p in parsed if isinstance(p, PledgeCreate)]
    prefetched = await _prefetch(session, api_key, valid)
    refs = await _references(session, valid, prefetched)
    allowed = granted(api_key, prefetched.grants)
    refusals: dict[int, _Refusal] = {}
    forbidden: dict[int, list[dict[str, Any]]] = {}
    for index, candidate in enumerate(parsed):
        checked = (
            _Refusal(candidate)
            if not isinstance(candidate, PledgeCreate)
            else _resolved(candidate, refs)
        )
        if isinstance(checked, _Refusal):
            refusals[index] = checked
            continue
        parsed[index] = checked
        if others := pledger_problems(api_key, allowed, checked.pledgers):
            forbidden[index] = others
    if atomic and forbidden:
        raise not_granted(
            api_key,
            [
                {**problem, "field": f"pledges.{index}.{problem['field']}"}
                for index, problems in forbidden.items()
                for problem in problems
            ],
        )
    if atomic and refusals:
        raise InvalidPayload.from_problems(
            [
                {**problem, "field": f"pledges.{index}.{problem['field']}"}
                for index, refusal in refusals.items()
                for problem in refusal.problems
            ],
            detail=f"{len(refusals)} of {len(items)} pledges were refused; nothing was stored.",
            code=UNKNOWN_REFERENCE
            if all(refusal.unknown for refusal in refusals.values())
            else VALIDATION_FAILED,
        )
    refused = set(refusals) | set(forbidden)

    accepted = [
        (index, candidate)
        for index, candidate in enumerate(parsed)
        if index not in refused and isinstance(candidate, PledgeCreate)
    ]
    written = await _insert_many(session, api_key, [c for _, c in accepted], refs)
    stored = {index: result for (index, _), result in zip(accepted, written, strict=True)}
    rendered = await pledge_reads(session, [pledge_id for pledge_id, _ in stored.values()])

    results: list[PledgeBatchItem] = []
    created: list[PledgeRead] = []
    for index in range(len(items)):
        if index in forbidden:
            results.append(PledgeBatchItem.forbidden(index, forbidden[index]))
            continue
        if index in refusals:
            refusal = refusals[index]
            results.append(PledgeBatchItem.rejected(index, refusal.problems, code=refusal.code))
            continue
        pledge_id, is_new = stored[index]
        pledge = rendered[pledge_id]
        if is_new:
            created.append(pledge)
        results.append(PledgeBatchItem.stored(index, pledge, created=is_new))
    result = PledgeBatchResult(
        atomic=atomic,
        created=len(created),
        existing=len(stored) - len(created),
        rejected=len(refused),
        results=results,
    )
    logged = await _record_created(session, api_key, created)
    if claimed is not None:
        await idempotency.complete(session, claimed, created=False, body=result.model_dump_json())
    version = await changes.record(session, logged, origin=ChangeOrigin.API)
    return BatchWrite(result, data_version=version)
