"""GraphQL Dispute type (a disagreement between documents) and its root fields."""

from __future__ import annotations

from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    connection,
    one_or_none,
    page_of,
)
from app.graphql.types.source import CitationType
from app.models import Dispute
from app.models.enums import Entity
from app.services import disputes as dispute_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(name="DisputeSubject", description="What a dispute is about.")
class DisputeSubjectType:
    entity: Entity
    id: str = strawberry.field(
        description="The record: a forum code, an event id, or `forum/actor/role` for a "
        "participation."
    )
    field: str = strawberry.field(description="What about it the documents disagree on.")


@strawberry.type(name="Claim", description="One side of a dispute, as the documents give it.")
class ClaimType:
    value: str
    note: str | None = strawberry.field(description="The claim in a few words of our own.")
    citations: list[CitationType]

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ClaimType:
        return cls(
            value=value["value"],
            note=value.get("note"),
            citations=[CitationType.from_json(c) for c in value.get("citations", [])],
        )


@strawberry.type(name="DisputedRow", description="A row of the API that carries a dispute.")
class DisputedRowType:
    entity: Entity
    id: str


@strawberry.type(
    name="Dispute",
    description="A disagreement between documents: each claim is kept with its sources, and "
    "every disputed row links here through its `dispute` id.",
)
class DisputeType:
    id: str
    subject: DisputeSubjectType
    summary: str = strawberry.field(description="The disagreement, written fresh for migov.")
    claims: list[ClaimType]
    rows: list[DisputedRowType] = strawberry.field(
        description="The rows that carry this dispute (each flagged `disputed`)."
    )

    @classmethod
    def from_model(cls, dispute: Dispute, rows: dispute_service.DisputedRows) -> DisputeType:
        return cls(
            id=dispute.id,
            subject=DisputeSubjectType(
                entity=Entity(dispute.subject_entity),
                id=dispute.subject_id,
                field=dispute.subject_field,
            ),
            summary=dispute.summary,
            claims=[ClaimType.from_json(c) for c in dispute.claims or []],
            rows=[DisputedRowType(entity=entity, id=row_id) for entity, row_id in rows],
        )


async def dispute_by_id(info: Info, dispute_id: str | None) -> DisputeType | None:
    """A disputed row's dispute, through the request's loader; null for an undisputed row."""
    if dispute_id is None:
        return None
    found = await info.context.loaders.dispute.load(dispute_id)
    return DisputeType.from_model(*found) if found else None


DISPUTE_OF_ROW = (
    "The dispute this row is one claim of, with every claim and its sources; null when "
    "the documents agree."
)


@strawberry.type
class DisputeQuery:
    @strawberry.field(
        description="One dispute by id; null with a `not_found` error when none has it."
    )
    async def dispute(self, info: Info, id: str) -> DisputeType | None:
        return await one_or_none(
            info,
            lambda session: dispute_service.get_dispute(session, id),
            lambda found: DisputeType.from_model(*found),
        )

    @strawberry.field(description="Disagreements between documents, ordered by id.")
    async def disputes(
        self, info: Info, first: First = DEFAULT_LIMIT, after: After = None
    ) -> Connection[DisputeType] | None:
        page = await page_of(
            info,
            lambda session, limit: dispute_service.list_disputes(
                session, limit=limit, cursor=after
            ),
            first,
        )
        return connection(
            page,
            dispute_service.DISPUTE_ORDER,
            lambda dispute: DisputeType.from_model(dispute, page.rows.get(dispute.id, [])),
            after=after,
        )
