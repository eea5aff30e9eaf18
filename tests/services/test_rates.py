"""USD equivalents: a rate applies only when its period contains the whole announced date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ExchangeRate
from app.models.enums import ExchangeRateProvider
from app.schemas.dates import PartialDate
from app.services import ecb_rates, rates
from app.services.rates import find_rate, usd_equivalent

CAD_2022 = ExchangeRate(
    id=7,
    currency="CAD",
    period_start=dt.date(2022, 1, 1),
    period_end=dt.date(2022, 12, 31),
    usd_per_unit=Decimal("0.7684032580"),
    basis="annual average",
)
CAD_2023_H1 = ExchangeRate(
    id=8,
    currency="CAD",
    period_start=dt.date(2023, 1, 1),
    period_end=dt.date(2023, 6, 30),
    usd_per_unit=Decimal("0.74"),
    basis="half-year average",
)
RATES = [CAD_2022, CAD_2023_H1]


@pytest.mark.parametrize(
    ("announced", "rate"),
    [
        ("2022-09-21", CAD_2022),
        ("2022-12", CAD_2022),
        ("2022", CAD_2022),
        ("2023-06", CAD_2023_H1),
        ("2023-07-01", None),  # after the half-year
        ("2023", None),  # a year-precision date is not inside a half-year
        ("2021-12-31", None),
    ],
)
def test_find_rate_needs_a_period_containing_the_whole_date(
    announced: str, rate: ExchangeRate | None
) -> None:
    assert find_rate(RATES, "CAD", PartialDate.parse(announced)) is rate


def test_find_rate_matches_the_currency_and_needs_a_date() -> None:
    assert find_rate(RATES, "EUR", PartialDate.parse("2022")) is None
    assert find_rate(RATES, "CAD", None) is None


def test_usd_equivalent_rounds_to_the_cent_and_names_its_rate() -> None:
    usd = usd_equivalent(Decimal("13150000"), "CAD", PartialDate.parse("2022-09-21"), RATES)
    assert usd.amount_usd == Decimal("10104502.84")
    assert usd.exchange_rate_id == 7


def test_usd_is_its_own_equivalent_and_no_amount_has_none() -> None:
    assert usd_equivalent(Decimal("5.50"), "USD", None, []).amount_usd == Decimal("5.50")
    assert usd_equivalent(Decimal("5.50"), "USD", None, []).exchange_rate_id is None
    assert usd_equivalent(None, None, PartialDate.parse("2022"), RATES).amount_usd is None
    assert usd_equivalent(Decimal(1), "CAD", None, RATES).amount_usd is None


def test_find_rate_takes_cited_rates_only() -> None:
    ecb = ExchangeRate(
        id=9,
        currency="EUR",
        period_start=dt.date(2022, 1, 1),
        period_end=dt.date(2022, 12, 31),
        usd_per_unit=Decimal("1.05"),
        basis="mean",
        provider=ExchangeRateProvider.ECB,
    )
    assert find_rate([ecb], "EUR", PartialDate.parse("2022-05")) is None


@pytest.mark.parametrize(
    ("currency", "announced", "start", "end", "usd_per_unit", "basis"),
    [
        # A day: that day's fixing (USD per EUR over GBP per EUR).
        ("GBP", "2022-09-21", "2022-09-21", "2022-09-21", "1.1342531631", "of 2022-09-21:"),
        # A Saturday: the Friday before, said so in the basis.
        ("EUR", "2023-03-11", "2023-03-11", "2023-03-11", "1.0586000000", "of 2023-03-10 (no"),
        # A month or a year: the mean over all of it.
        ("MXN", "2022-09", "2022-09-01", "2022-09-30", "0.0498364184", "Mean of the 22 daily"),
        ("GBP", "2022", "2022-01-01", "2022-12-31", "1.2360384216", "Mean of the 257 daily"),
    ],
)
def test_ecb_cross_rates_follow_the_announced_dates_precision(
    currency: str, announced: str, start: str, end: str, usd_per_unit: str, basis: str
) -> None:
    rate = ecb_rates.usd_rate(currency, PartialDate.parse(announced))
    assert isinstance(rate, ecb_rates.EcbRate)
    assert (rate.period_start.isoformat(), rate.period_end.isoformat()) == (start, end)
    assert rate.usd_per_unit == Decimal(usd_per_unit)
    assert basis in rate.basis


@pytest.mark.parametrize(
    ("currency", "announced", "reason"),
    [
        ("CRC", "2022", "the ECB publishes no euro reference rate for CRC"),
        ("MXN", "2001", "the ECB's MXN rates start on 2008-01-02, after 2001"),
        ("EUR", "2999-01-01", "the ECB rates shipped with this release end on"),
    ],
)
def test_no_ecb_rate_is_a_reason_not_a_guess(currency: str, announced: str, reason: str) -> None:
    missing = ecb_rates.usd_rate(currency, PartialDate.parse(announced))
    assert isinstance(missing, ecb_rates.NoRate)
    assert missing.reason.startswith(reason)


@pytest.mark.anyio
async def test_an_ecb_rate_stored_meanwhile_by_another_request_is_the_one_used(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race a submission settles: it looks for the stored rate and misses, another
    # request stores the same rate and commits, then its own insert hits the unique
    # index. Here the first look is made to miss while the row is already there.
    announced = PartialDate.parse("2019-03-15")
    found = ecb_rates.usd_rate("EUR", announced)
    assert isinstance(found, ecb_rates.EcbRate)
    first = await rates.convert(session, Decimal("100.00"), "EUR", announced, [])
    assert first.exchange_rate_id is not None
    looked = 0
    scalar = session.scalar

    async def first_look_misses(*args: Any, **kwargs: Any) -> Any:
        nonlocal looked
        looked += 1
        return None if looked == 1 else await scalar(*args, **kwargs)

    monkeypatch.setattr(session, "scalar", first_look_misses)
    again = await rates.convert(session, Decimal("100.00"), "EUR", announced, [])

    assert looked == 2  # the look that missed, then the look after the refused insert
    assert again.exchange_rate_id == first.exchange_rate_id
    assert again.amount_usd == first.amount_usd
    stored = await scalar(
        select(func.count())
        .select_from(ExchangeRate)
        .where(
            ExchangeRate.currency == "EUR",
            ExchangeRate.provider == ExchangeRateProvider.ECB,
            ExchangeRate.period_start == found.period_start,
        )
    )
    assert stored == 1
