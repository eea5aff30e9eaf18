"""Actor read shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from pydantic import Field

from app.models import Actor
from app.models.enums import ActorKind, Certainty
from app.schemas.common import CitationRead, ReadModel
from app.schemas.descriptions import (
    ACTOR_FORUM,
    ACTOR_ID,
    ACTOR_ISO3,
    ACTOR_SHORT_NAME,
    CERTAINTY_SET_BY,
    MEMBER_OF_CERTAINTY,
)
from app.schemas.language import localized


class ActorRef(ReadModel):
    """An actor as embedded in other resources."""

    id: str = Field(description=ACTOR_ID)
    iso3: str | None = Field(description=ACTOR_ISO3)
    name: str
    kind: ActorKind

    @classmethod
    def from_model(cls, actor: Actor, *, lang: str = "en") -> ActorRef:
        return cls.trusted(
            id=actor.id,
            iso3=actor.iso3,
            name=localized_name(actor, lang),
            kind=ActorKind(actor.kind),
        )


@dataclass(frozen=True, slots=True)
class RowActor:
    """An actor as a read's own row carries it (a pledge's pledgers, a participation's
    holder): every column an actor shape needs, for REST's ``ActorRef`` and GraphQL's
    ``Actor`` alike."""

    id: str
    iso3: str | None
    name: str
    name_es: str | None
    kind: ActorKind
    short_name: str | None
    forum_code: str | None
    website: str | None

    @classmethod
    def of(cls, values: Sequence[Any]) -> RowActor:
        """From the values of ``ROW_ACTOR_COLUMNS``, in that order (``kind`` as stored,
        or as JSON text gives it back)."""
        id_, iso3, name, name_es, kind, short_name, forum_code, website = values
        return cls(
            id=id_,
            iso3=iso3,
            name=name,
            name_es=name_es,
            kind=ActorKind(kind),
            short_name=short_name,
            forum_code=forum_code,
            website=website,
        )

    def ref(self, lang: str) -> ActorRef:
        name = localized(self.name, self.name_es, lang)
        return ActorRef.trusted(id=self.id, iso3=self.iso3, name=name, kind=self.kind)


# The actor columns a read selects beside its own row to build a ``RowActor``, in its
# fields' order: one list for every statement that carries actors.
ROW_ACTOR_COLUMNS = tuple(
    Actor.__table__.c[name] for name in (field.name for field in fields(RowActor))
)


class ConditionRead(ReadModel):
    """A filter condition as the request states it: `member_of` `MIRPS`, `has_role`
    `GCM:champion` (codes as resolved)."""

    parameter: str = Field(description="`member_of` or `has_role`.")
    value: str = Field(description="The forum code, or `FORUM:role`.")


class ConditionMetRead(ConditionRead):
    """A condition the actor met, how surely, and the disputes over the claims meeting it."""

    certainty: Certainty | None = Field(description="How surely the actor meets it on the day.")
    disputes: list[str] = Field(
        description="Ids of the disputes (`/v1/disputes/{id}`) over the claims that meet it: "
        "where the sources disagree, the condition is met only `possible`."
    )


class ActorRead(ActorRef):
    short_name: str | None = Field(description=ACTOR_SHORT_NAME)
    forum: str | None = Field(description=ACTOR_FORUM)
    website: str | None
    certainty: Certainty | None = Field(
        default=None,
        description=MEMBER_OF_CERTAINTY,
    )
    citations: list[CitationRead]
    # After citations: a CSV gains its new column at the end (docs/versioning.md).
    certainty_set_by: list[ConditionRead] | None = Field(default=None, description=CERTAINTY_SET_BY)
    conditions_met: list[ConditionMetRead] | None = Field(
        default=None,
        description="With `member_of` or `has_role`: each condition the actor met, with its "
        "own certainty and the ids of the disputes over it. Null otherwise.",
    )

    @classmethod
    def from_model(
        cls,
        actor: Actor,
        *,
        lang: str = "en",
        certainty: Certainty | None = None,
        set_by: Sequence[tuple[str, str]] | None = None,
        met: Sequence[ConditionMetRead] | None = None,
    ) -> ActorRead:
        """``set_by``: the (parameter, value) of each condition that set ``certainty``;
        ``met``: every condition with its certainty and disputes."""
        return cls.trusted(
            conditions_met=None if met is None else list(met),
            certainty=certainty,
            certainty_set_by=(
                None
                if set_by is None
                else [ConditionRead.trusted(parameter=p, value=v) for p, v in set_by]
            ),
            id=actor.id,
            iso3=actor.iso3,
            name=localized_name(actor, lang),
            kind=ActorKind(actor.kind),
            short_name=actor.short_name,
            forum=actor.forum_code,
            website=actor.website,
            citations=[CitationRead.from_model(c) for c in actor.citations],
        )


def localized_name(actor: Actor, lang: str) -> str:
    return localized(actor.name, actor.name_es, lang)
