"""USD equivalents of pledged amounts, from the dated exchange-rate table.

Shared by the curated loader, pledge submission and pledge updates, so all convert alike:

* USD amounts are their own equivalent.
* Otherwise a cited rate (``provider`` ``cited``, curated with its sources) applies
  when its period wholly contains the announced date at its precision (a pledge
  announced "2022" needs a rate for all of 2022). Curated pledges thus keep the rate
  their citations give.
* With no cited rate, ``convert`` derives one from the ECB euro reference rates for
  the announced date at its precision (``services.ecb_rates``), stores it once in the
  rates table (``provider`` ``ecb``, basis, period, citing the ECB source) and uses it.
* With no rate at all, or no announced date, the equivalent is None and ``note``
  says why; never a guess.
* The result is rounded to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Citation, ExchangeRate, Source
from app.models.enums import ChangeAction, Entity, ExchangeRateProvider
from app.schemas.dates import PartialDate
from app.services import changes, ecb_rates
from app.services.changes import ChangeRecord

CENT = Decimal("0.01")


@dataclass(frozen=True)
class UsdEquivalent:
    amount_usd: Decimal | None
    rate: ExchangeRate | None = None
    note: str | None = None

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
            rate.provider != ExchangeRateProvider.ECB
            and rate.currency == currency
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


EcbRates = dict[tuple[str, PartialDate], UsdEquivalent | ExchangeRate]


async def convert(
    session: AsyncSession,
    amount: Decimal | None,
    currency: str | None,
    announced: PartialDate | None,
    rates: Iterable[ExchangeRate],
    *,
    known: EcbRates | None = None,
) -> UsdEquivalent:
    """``usd_equivalent`` with the cited ``rates``, else with an ECB-derived rate; flushes.

    ``known`` remembers, across the calls of one batch, the ECB rate (or the reason
    there is none) of each currency and date, so a batch reads and stores each once.
    """
    cited = usd_equivalent(amount, currency, announced, rates)
    if cited.amount_usd is not None or amount is None or currency is None:
        return cited
    if announced is None:
        return UsdEquivalent(None, note="no announced date to take an exchange rate for")
    remembered = known.get((currency, announced)) if known is not None else None
    if isinstance(remembered, UsdEquivalent):
        return remembered
    rate = remembered
    if rate is None:
        found = ecb_rates.usd_rate(currency, announced)
        if isinstance(found, ecb_rates.NoRate):
            none = UsdEquivalent(None, note=found.reason)
            if known is not None:
                known[(currency, announced)] = none
            return none
        rate = await _stored_ecb_rate(session, found)
        if known is not None:
            known[(currency, announced)] = rate
    return UsdEquivalent((amount * rate.usd_per_unit).quantize(CENT), rate)


# Built once: run by every submission whose amount no cited rate converts.
_STORED_ECB_RATE = select(ExchangeRate).where(
    ExchangeRate.currency == bindparam("currency"),
    ExchangeRate.period_start == bindparam("period_start"),
    ExchangeRate.period_end == bindparam("period_end"),
    ExchangeRate.provider == ExchangeRateProvider.ECB,
)


async def _stored_ecb_rate(session: AsyncSession, found: ecb_rates.EcbRate) -> ExchangeRate:
    """The rates-table row for ``found``, added (with its ECB citation) the first time."""
    period = {
        "currency": found.currency,
        "period_start": found.period_start,
        "period_end": found.period_end,
    }
    rate = await session.scalar(_STORED_ECB_RATE, period)
    if rate is not None:
        return rate
    source_added = await session.get(Source, ecb_rates.SOURCE_ID) is None
    if source_added:
        # A database loaded without the curated files still says where the rate is from.
        session.add(
            Source(
                id=ecb_rates.SOURCE_ID,
                title=ecb_rates.SOURCE_TITLE,
                publisher=ecb_rates.SOURCE_PUBLISHER,
                url=ecb_rates.SOURCE_URL,
                language="en",
                description=ecb_rates.SOURCE_DESCRIPTION,
            )
        )
    rate = ExchangeRate(
        currency=found.currency,
        period_start=found.period_start,
        period_end=found.period_end,
        usd_per_unit=found.usd_per_unit,
        basis=found.basis,
        provider=ExchangeRateProvider.ECB,
    )
    try:
        async with session.begin_nested():
            session.add(rate)
            await session.flush()
            session.add(
                Citation(
                    source_id=ecb_rates.SOURCE_ID, locator=found.locator, exchange_rate_id=rate.id
                )
            )
            await session.flush()
    except IntegrityError:
        # The same rate stored meanwhile by a concurrent request.
        existing = await session.scalar(_STORED_ECB_RATE, period)
        if existing is None:
            raise
        return existing
    if source_added:
        changes.note(
            session, ChangeRecord(Entity.SOURCE, ecb_rates.SOURCE_ID, ChangeAction.CREATED)
        )
    changes.note(session, ChangeRecord(Entity.EXCHANGE_RATE, str(rate.id), ChangeAction.CREATED))
    return rate


# Built once: every submission in a currency other than USD runs it.
_CITED_RATES = (
    select(ExchangeRate)
    .where(
        ExchangeRate.currency.in_(bindparam("currencies", expanding=True)),
        ExchangeRate.provider == ExchangeRateProvider.CITED,
    )
    .order_by(ExchangeRate.currency, ExchangeRate.period_start)
)


async def rates_for(session: AsyncSession, currencies: Iterable[str]) -> list[ExchangeRate]:
    """Every stored cited rate of ``currencies`` (USD needs none)."""
    wanted = sorted(set(currencies) - {"USD"})
    if not wanted:
        return []
    return list(await session.scalars(_CITED_RATES, {"currencies": wanted}))
