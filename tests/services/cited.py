"""Citations with real passages for test fixtures, computed from the source texts.

The texts are found as the CLI finds them (``Settings.source_texts``, default
``../shared/seeds``); a run without them fails here, loudly, instead of skipping the
passage checks.
"""

from __future__ import annotations

from functools import cache

from app.config import Settings
from app.dataset import passages
from app.dataset import read as dataset_read


@cache
def source_texts() -> passages.SourceTexts:
    texts = passages.source_texts(Settings().source_texts)
    assert texts.available, (
        f"the source texts are not at {texts.folder}: set MIGOV_SOURCE_TEXTS to the folder "
        "of the cited documents' plain texts (../shared/seeds)"
    )
    return texts


@cache
def _text_files() -> dict[str, str]:
    return {s.id: s.text for s in dataset_read.read_dataset().sources if s.text}


def text_of(source_id: str) -> str:
    text = source_texts().text(_text_files()[source_id])
    assert text is not None, f"no text for {source_id}"
    return text


def passage(source_id: str, phrase: str) -> str:
    """``{start: .., end: .., sha256: ..}`` of the one place ``phrase`` occurs."""
    text = text_of(source_id)
    spans = passages.find(text, phrase)
    assert len(spans) == 1, f"{phrase!r} occurs {len(spans)} times in {source_id}"
    start, end = spans[0]
    return passages.Span(start, end, passages.digest(text, start, end)).as_yaml()


def citation(source_id: str, phrase: str) -> str:
    """A YAML flow citation of ``source_id`` pointing at ``phrase``."""
    return f"{{source: {source_id}, passage: {passage(source_id, phrase)}}}"


def passage_read(source_id: str, phrase: str) -> dict[str, object]:
    """The passage of ``phrase`` as the API answers it: ``{"start", "end", "sha256"}``."""
    text = text_of(source_id)
    spans = passages.find(text, phrase)
    assert len(spans) == 1, f"{phrase!r} occurs {len(spans)} times in {source_id}"
    start, end = spans[0]
    return {"start": start, "end": end, "sha256": passages.digest(text, start, end)}
