"""ISO 3166-1 countries and ISO 4217 currencies, from pycountry's maintained tables."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry


class UnknownCode(ValueError):
    pass


@cache
def _spanish() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)


def country_names(iso3: str) -> tuple[str, str]:
    """English (common) name and Spanish name of an ISO 3166-1 alpha-3 code."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        raise UnknownCode(f"{iso3!r} is not an ISO 3166-1 alpha-3 code")
    english = getattr(country, "common_name", None) or country.name
    spanish = _spanish().gettext(country.name)
    return english, spanish


def is_country(iso3: str) -> bool:
    return len(iso3) == 3 and pycountry.countries.get(alpha_3=iso3) is not None


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def is_currency(code: str) -> bool:
    return code in currency_codes()
