"""Dispute read shapes: what the documents disagree about, and each claim."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.models import Dispute
from app.models.enums import Entity
from app.schemas.common import CitationRead, ReadModel


class DisputeSubject(ReadModel):
    entity: Entity = Field(description="Kind of record the disagreement is about.")
    id: str = Field(
        description="The record: a forum code, an event id, or `forum/actor/role` for a "
        "participation."
    )
    field: str = Field(description="What about it the documents disagree on.")


class ClaimRead(ReadModel):
    value: str = Field(description="What this claim says, as the documents give it.")
    note: str | None = Field(description="The claim in a few words of our own.")
    citations: list[CitationRead]


class DisputedRow(ReadModel):
    entity: Entity = Field(description="`participation`, `funding_share` or `event`.")
    id: str = Field(description="The row's id (a participation id, an event id).")


class DisputeRead(ReadModel):
    id: str = Field(description="Stable slug; disputed rows link to it as `dispute`.")
    subject: DisputeSubject
    summary: str = Field(description="The disagreement, written fresh for migov.")
    claims: list[ClaimRead] = Field(description="Each claim, with its citations (two or more).")
    rows: list[DisputedRow] = Field(
        description="The rows of the API that carry this dispute (each flagged `disputed`)."
    )

    @classmethod
    def from_model(cls, dispute: Dispute, rows: list[tuple[Entity, str]]) -> DisputeRead:
        return cls.trusted(
            id=dispute.id,
            subject=DisputeSubject.trusted(
                entity=Entity(dispute.subject_entity),
                id=dispute.subject_id,
                field=dispute.subject_field,
            ),
            summary=dispute.summary,
            claims=[_claim(c) for c in dispute.claims or []],
            rows=[DisputedRow.trusted(entity=entity, id=row_id) for entity, row_id in rows],
        )


def _claim(value: dict[str, Any]) -> ClaimRead:
    return ClaimRead.trusted(
        value=value["value"],
        note=value.get("note"),
        citations=[CitationRead.from_json(c) for c in value.get("citations", [])],
    )
