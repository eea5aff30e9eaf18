"""Pledge totals against a plain sum of the pledges, for every grouping of up to two keys.

``pledges.summarize_pledges`` adds up one row per group and currency from a grouped
statement. Here the same figures are computed by walking every pledge in Python, over the
curated pledges and a few dozen random ones (joint pledgers, several currencies, no
amount, no USD equivalent, submitted with a key, an assumed currency), so a figure that
lands in the wrong group, is added twice or is rounded differently fails the case.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Pledge, PledgePledger
from app.models.enums import DatePrecision
from app.schemas.filters import PledgeFilter
from app.schemas.pledge import SummaryKey
from app.services import pledges as pledge_service
from tests.factories import data_changed, make_api_key

CENT = Decimal("0.01")
ACTORS = ["MEX", "GTM", "CAN", "USA", "CRI"]
CURRENCIES = ["USD", "CAD", "EUR"]


async def _random_pledges(session: AsyncSession, count: int) -> None:
    rng = random.Random(26)
    key = await make_api_key(session, name="summary oracle")
    forums = ["RCM", "MIRPS-SP", "MIRPS", None]
    for n in range(count):
        financial = rng.random() < 0.8
        currency = rng.choice(CURRENCIES) if financial else None
        amount = Decimal(rng.randint(100, 9_000_000)) / 100 if financial else None
        usd = None
        if amount is not None and rng.random() < 0.6:
            usd = (amount * Decimal("0.73")).quantize(CENT)
        year = rng.choice([2019, 2020, 2022, None])
        pledge = Pledge(
            kind="financial" if financial else "technical",
            status=rng.choice(["announced", "in_progress", "fulfilled"]),
            title=f"Summary oracle {n}",
            forum_code=rng.choice(forums) or "RCM",
            amount=amount,
            currency=currency,
            amount_usd=usd,
            currency_assumed=currency == "USD" and rng.random() < 0.5,
            api_key_id=key.id if rng.random() < 0.4 else None,
            announced_date=None if year is None else dt.date(year, rng.randint(1, 12), 1),
            announced_precision=None if year is None else DatePrecision.MONTH,
        )
        pledgers = rng.sample(ACTORS, rng.choice([1, 1, 2, 3]))
        pledge.pledgers = [PledgePledger(actor_id=a, position=i) for i, a in enumerate(pledgers)]
        session.add(pledge)
    await session.flush()
    await data_changed(session)


def _group_of(pledge: Pledge, key: SummaryKey, pledger: str) -> Any:
    match key:
        case SummaryKey.FORUM:
            return pledge.forum_code
        case SummaryKey.YEAR:
            return None if pledge.announced_date is None else pledge.announced_date.year
        case SummaryKey.KIND:
            return str(pledge.kind)
        case SummaryKey.STATUS:
            return str(pledge.status)
        case SummaryKey.PLEDGER:
            return pledger
        case SummaryKey.CURRENCY:
            return pledge.currency


def _plain_totals(pledges: list[Pledge], keys: tuple[SummaryKey, ...]) -> dict[Any, Any]:
    """Each group's figures, added up pledge by pledge."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for pledge in pledges:
        # Grouped by pledger, a joint pledge counts for each of its pledgers.
        pledgers = [p.actor_id for p in pledge.pledgers] if SummaryKey.PLEDGER in keys else [""]
        for pledger in pledgers:
            marker = tuple(_group_of(pledge, key, pledger) for key in keys)
            group = groups.setdefault(
                marker,
                {
                    "count": 0,
                    "count_without_usd": 0,
                    "count_submitted": 0,
                    "count_currency_assumed": 0,
                    "usd": [],
                    "amounts": defaultdict(lambda: [Decimal(0)] * 3),
                },
            )
            submitted = pledge.api_key_id is not None
            group["count"] += 1
            group["count_submitted"] += submitted
            group["count_currency_assumed"] += pledge.currency_assumed
            if pledge.amount_usd is None:
                group["count_without_usd"] += 1
            else:
                group["usd"].append((pledge.amount_usd, submitted, pledge.currency_assumed))
            if pledge.currency is not None:
                sums = group["amounts"][pledge.currency]
                sums[0] += pledge.amount
                sums[1] += pledge.amount if submitted else 0
                sums[2] += pledge.amount if pledge.currency_assumed else 0
    answer = {}
    for marker, group in groups.items():
        usd = group.pop("usd")
        amounts = group.pop("amounts")
        answer[marker] = {
            **group,
            # Unknown, not zero, when no pledge of the group has a USD equivalent.
            "amount_usd": sum(u for u, _, _ in usd) if usd else None,
            "amount_usd_submitted": sum(u for u, s, _ in usd if s) if usd else None,
            "amount_usd_currency_assumed": sum(u for u, _, a in usd if a) if usd else None,
            "amounts": {c: tuple(s.quantize(CENT) for s in sums) for c, sums in amounts.items()},
        }
    return answer


GROUPINGS = [keys for size in (0, 1, 2) for keys in itertools.permutations(list(SummaryKey), size)]


@pytest.mark.parametrize("keys", GROUPINGS, ids=lambda keys: "-".join(keys) or "all")
async def test_the_summary_adds_up_what_the_pledges_say(
    session: AsyncSession, keys: tuple[SummaryKey, ...]
) -> None:
    await _random_pledges(session, 60)
    pledges = list(
        (await session.scalars(select(Pledge).options(selectinload(Pledge.pledgers)))).all()
    )
    expected = _plain_totals(pledges, keys)

    rows = await pledge_service.summarize_pledges(session, PledgeFilter(), group_by=keys)

    answered: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        marker = tuple(getattr(row, key.value) for key in keys)
        assert marker not in answered, f"group {marker} answered twice"
        answered[marker] = {
            "count": row.count,
            "count_without_usd": row.count_without_usd,
            "count_submitted": row.count_submitted,
            "count_currency_assumed": row.count_currency_assumed,
            "amount_usd": row.amount_usd,
            "amount_usd_submitted": row.amount_usd_submitted,
            "amount_usd_currency_assumed": row.amount_usd_currency_assumed,
            "amounts": {
                a.currency: (a.amount, a.amount_submitted, a.amount_currency_assumed)
                for a in row.amounts
            },
        }
        assert len(row.amounts) == len(answered[marker]["amounts"]), "a currency listed twice"
    assert answered == expected
    assert len(expected) > (1 if keys else 0)
