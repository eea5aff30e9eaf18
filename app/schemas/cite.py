"""The /v1/cite shapes: how to cite the dataset, or one answer, at a data version.

A citation comes in three forms that say the same thing: a CSL-JSON item (what
reference managers and citation processors read), a BibTeX entry, and one formatted
line to paste into a text.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CSL_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"
BIBTEX_MEDIA_TYPE = "application/x-bibtex"
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"

# ``json``: the whole DatasetCitationRead; the others, one form alone in its own media type.
CiteFormat = Literal["json", "csl", "bibtex", "text"]
CITE_MEDIA_TYPES: dict[CiteFormat, str] = {
    "json": "application/json",
    "csl": CSL_MEDIA_TYPE,
    "bibtex": BIBTEX_MEDIA_TYPE,
    "text": TEXT_MEDIA_TYPE,
}


class CslDate(BaseModel):
    """A CSL date: ``{"date-parts": [[year, month, day]]}``."""

    model_config = ConfigDict(populate_by_name=True)

    date_parts: list[list[int]] = Field(
        alias="date-parts", description="One date, as `[[year, month, day]]`."
    )

    @classmethod
    def of(cls, day: dt.date) -> CslDate:
        return cls(date_parts=[[day.year, day.month, day.day]])


class CslName(BaseModel):
    literal: str = Field(description="A name given whole, not split into given and family.")


class CslItem(BaseModel):
    """One item of CSL-JSON (the Citation Style Language's input format, v1.0.2)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="The item's key; the BibTeX entry has the same one.")
    type: Literal["dataset"]
    title: str
    author: list[CslName]
    publisher: str
    version: str = Field(description="The dataset version cited.")
    issued: CslDate = Field(description="The day that version was published (UTC).")
    accessed: CslDate | None = Field(
        default=None,
        description="The day the citation was asked for (UTC). Absent from the copy in a "
        "data package, which is the same on every build.",
    )
    url: str | None = Field(
        default=None,
        alias="URL",
        description="Where the cited version is read. Absent from the copy in a data package, "
        "which does not know the address it will be fetched from.",
    )
    note: str = Field(description="What is cited, and the data's licence.")


class DatasetCitationRead(BaseModel):
    url: str = Field(
        description="The pinned URL: the cited request with `version=N` added to its query "
        "(its other parameters kept in their order), or the data package of that version "
        "(`/v1/download/migov-N.zip`) for the dataset as a whole."
    )
    version: int = Field(description="The dataset version cited.")
    date: dt.date = Field(description="The day that version was published (UTC).")
    request: str | None = Field(
        description="The request cited (path and query, without `version`); null when the "
        "dataset as a whole is cited."
    )
    csl: CslItem = Field(description="The citation as a CSL-JSON item (`format=csl`).")
    bibtex: str = Field(description="The citation as a BibTeX `@misc` entry (`format=bibtex`).")
    text: str = Field(description="The citation as one formatted line (`format=text`).")
