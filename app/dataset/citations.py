"""Checks that every citation points at its exact passage (``migov data validate``);
``dataset.check`` runs them.

* Every citation of a source that names a ``text`` names its ``passage``; a source
  with no text has no passages to name.
* A passage is never empty and at most ``passages.MAX_PASSAGE`` characters, and its
  ``sha256`` is 64 hex digits: checked whether or not the texts are at hand.
* When the folder of source texts is at hand, each source's text file is in it and
  every passage's digest is recomputed from it. When it is not, the report says
  plainly that the digests were not checked; nothing else is skipped.
* Each of a source's dates (``published``, ``published_not_before``,
  ``published_not_after``) comes from its own text: a source with a text names the
  passage each date rests on, or gives no date (its bounds stay open).

Each problem names the file, the line of the passage (or of the citation) and the
reason.

``check_inferred`` checks what the files mark ``inferred``: each name is a value the
entry has (not its citations, description or note), and each reasoning is one line;
and that what a citation ``states`` is a value of its entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from app.dataset import passages
from app.dataset.base import CitationEntry, Fact, PassageEntry
from app.dataset.checker import Checker, Where
from app.dataset.files import DATASET_FILES, Dataset, SourceEntry
from app.dataset.passages import SourceTexts

SOURCE_DATES = ("published", "published_not_before", "published_not_after")
# Fields that hold no value of the fact: they can be neither stated nor inferred.
NOT_VALUES = frozenset(
    {"id", "code", "key", "citations", "inferred", "description", "description_es", "note"}
)


@dataclass
class PassageReport:
    checked: int = 0
    note: str = ""


def citations_in(value: Any, path: str = "") -> Iterator[tuple[str, CitationEntry]]:
    """Every citation inside an entry, nested ones included, with its dotted path."""
    if isinstance(value, CitationEntry):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from citations_in(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield from citations_in(item, f"{path}.{position}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from citations_in(item, f"{path}.{key}")


def label(entry: Any) -> str:
    """How a problem names an entry: its id, code or key, or forum and role."""
    for name in ("id", "code", "key"):
        value = getattr(entry, name, None)
        if isinstance(value, str):
            return value
    forum, role = getattr(entry, "forum", None), getattr(entry, "role", None)
    if forum is not None and role is not None:
        return f"{forum} {getattr(role, 'value', role)}"
    currency = getattr(entry, "currency", None)
    return str(currency) if currency else "?"


def check_passages(
    checker: Checker, dataset: Dataset, where: Where, texts: SourceTexts | None
) -> PassageReport:
    sources = {s.id: s for s in dataset.sources}
    report = PassageReport()
    at_hand = texts is not None and texts.available

    def check(
        place: str, source: SourceEntry, passage: PassageEntry | None, what: str, missing: str
    ) -> None:
        if source.text is None:
            if passage is not None:
                checker.problem(
                    f"{place}: {what} names a passage of {source.id}, which names no text"
                )
            return
        if passage is None:
            checker.problem(f"{place}: {missing}")
            return
        reason = passages.span_problem(passage.start, passage.end, passage.sha256)
        if reason is None and at_hand and texts is not None:
            text = texts.text(source.text)
            if text is None:
                return  # reported once, on the source
            reason = passages.text_problem(text, passage.start, passage.end, passage.sha256)
            report.checked += 1
        if reason is not None:
            checker.problem(f"{place}: the passage of {source.id} is wrong: {reason}")

    for index, source in enumerate(dataset.sources):
        if (
            source.text is not None
            and at_hand
            and texts is not None
            and texts.text(source.text) is None
        ):
            checker.problem(
                f"{where(dataset, 'sources', index, 'text')} ({source.id}): its text "
                f"{source.text} is not in {texts.folder}"
            )
        for date in SOURCE_DATES:
            value = getattr(source, date)
            passage = getattr(source, f"{date}_passage")
            field = f"{date}_passage" if passage is not None else date
            place = f"{where(dataset, 'sources', index, field)} ({source.id})"
            if value is None:
                if passage is not None:
                    checker.problem(f"{place}: {date}_passage without a {date}")
                continue
            if source.text is None and passage is None:
                continue  # an outside document: its date is checked against its url
            check(
                place,
                source,
                passage,
                f"its {date} date",
                f"its {date} date names no passage of its own text (a source's dates come "
                f"from its text, or are left open)",
            )

    for name in DATASET_FILES:
        for index, entry in enumerate(getattr(dataset, name)):
            for path, citation in citations_in(entry):
                cited = sources.get(citation.source)
                if cited is None:
                    continue  # an unknown source is reported by the reference checks
                field = f"{path}.passage" if citation.passage is not None else path
                place = f"{where(dataset, name, index, field)} ({label(entry)})"
                check(
                    place,
                    cited,
                    citation.passage,
                    "a citation",
                    f"a citation of {cited.id} names no passage (every citation of a source "
                    "with a text points at its passage)",
                )

    if texts is None or texts.folder is None:
        report.note = (
            "passage digests NOT checked: no folder of source texts is set (MIGOV_SOURCE_TEXTS)"
        )
    elif not at_hand:
        report.note = (
            f"passage digests NOT checked: no folder of source texts at {texts.folder} "
            "(set MIGOV_SOURCE_TEXTS)"
        )
    else:
        report.note = f"passage digests: {report.checked} recomputed from {texts.folder}"
    return report


def check_inferred(checker: Checker, dataset: Dataset, where: Where) -> None:
    for name in DATASET_FILES:
        for index, entry in enumerate(getattr(dataset, name)):
            if not isinstance(entry, Fact):
                continue
            for path, citation in citations_in(entry):
                for field in citation.states:
                    if field not in type(entry).model_fields or field in NOT_VALUES:
                        place = f"{where(dataset, name, index, f'{path}.states')} ({label(entry)})"
                        checker.problem(
                            f"{place}: the citation states {field!r}, which is not a value"
                        )
            for field in entry.inferred:
                place = f"{where(dataset, name, index, f'inferred.{field}')} ({label(entry)})"
                if field not in type(entry).model_fields or field in NOT_VALUES:
                    checker.problem(f"{place}: inferred names {field!r}, which is not a value")
                elif getattr(entry, field) in (None, [], {}):
                    checker.problem(f"{place}: inferred names {field!r}, which has no value here")
