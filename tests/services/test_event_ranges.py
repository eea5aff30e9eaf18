"""The date-range rule for event starts: the SQL filter and the Python label always agree."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Event
from app.models.enums import Certainty, DatePrecision
from app.services import events as event_service
from app.services import periods

D = dt.date
SHAPES: dict[str, dict[str, object]] = {
    "day": {"start_date": D(2022, 5, 17), "start_precision": DatePrecision.DAY},
    "month": {"start_date": D(2022, 5, 1), "start_precision": DatePrecision.MONTH},
    "year": {"start_date": D(2021, 1, 1), "start_precision": DatePrecision.YEAR},
    "leap-february": {"start_date": D(2024, 2, 1), "start_precision": DatePrecision.MONTH},
    "window": {"earliest": D(2022, 3, 1), "latest": D(2022, 6, 30)},
    "open-window": {"earliest": D(2022, 3, 1)},
    "ended-by": {"end_date": D(2022, 5, 16), "end_precision": DatePrecision.DAY},
    "ended-in-month": {"end_date": D(2022, 4, 1), "end_precision": DatePrecision.MONTH},
    "undated": {},
}
EDGES = [
    None,
    D(2021, 1, 1),
    D(2021, 12, 31),
    D(2022, 2, 28),
    D(2022, 3, 1),
    D(2022, 4, 30),
    D(2022, 5, 1),
    D(2022, 5, 16),
    D(2022, 5, 17),
    D(2022, 5, 18),
    D(2022, 5, 31),
    D(2022, 6, 30),
    D(2022, 7, 1),
    D(2024, 2, 28),
    D(2024, 2, 29),
    dt.date.min,
    dt.date.max,
]


async def test_sql_and_python_judge_every_shape_alike(session: AsyncSession) -> None:
    session.add_all(
        Event(id=f"range-{name}", name=name, kind="technical_meeting", **shape)
        for name, shape in SHAPES.items()
    )
    await session.flush()
    events = {e.id: e for e in await session.scalars(select(Event))}
    seen: set[Certainty | None] = set()
    for low, high in itertools.product(EDGES, EDGES):
        if low is not None and high is not None and high < low:
            continue
        for sure in (False, True):
            found = set(
                await session.scalars(
                    select(Event.id).where(event_service.starting_in(low, high, sure=sure))
                )
            )
            wanted = {Certainty.CERTAIN} if sure else {Certainty.CERTAIN, Certainty.POSSIBLE}
            expected = {
                event_id
                for event_id, event in events.items()
                if event_service.start_certainty(event, low, high) in wanted
            }
            assert found == expected, (low, high, sure)
        seen.update(
            event_service.start_certainty(events[f"range-{name}"], low, high) for name in SHAPES
        )
    assert seen == {Certainty.CERTAIN, Certainty.POSSIBLE, None}


def test_range_certainty_reads_bounds_inclusively() -> None:
    may = (D(2022, 5, 1), D(2022, 5, 31))
    assert periods.range_certainty(*may, D(2022, 5, 1), D(2022, 5, 31)) is Certainty.CERTAIN
    assert periods.range_certainty(*may, D(2022, 5, 31), None) is Certainty.POSSIBLE
    assert periods.range_certainty(*may, None, D(2022, 5, 1)) is Certainty.POSSIBLE
    assert periods.range_certainty(*may, D(2022, 6, 1), None) is None
    assert periods.range_certainty(None, None, D(2022, 6, 1), None) is Certainty.POSSIBLE
    assert periods.range_certainty(None, None, None, None) is Certainty.CERTAIN
