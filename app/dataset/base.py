"""The building blocks every curated file's format shares (``dataset.files``,
``dataset.programme_files``): quoted decimals, records, facts and citations (the
codes and ids are ``schemas.codes``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.codes import Slug, Text


def is_decimal_string(value: Any) -> Any:
    # YAML floats would already have lost exactness; insist on quoted decimals.
    if isinstance(value, float):
        raise ValueError("write decimals as quoted strings, e.g. '1.77'")
    return value


DecimalString = Annotated[Decimal, Field(allow_inf_nan=False)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PassageEntry(Record):
    """A span of the source's text: code point offsets ``start`` (inclusive) and ``end``
    (exclusive) and the hex SHA-256 of the slice as UTF-8 (``dataset.passages``)."""

    start: int
    end: int
    sha256: str


class CitationEntry(Record):
    """``{source, locator, passage}``: the document, the section a reader looks in, and the
    exact span the fact rests on. ``states`` names the fields the passage states where a
    rule asks for it (an event is ``held`` only when a passage that states ``status``
    reports it held)."""

    source: Slug
    locator: Text | None = None
    passage: PassageEntry | None = None
    states: list[Text] = Field(default_factory=list)


Citations = Annotated[list[CitationEntry], Field(min_length=1)]

# One line of our own words saying how an inferred value follows from stated ones.
Reasoning = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=r"^[^\n]+$"),
]


class Fact(Record):
    """A curated fact. ``inferred`` maps each value that no cited passage states, but that
    follows from others (a date bounded by the term it was listed under, a year read from
    the document's own date), to a one-line reasoning: its basis is ``inferred``. Every
    value it does not name is ``stated`` by a cited passage; a value neither stated nor
    inferred by a written rule is not in the files."""

    inferred: dict[str, Reasoning] = Field(default_factory=dict)
