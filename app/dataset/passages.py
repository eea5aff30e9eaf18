"""Passages: the span of a source's text that a citation rests on, and its digest.

A citation in ``data/`` names its passage as ``{start, end, sha256}``: ``start`` and
``end`` are Unicode code point offsets into the source's text file exactly as it is
(``SourceEntry.text``, in the folder ``Settings.source_texts`` names), ``end``
exclusive; ``sha256`` is the hex digest of ``text[start:end]`` encoded as UTF-8.

Invariants:

* A passage is never empty and never longer than ``MAX_PASSAGE`` characters.
* A text is read as its bytes decoded from UTF-8, with no newline translation, so
  offsets count exactly what the file holds.
* The project never stores a document's words: the span and its digest let anyone
  holding the public document find the passage and check that it is unchanged.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_PASSAGE = 600
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def digest(text: str, start: int, end: int) -> str:
    """The hex SHA-256 of ``text[start:end]`` as UTF-8."""
    return hashlib.sha256(text[start:end].encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    sha256: str

    def as_yaml(self) -> str:
        return f"{{start: {self.start}, end: {self.end}, sha256: {self.sha256}}}"


def span_problem(start: int, end: int, sha256: str) -> str | None:
    """Why a span is malformed, whatever the text: empty, too long, or a bad digest."""
    if start < 0:
        return f"its start ({start}) is below zero"
    if end <= start:
        return f"it is empty (start {start}, end {end})"
    if end - start > MAX_PASSAGE:
        return f"it is {end - start} characters long, over the limit of {MAX_PASSAGE}"
    if not SHA256_HEX.match(sha256):
        return "its sha256 is not 64 lower-case hex digits"
    return None


def text_problem(text: str, start: int, end: int, sha256: str) -> str | None:
    """Why a span does not match ``text``: past its end, or another digest."""
    if end > len(text):
        return f"it ends at {end}, past the end of the text ({len(text)} characters)"
    actual = digest(text, start, end)
    if actual != sha256:
        return f"its digest does not match the text (the span {start}-{end} hashes to {actual})"
    return None


def find(text: str, phrase: str) -> list[tuple[int, int]]:
    """Every span of ``text`` that reads ``phrase``; runs of white space match any run.

    ``first ... last`` spans from the start of ``first`` to the end of the nearest
    following ``last``, for a passage longer than one phrase.
    """
    head, sep, tail = phrase.partition(" ... ")
    found = _spans(text, head)
    if not sep:
        return found
    spans = []
    for start, head_end in found:
        match = _pattern(tail).search(text, head_end)
        if match is not None:
            spans.append((start, match.end()))
    return spans


def _pattern(phrase: str) -> re.Pattern[str]:
    words = phrase.split()
    if not words:
        raise ValueError("an empty phrase matches nothing")
    return re.compile(r"\s+".join(re.escape(word) for word in words))


def _spans(text: str, phrase: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _pattern(phrase).finditer(text)]


@dataclass
class SourceTexts:
    """The folder of source texts, read on demand; ``folder`` is None or absent when the
    texts are not at hand (then digests cannot be checked, and reports say so)."""

    folder: Path | None
    _cache: dict[str, str | None] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.folder is not None and self.folder.is_dir()

    def text(self, name: str) -> str | None:
        """The text of file ``name``, exactly as stored; None when it is not there."""
        if not self.available or self.folder is None:
            return None
        if name not in self._cache:
            path = self.folder / name
            # A name is a plain file name: never a path that leaves the folder.
            if Path(name).name != name or not path.is_file():
                self._cache[name] = None
            else:
                self._cache[name] = path.read_bytes().decode("utf-8")
        return self._cache[name]


def source_texts(folder: str | Path | None) -> SourceTexts:
    return SourceTexts(Path(folder).expanduser().resolve() if folder else None)
