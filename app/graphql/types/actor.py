"""GraphQL Actor type (a state or an organisation) and its root fields."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.utils.str_converters import to_camel_case

from app.graphql.context import Info
from app.graphql.execution import context_only
from app.graphql.loaders import ParticipationArgs
from app.graphql.types import forum as forum_types
from app.graphql.types import funding as funding_types
from app.graphql.types import participation as participation_types
from app.graphql.types import pledge as pledge_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    LangArg,
    NestedFirst,
    connection,
    name_in,
    one_or_none,
    page_of,
)
from app.graphql.types.filters import (
    ActorFilterInput,
    PledgeFilterInput,
    to_filter,
)
from app.graphql.types.source import CitationType, citations_of
from app.models import Actor
from app.models.enums import ActorKind, Certainty, Entity, Role
from app.schemas.actor import ConditionMetRead, RowActor
from app.schemas.descriptions import (
    ACTOR_FORUM,
    ACTOR_ID,
    ACTOR_ISO3,
    ACTOR_SHORT_NAME,
    CERTAINTY_SET_BY,
    MEMBER_OF_CERTAINTY,
)
from app.schemas.filters import ActorFilter
from app.services import actors as actor_service
from app.services.paging import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.forum import ForumType
    from app.graphql.types.funding import FundingShareType
    from app.graphql.types.participation import ParticipationType
    from app.graphql.types.pledge import PledgeType


@strawberry.type(
    name="Condition",
    description="A filter condition as the request states it: `memberOf` `MIRPS`, `hasRole` "
    "`GCM:champion` (codes as resolved).",
)
class ConditionType:
    argument: str = strawberry.field(description="`memberOf` or `hasRole`.")
    value: str = strawberry.field(description="The forum code, or `FORUM:role`.")

    @classmethod
    def of(cls, parameter: str, value: str) -> ConditionType:
        """A condition the filter model names ``parameter``, by its GraphQL argument."""
        return cls(argument=to_camel_case(parameter), value=value)


@strawberry.type(
    name="ConditionMet",
    description="A condition the actor met, how surely, and the disputes over the claims "
    "meeting it.",
)
class ConditionMetType:
    argument: str = strawberry.field(description="`memberOf` or `hasRole`.")
    value: str = strawberry.field(description="The forum code, or `FORUM:role`.")
    certainty: Certainty | None = strawberry.field(
        description="How surely the actor meets it on the day."
    )
    dispute_ids: list[str] = strawberry.field(
        description="The disputes over the claims that meet it (see `dispute(id)`)."
    )

    @classmethod
    def of(cls, met: ConditionMetRead) -> ConditionMetType:
        return cls(
            argument=to_camel_case(met.parameter),
            value=met.value,
            certainty=met.certainty,
            dispute_ids=list(met.disputes),
        )


@strawberry.type(name="Actor", description="A state or an organisation that takes part in forums.")
class ActorType:
    id: str = strawberry.field(description=ACTOR_ID)
    iso3: str | None = strawberry.field(description=ACTOR_ISO3)
    name_en: strawberry.Private[str]
    name_es: str | None = strawberry.field(description="Spanish name, where one is recorded.")
    short_name: str | None = strawberry.field(description=ACTOR_SHORT_NAME)
    kind: ActorKind
    forum_code: str | None = strawberry.field(description=ACTOR_FORUM)
    website: str | None
    certainty: Certainty | None = strawberry.field(
        default=None,
        description=MEMBER_OF_CERTAINTY,
    )
    certainty_set_by: list[ConditionType] | None = strawberry.field(
        default=None, description=CERTAINTY_SET_BY
    )
    conditions_met: list[ConditionMetType] | None = strawberry.field(
        default=None,
        description="With `memberOf` or `hasRole`: each condition the actor met, with its own "
        "certainty and the ids of the disputes over it. Null otherwise.",
    )

    @classmethod
    def from_model(
        cls,
        actor: Actor,
        certainty: Certainty | None = None,
        set_by: list[tuple[str, str]] | None = None,
        met: list[ConditionMetRead] | None = None,
    ) -> ActorType:
        return cls(
            conditions_met=None if met is None else [ConditionMetType.of(m) for m in met],
            certainty=certainty,
            certainty_set_by=(
                None if set_by is None else [ConditionType.of(p, v) for p, v in set_by]
            ),
            id=actor.id,
            iso3=actor.iso3,
            name_en=actor.name,
            name_es=actor.name_es,
            short_name=actor.short_name,
            kind=ActorKind(actor.kind),
            forum_code=actor.forum_code,
            website=actor.website,
        )

    @classmethod
    def from_row_actor(cls, actor: RowActor) -> ActorType:
        """An actor as a read's row carries it (``schemas.actor.RowActor``)."""
        return cls(
            id=actor.id,
            iso3=actor.iso3,
            name_en=actor.name,
            name_es=actor.name_es,
            short_name=actor.short_name,
            kind=actor.kind,
            forum_code=actor.forum_code,
            website=actor.website,
        )

    @strawberry.field(description="Name, in English or Spanish (see `lang`).")
    @context_only
    def name(self, info: Info, lang: LangArg = strawberry.UNSET) -> str:
        return name_in(info, self.name_en, self.name_es, lang)

    @strawberry.field(description="The forum this actor also is (SICA the organisation).")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")] | None:
        if self.forum_code is None:
            return None
        return await forum_types.forum_by_code(info, self.forum_code)

    @strawberry.field(
        description="The roles this actor holds or held, in any forum or in the ones asked "
        "for. Without `asOf`, every period is listed. An unknown forum code is an "
        "`unknown_reference` error."
    )
    async def participations(
        self,
        info: Info,
        forum: Annotated[
            list[str] | None,
            strawberry.argument(description="Only roles in these forums (codes or aliases)."),
        ] = None,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Only roles that may be held on this day (start inclusive, end "
                "exclusive), each with its `certainty`."
            ),
        ] = None,
        role: Annotated[
            list[Role] | None, strawberry.argument(description="Only these roles.")
        ] = None,
        certainty: Annotated[
            Certainty | None,
            strawberry.argument(
                description="CERTAIN: only roles surely held on `asOf` (needs `asOf`)."
            ),
        ] = None,
        disputed: Annotated[
            bool | None,
            strawberry.argument(description="true: only disputed claims; false: only the rest."),
        ] = None,
    ) -> list[Annotated[ParticipationType, strawberry.lazy("app.graphql.types.participation")]]:
        args = ParticipationArgs(
            as_of=as_of,
            roles=tuple(role or ()),
            certainty=certainty,
            disputed=disputed,
            forums=tuple(forum or ()),
        )
        rows = await info.context.loaders.participations_by_actor.load((self.id, args))
        return [participation_types.ParticipationType.from_row(row, as_of) for row in rows]

    @strawberry.field(description="This actor's shares of forum budgets.")
    async def funding_shares(
        self, info: Info
    ) -> list[Annotated[FundingShareType, strawberry.lazy("app.graphql.types.funding")]]:
        rows = await info.context.loaders.funding_shares_by_actor.load(self.id)
        return [funding_types.FundingShareType.from_model(row) for row in rows]

    @strawberry.field(
        description="Pledges this actor made, alone or jointly, in the order recorded, at most `first` "
        "of them. Null, with an `invalid_input` error, when the filter contradicts itself."
    )
    async def pledges(
        self,
        info: Info,
        filter: PledgeFilterInput | None = None,
        first: NestedFirst = DEFAULT_LIMIT,
    ) -> list[Annotated[PledgeType, strawberry.lazy("app.graphql.types.pledge")]] | None:
        loader = info.context.loaders.pledges_by_actor
        return await pledge_types.nested_pledges(loader, self.id, filter, first)

    @strawberry.field(description="The sources this actor's record rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.ACTOR, self.id)


@strawberry.type
class ActorQuery:
    @strawberry.field(
        description="One actor by id (any case) or name; null with a `not_found` error (and suggestions) when none has it."
    )
    async def actor(self, info: Info, id: str) -> ActorType | None:
        return await one_or_none(
            info, lambda session: actor_service.get_actor(session, id), ActorType.from_model
        )

    @strawberry.field(description="Actors, ordered by id.")
    async def actors(
        self,
        info: Info,
        filter: ActorFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ActorType] | None:
        criteria = to_filter(ActorFilter, filter)
        page = await page_of(
            info,
            lambda session, limit: actor_service.list_actors(
                session, criteria, limit=limit, cursor=after
            ),
            first,
        )
        return connection(
            page,
            actor_service.ACTOR_ORDER,
            lambda actor: ActorType.from_model(
                actor,
                page.certainty.get(actor.id),
                page.conditions_setting(actor.id),
                page.conditions_met(actor.id),
            ),
            after=after,
        )


async def actor_by_id(info: Info, actor_id: str) -> ActorType | None:
    """A related actor, through the request's loader; null when no actor has ``actor_id``."""
    actor = await info.context.loaders.actor.load(actor_id)
    return ActorType.from_model(actor) if actor else None
