"""Names in the reader's language, and a record of where English had to stand in.

English is every record's base language. States take their Spanish names from ISO
3166; every curated forum, organisation, event and programme has a Spanish name and
description (docs/data-coverage.md), but a row written through the API may not.
``localized`` picks the text for a language and, when the Spanish one is missing,
notes on the answer's ``Language`` that it fell back to English, so the adapters can
say so (``Content-Language: es, en`` and ``Language-Fallback: en``).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "es"]
SUPPORTED: tuple[Lang, ...] = ("en", "es")
BASE: Lang = "en"


class Language(str):
    """The language one answer is written in (equal to its code, ``"en"`` or ``"es"``),
    and the record of where English stood in.

    The adapter that chose it (REST's ``get_lang`` dependency, GraphQL's context) passes
    it down with every read like the plain code it equals, keeps it on the request
    (``request.state.language``), and reads the record back when the answer leaves:
    ``http.language`` writes ``Content-Language`` and ``Language-Fallback`` from it.
    """

    fell_back: bool
    unsupported: tuple[str, ...]

    def __new__(cls, code: Lang, unsupported: tuple[str, ...] = ()) -> Language:
        language = super().__new__(cls, code)
        language.fell_back = False
        language.unsupported = unsupported
        return language

    @classmethod
    def negotiate(cls, explicit: str | None, accept_language: str) -> Language:
        """``negotiate``'s choice, with the languages asked for that are not offered."""
        code, unsupported = negotiate(explicit, accept_language)
        return cls(code, tuple(unsupported))

    def languages(self) -> str:
        """The ``Content-Language`` value: the language served, then English if it stood in."""
        return f"{self}, {BASE}" if self.fell_back and self != BASE else str(self)


def localized(english: str, spanish: str | None, lang: str, *, into: str | None = None) -> str:
    """``spanish`` when asked for and known; else ``english``, noting the fallback on the
    answer's ``Language`` (``lang`` itself, or ``into`` when a field asks for a language
    of its own)."""
    if lang == "es":
        if spanish:
            return spanish
        record = into if into is not None else lang
        if isinstance(record, Language):
            record.fell_back = True
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
