"""Small async builders for test data, committed into the test's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Actor, DataVersion, Event, Pledge, PledgePledger, Programme
from app.models.base import utcnow
from app.models.enums import ActorKind, ApiScope, EventKind, ProgrammeKind
from app.services import api_keys as api_key_service


@dataclass(frozen=True)
class Key:
    """A key's plain values: ORM objects expire when a request rolls back."""

    id: int
    prefix: str
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


async def make_api_key(
    session: AsyncSession,
    *,
    name: str = "test script",
    scopes: tuple[ApiScope, ...] = (ApiScope.PLEDGES_WRITE,),
    pledgers: tuple[str, ...] = (),
) -> Key:
    """A key granted ``pledgers``, or any pledger when none is named."""
    created = await api_key_service.create_api_key(
        session,
        name=name,
        scopes=[scope.value for scope in scopes],
        pledgers=pledgers,
        any_pledger=not pledgers,
    )
    await session.commit()
    return Key(created.key.id, created.key.prefix, created.secret)


def pledge_body(**overrides: Any) -> dict[str, Any]:
    """A valid submission: CAD, 2022, so it gets the curated CAD rate's USD equivalent."""
    body: dict[str, Any] = {
        "pledgers": ["CAN"],
        "forum": "MIRPS-SP",
        "event": "mirps-sp-solidarity-event-2022",
        "kind": "financial",
        "scope": "regional",
        "amount": "1000000.00",
        "currency": "CAD",
        "announced_on": "2022-09-21",
        "title": "Protection programmes in Central America",
        "gcm_objectives": [23, 2],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


async def data_changed(session: AsyncSession) -> None:
    """Bump the data version, as every write of the app does before it commits
    (``services.changes.record``): test data written straight into tables must not be
    hidden by answers the response cache keeps for the version before it."""
    await session.execute(
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(version=DataVersion.version + 1, changed_at=utcnow())
    )
    await session.flush()


async def make_pledge_without_amount(
    session: AsyncSession, *, forum: str = "RCM", pledger: str = "MEX"
) -> None:
    """A technical pledge: no amount, so no USD equivalent."""
    session.add(
        Pledge(
            kind="technical",
            title="Technical help with no amount",
            forum_code=forum,
            pledgers=[PledgePledger(actor_id=pledger, position=0)],
        )
    )
    await session.flush()
    await data_changed(session)


async def submitted(session: AsyncSession, key: Key) -> int:
    """How many pledges ``key`` has stored."""
    count = await session.scalar(
        select(func.count()).select_from(Pledge).where(Pledge.api_key_id == key.id)
    )
    return int(count or 0)


async def add_rows_without_spanish(session: AsyncSession) -> None:
    """An event, a programme and an organisation written without Spanish (as a partner's
    write or a future curated row could be): the one-row reads and lists must say so."""
    session.add_all(
        [
            Event(
                id="zz-untranslated-event",
                name="Untranslated meeting",
                kind=EventKind.TECHNICAL_MEETING,
                description="A meeting nobody has described in Spanish.",
            ),
            Programme(
                id="zz-untranslated-programme",
                name="Untranslated fund",
                name_es="Fondo sin traducir",
                kind=ProgrammeKind.FUND,
                description="A fund whose description has no Spanish form.",
            ),
            Actor(id="zz-untranslated-actor", name="Untranslated Agency", kind=ActorKind.OTHER),
        ]
    )
    await session.flush()
