"""Page totals: counted only when the page cannot tell them itself."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Participation, Pledge
from app.schemas.filters import ParticipationFilter, PledgeFilter
from app.services import participations, pledges
from tests.conftest import QueryCounter


def _counts(counter: QueryCounter) -> int:
    return sum("count(" in statement.lower() for statement in counter.statements)


async def test_a_first_page_holding_every_row_is_its_own_total(
    session: AsyncSession, count_queries: QueryCounter
) -> None:
    rcm = ParticipationFilter(forum=["RCM"])
    rows = await session.scalar(
        select(func.count()).select_from(Participation).where(Participation.forum_code == "RCM")
    )
    assert rows is not None
    assert rows > 3
    count_queries.statements.clear()
    whole = await participations.list_participation_reads(session, rcm, limit=rows)
    assert (whole.total, len(whole.items), whole.next_cursor) == (rows, rows, None)
    assert _counts(count_queries) == 0

    first = await participations.list_participation_reads(session, rcm, limit=2)
    assert first.total == rows
    assert first.next_cursor is not None
    assert _counts(count_queries) == 1
    # the last page of a walk is not the first: its length is not the total
    last = await participations.list_participation_reads(
        session, rcm, limit=rows - 2, cursor=first.next_cursor
    )
    assert (last.total, len(last.items), last.next_cursor) == (rows, rows - 2, None)
    assert _counts(count_queries) == 2


async def test_filtered_totals_match_a_count_either_way(session: AsyncSession) -> None:
    mirps = ParticipationFilter(forum=["MIRPS"])
    members = await session.scalar(
        select(func.count()).select_from(Participation).where(Participation.forum_code == "MIRPS")
    )
    assert members is not None
    assert members > 2
    for limit in (1, members, members + 5):
        page = await participations.list_participation_reads(session, mirps, limit=limit)
        assert page.total == members
    everything = await session.scalar(select(func.count()).select_from(Pledge))
    for limit in (1, 500):
        assert (await pledges.list_pledge_rows(session, PledgeFilter(), limit=limit)).total == (
            everything
        )
