"""Names in the reader's language, and a record of where English had to stand in.

English is every record's base language. States take their Spanish names from ISO
3166; every curated forum, organisation, event and programme has a Spanish name and
description (docs/data-coverage.md), but a row written through the API may not.
``localized`` picks the text for a language and, when the Spanish one is missing,
notes on the current answer that it fell back to English, so the
adapters can say so (REST: ``Content-Language: es, en`` and ``Language-Fallback:
en``).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["en", "es"]
SUPPORTED: tuple[Lang, ...] = ("en", "es")
BASE: Lang = "en"


@dataclass
class Served:
    """What one answer was localised into: the language asked for, and the fallbacks."""

    lang: Lang | None = None
    fell_back: bool = False
    unsupported: list[str] = field(default_factory=list)

    def languages(self) -> str:
        """The ``Content-Language`` value: the language served, then English if it stood in."""
        lang = self.lang or BASE
        return f"{lang}, {BASE}" if self.fell_back and lang != BASE else lang


SERVED: ContextVar[Served | None] = ContextVar("migov_served_language", default=None)


def localized(english: str, spanish: str | None, lang: str) -> str:
    """``spanish`` when asked for and known; else ``english``, noting the fallback."""
    if lang == "es":
        if spanish:
            return spanish
        served = SERVED.get()
        if served is not None:
            served.fell_back = True
    return english


def negotiate(explicit: str | None, accept_language: str) -> tuple[Lang, list[str]]:
    """The language to answer in: ``explicit`` wins, else the best supported match in
    Accept-Language, else English. Also returns the languages asked for that are not
    offered, so an answer can say it fell back.
    """
    if explicit in SUPPORTED:
        return explicit, []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary:
            ranked.append((-quality, index, primary))
    unsupported: list[str] = []
    for negative_quality, _, primary in sorted(ranked):
        if negative_quality >= 0:
            continue
        if primary in SUPPORTED:
            return primary, unsupported
        if primary != "*":
            unsupported.append(primary)
    return BASE, unsupported
