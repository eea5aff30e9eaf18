"""What every check of the curated files shares: the report it fills, where an entry
sits in its file, and the helpers that resolve references and record problems.

``dataset.check`` runs the checks; ``dataset.time_checks`` and ``dataset.citations``
hold the checks of their own concern and take the same ``Checker``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.dataset.base import CitationEntry
from app.dataset.files import Dataset
from app.schemas.dates import PartialDate


def place(dataset: Dataset, file: str, index: int, field: str = "") -> str:
    """``participations.yaml:57 entry 4`` when the file was read, else ``participations entry 4``."""
    lines = dataset.lines.get(file, [])
    if index < len(lines):
        line = lines[index].get(field) or lines[index][""]
        return f"{file}.yaml:{line} entry {index}"
    return f"{file} entry {index}"


Where = Callable[[Dataset, str, int, str], str]


@dataclass
class ShareSum:
    forum: str
    basis: str
    total_pct: Decimal
    count: int


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    share_sums: list[ShareSum] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # How many passage digests were recomputed, and a sentence saying so (or that the
    # texts were not at hand and the digests went unchecked).
    passages_checked: int = 0
    passages_note: str = ""
    # Entries with no Spanish name or description (``dataset.check.untranslated``): not
    # problems, but what a Spanish answer would serve in English.
    untranslated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Checker:
    """Collects problems; the helpers every entity's checks share."""

    def __init__(self, dataset: Dataset, report: CheckReport) -> None:
        self.report = report
        self.problem = report.problems.append
        self.sources = {s.id for s in dataset.sources}
        self.forums = {f.code for f in dataset.forums}
        self.actors = {a.id for a in dataset.actors}
        self.events = {e.id for e in dataset.events}
        # Actors some cited fact mentions; an actor no fact mentions is a problem.
        self.referenced_actors: set[str] = set()

    def duplicates(self, kind: str, keys: Iterable[str]) -> None:
        for key, count in Counter(keys).items():
            if count > 1:
                self.problem(f"{kind}: {key!r} appears {count} times")

    def cited(self, where: str, citations: Sequence[CitationEntry]) -> None:
        for citation in citations:
            if citation.source not in self.sources:
                self.problem(f"{where}: cites unknown source {citation.source!r}")
        keys = [(c.source, c.locator, c.passage) for c in citations]
        if len(set(keys)) != len(keys):
            self.problem(f"{where}: the same citation is listed twice")

    def forum_ref(self, where: str, code: str | None) -> None:
        if code is not None and code not in self.forums:
            self.problem(f"{where}: unknown forum {code!r}")

    def actor_ref(self, where: str, actor_id: str) -> None:
        if actor_id not in self.actors:
            self.problem(f"{where}: unknown actor {actor_id!r}")
        self.referenced_actors.add(actor_id)

    def ordered(self, where: str, start: PartialDate | None, end: PartialDate | None) -> None:
        if start is not None and end is not None and end.date < start.date:
            self.problem(f"{where}: ends ({end.date}) before it starts ({start.date})")
