"""GraphQL filter inputs, each turned into the arguments of one service function."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from app.models.enums import (
    ActorKind,
    Certainty,
    EventKind,
    ForumKind,
    PledgeKind,
    PledgeStatus,
    Role,
)
from app.services.pledges import PledgeFilter


@strawberry.input(name="ForumFilterInput")
class ForumFilterInput:
    kind: ForumKind | None = strawberry.field(default=None, description="Only forums of this kind.")
    parent: str | None = strawberry.field(
        default=None, description="Only forums whose parent has this code."
    )


@strawberry.input(name="ActorFilterInput")
class ActorFilterInput:
    kind: ActorKind | None = strawberry.field(default=None, description="Only actors of this kind.")
    member_of: list[str] = strawberry.field(
        default_factory=list,
        description="Forum codes: only actors holding the member role in every one of them "
        "on `asOf`.",
    )
    as_of: dt.date | None = strawberry.field(
        default=None, description="Day `memberOf` is checked on; today when omitted."
    )
    certainty: Certainty | None = strawberry.field(
        default=None,
        description="CERTAIN: only actors surely members of every `memberOf` forum.",
    )


@strawberry.input(name="ParticipationFilterInput")
class ParticipationFilterInput:
    forum: str | None = strawberry.field(default=None, description="Forum code.")
    actor: str | None = strawberry.field(default=None, description="Actor id.")
    role: list[Role] = strawberry.field(
        default_factory=list, description="Only these roles (any of them)."
    )
    as_of: dt.date | None = strawberry.field(
        default=None,
        description="Only roles that may be held on this day (start inclusive, end "
        "exclusive), each with its `certainty`.",
    )
    certainty: Certainty | None = strawberry.field(
        default=None, description="CERTAIN: only roles surely held on `asOf` (needs `asOf`)."
    )
    disputed: bool | None = strawberry.field(
        default=None, description="true: only disputed claims; false: only undisputed facts."
    )


@strawberry.input(name="FundingShareFilterInput")
class FundingShareFilterInput:
    forum: str | None = strawberry.field(default=None, description="Forum code.")
    actor: str | None = strawberry.field(default=None, description="Actor id.")


@strawberry.input(name="EventFilterInput")
class EventFilterInput:
    forum: str | None = strawberry.field(default=None, description="Forum code.")
    kind: EventKind | None = None
    start_from: dt.date | None = strawberry.field(
        default=None, description="Only events starting on or after this day."
    )
    start_to: dt.date | None = strawberry.field(
        default=None, description="Only events starting on or before this day."
    )
    host: str | None = strawberry.field(default=None, description="Only events this actor hosts.")


@strawberry.input(name="PledgeFilterInput")
class PledgeFilterInput:
    pledger: str | None = strawberry.field(
        default=None, description="Actor id; matches any pledger of a joint pledge."
    )
    forum: str | None = strawberry.field(default=None, description="Forum code.")
    event: str | None = strawberry.field(default=None, description="Event id.")
    kind: PledgeKind | None = None
    status: PledgeStatus | None = None
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code.")
    announced_from: dt.date | None = strawberry.field(
        default=None, description="Announced on or after this day."
    )
    announced_to: dt.date | None = strawberry.field(
        default=None, description="Announced on or before this day."
    )
    gcm_objective: int | None = strawberry.field(
        default=None, description="Addresses this Global Compact for Migration objective (1-23)."
    )
    amount_min: Decimal | None = strawberry.field(
        default=None, description="Amount in its own currency at least this."
    )
    amount_max: Decimal | None = strawberry.field(
        default=None, description="Amount in its own currency at most this."
    )
    curated: bool | None = strawberry.field(
        default=None, description="true: curated pledges only; false: submitted ones only."
    )

    def to_filter(self) -> PledgeFilter:
        return PledgeFilter(
            pledger=self.pledger,
            forum=self.forum,
            event=self.event,
            kind=self.kind,
            status=self.status,
            currency=self.currency,
            announced_from=self.announced_from,
            announced_to=self.announced_to,
            gcm_objective=self.gcm_objective,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            curated=self.curated,
        )


def pledge_filter(value: PledgeFilterInput | None) -> PledgeFilter:
    return value.to_filter() if value else PledgeFilter()
