"""The /v1/download shapes: which files of the whole dataset are offered."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas.meta import DataLicence


class DownloadFile(BaseModel):
    name: str = Field(description="File name, with the data version in it: `migov-42.zip`.")
    format: str = Field(
        description="`zip`: a Frictionless Data Package (datapackage.json and one CSV per "
        "table); `sqlite`: a SQLite database of the same tables."
    )
    media_type: str
    url: str = Field(description="Path to fetch it from; the content never changes.")
    built: bool = Field(description="Already built: the first request for a file builds it.")
    bytes: int | None = Field(description="Size, once built.")


class DownloadList(BaseModel):
    dataset_version: int = Field(description="The version every file listed is of.")
    files: list[DownloadFile]
    licence: DataLicence
    excluded_tables: dict[str, str] = Field(
        description="Tables left out of the files, and why (secrets, the machinery of writes)."
    )
