"""USD equivalents of pledged amounts, from the dated exchange-rate table.

Shared by the curated loader and pledge submission, so both convert alike:

* USD amounts are their own equivalent.
* Otherwise a rate applies only when its period wholly contains the announced
  date at its precision (a pledge announced "2022" needs a rate for all of 2022);
  with no such rate, or no announced date, the equivalent is None, never a guess.
* The result is rounded to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ExchangeRate
from app.schemas.dates import PartialDate

CENT = Decimal("0.01")


@dataclass(frozen=True)
class UsdEquivalent:
    amount_usd: Decimal | None
    rate: ExchangeRate | None = None

    @property
    def exchange_rate_id(self) -> int | None:
        return self.rate.id if self.rate is not None else None


def find_rate(
    rates: Iterable[ExchangeRate], currency: str, announced: PartialDate | None
) -> ExchangeRate | None:
    if announced is None:
        return None
    for rate in rates:
        if (
            rate.currency == currency
            and rate.period_start <= announced.date
            and announced.last_day() <= rate.period_end
        ):
            return rate
    return None


def usd_equivalent(
    amount: Decimal | None,
    currency: str | None,
    announced: PartialDate | None,
    rates: Iterable[ExchangeRate],
) -> UsdEquivalent:
    if amount is None or currency is None:
        return UsdEquivalent(None)
    if currency == "USD":
        return UsdEquivalent(amount)
    rate = find_rate(rates, currency, announced)
    if rate is None:
        return UsdEquivalent(None)
    return UsdEquivalent((amount * rate.usd_per_unit).quantize(CENT), rate)


async def rates_for(session: AsyncSession, currencies: Iterable[str]) -> list[ExchangeRate]:
    """Every stored rate of ``currencies`` (USD needs none)."""
    wanted = sorted(set(currencies) - {"USD"})
    if not wanted:
        return []
    statement = (
        select(ExchangeRate)
        .where(ExchangeRate.currency.in_(wanted))
        .order_by(ExchangeRate.currency, ExchangeRate.period_start)
    )
    return list(await session.scalars(statement))
