"""Read shapes shared by every resource: pages, citations, actor references."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from app.models import Citation
from app.schemas.descriptions import (
    PASSAGE,
    PASSAGE_END,
    PASSAGE_SHA256,
    PASSAGE_START,
)

T = TypeVar("T")
R = TypeVar("R", bound="ReadModel")


class ReadModel(BaseModel):
    """A response shape built from rows the database already constrains.

    ``trusted`` skips re-validating those values (the hot path of every list);
    enums and dates must already have their Python types.
    """

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def trusted(cls: type[R], **values: Any) -> R:
        if (
            values.keys() == cls.__pydantic_fields__.keys()
            and not cls.__private_attributes__
            and cls.__pydantic_post_init__ is None
        ):
            # Every field given: what ``model_construct`` ends with, without its per-field
            # loop over defaults and aliases (a page of 100 pledges builds ~400 of these).
            model = cls.__new__(cls)
            object.__setattr__(model, "__dict__", values)
            object.__setattr__(model, "__pydantic_fields_set__", set(values))
            object.__setattr__(model, "__pydantic_extra__", None)
            object.__setattr__(model, "__pydantic_private__", None)
            return model
        return cast(R, cls.model_construct(**values))

    @classmethod
    def by_position(cls: type[R]) -> Callable[..., R]:
        """``trusted`` for a hot loop that holds every field's value, in field order: one
        value per field or a ``ValueError`` (a summary of a year builds ~800 amounts, and
        checking their names each time was a tenth of its work)."""
        names = tuple(cls.__pydantic_fields__)
        if cls.__private_attributes__ or cls.__pydantic_post_init__ is not None:
            return lambda *values: cls.trusted(**dict(zip(names, values, strict=True)))
        new = cls.__new__
        set_attribute = object.__setattr__

        def build(*values: Any) -> R:
            model = new(cls)
            given = dict(zip(names, values, strict=True))
            set_attribute(model, "__dict__", given)
            set_attribute(model, "__pydantic_fields_set__", set(names))
            set_attribute(model, "__pydantic_extra__", None)
            set_attribute(model, "__pydantic_private__", None)
            return model

        return build


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters, on all pages.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


POSSIBLE_LEFT_OUT = (
    "With `certainty=certain`: how many rows match every other filter but are only "
    "`possible`, and so were left out of this answer (0 when none). Null otherwise. A "
    "date the documents give only as a month or a year is never `certain` on one day "
    "(see docs/time.md), so a sure-only list may be empty while the data holds answers."
)


class FilterNoteRead(BaseModel):
    """Why an answer is empty: a condition judged on a day when no one held its role,
    though the forum records holders of it at other times."""

    parameter: str = Field(description="`member_of` or `has_role`.")
    value: str = Field(description="The condition as resolved: `CIREFCA`, `GCM:champion`.")
    day: dt.date = Field(description="The day it was judged on.")
    earliest: dt.date | None = Field(
        description="The earliest day any holder of the role may have started (null: unbounded)."
    )
    latest: dt.date | None = Field(
        description="The latest day any holder may have left it (null: no end recorded)."
    )
    detail: str = Field(description="The same in words, with the question to ask instead.")


FILTER_NOTES = (
    "Present only when a `member_of` or `has_role` condition found no holder on its day "
    "though the forum has holders at other times: one note per such condition, naming the "
    "span it does have (ask `FORUM@ever` or `@YYYY-MM-DD`)."
)


class JudgedPage(Page[T], Generic[T]):
    """A page of rows judged for certainty (``certainty=``)."""

    possible_left_out: int | None = Field(default=None, description=POSSIBLE_LEFT_OUT)
    notes: list[FilterNoteRead] | None = Field(
        default=None, exclude_if=lambda value: value is None, description=FILTER_NOTES
    )


class PassageRead(ReadModel):
    """The exact span of the source's text a fact rests on. The project never reproduces
    the document's words: the span and its digest let anyone holding the public document
    find the passage and check it."""

    start: int = Field(description=PASSAGE_START)
    end: int = Field(description=PASSAGE_END)
    sha256: str = Field(description=PASSAGE_SHA256)

    @classmethod
    def of(cls, start: int | None, end: int | None, sha256: str | None) -> PassageRead | None:
        if start is None or end is None or sha256 is None:
            return None
        return cls.trusted(start=start, end=end, sha256=sha256)


class InferredRead(ReadModel):
    """A value of the row that no cited passage states but that follows from others."""

    field: str = Field(description="The field of this row whose value is inferred.")
    reasoning: str = Field(description="How the value follows from what the passages state.")


def inferred_reads(values: list[dict[str, str]] | None) -> list[InferredRead]:
    return [
        InferredRead.trusted(field=value["field"], reasoning=value["reasoning"])
        for value in values or []
    ]


class CitationRead(ReadModel):
    source_id: str = Field(description="Id of the cited source (see /v1/sources).")
    locator: str | None = Field(
        default=None, description="Where in the source: a page, section or heading."
    )
    passage: PassageRead | None = Field(default=None, description=PASSAGE)

    @classmethod
    def from_model(cls, citation: Citation) -> CitationRead:
        return cls.trusted(
            source_id=citation.source_id,
            locator=citation.locator,
            passage=PassageRead.of(
                citation.passage_start, citation.passage_end, citation.passage_sha256
            ),
        )

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CitationRead:
        """From a citation kept in a JSON column (a dispute's claim, a participation's bound)."""
        passage = value.get("passage") or {}
        return cls.trusted(
            source_id=value["source_id"],
            locator=value.get("locator"),
            passage=PassageRead.of(passage.get("start"), passage.get("end"), passage.get("sha256")),
        )


# A text cell starting with one of these is prefixed with a quote (OWASP, CSV injection);
# "'" is in the set so that dropping one leading quote always gives the value back. The
# API's CSV answers and the data package's spreadsheet copies both use it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class JsonCell(str):
    """A cell already encoded as JSON: written as is, never neutralised."""

    __slots__ = ()


def csv_cell(value: Any, *, guard: bool) -> str:
    """``value`` as a CSV cell, the same in the API's CSV answers and the data package:
    null is empty, booleans ``true``/``false``, decimals with all their digits and no
    exponent, dates and times in ISO 8601, lists and maps as compact JSON. With
    ``guard``, text a spreadsheet would run as a formula starts with ``'``."""
    if value is None:
        return ""
    if isinstance(value, JsonCell):
        return str(value)
    if isinstance(value, str):
        return neutralise(value) if guard else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)
