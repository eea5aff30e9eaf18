"""GraphQL filter inputs: each is turned into the resource's one ``<Noun>Filter``.

The input types only mirror the fields of ``app.schemas.filters``; ``to_filter``
validates them with the same pydantic model REST reads its query string into, so
both adapters accept and refuse the same requests (a reversed range, an objective
out of 1-23, an unknown code), with the same ``extensions.code``. A list argument
means "any of", as repeated REST parameters do; a single value is read as a list
of one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

import strawberry

from app.graphql.errors import input_field
from app.models.enums import (
    ActorKind,
    Certainty,
    EventKind,
    EventStatus,
    ForumKind,
    MoneyKind,
    PledgeKind,
    PledgeStatus,
    ProgrammeKind,
    Role,
)
from app.schemas.filters import (
    FilterModel,
    PledgeFilter,
    parse_filter,
)

F = TypeVar("F", bound=FilterModel)

ANY_OF = "Any of these."
SUBFORUMS = "true: a forum also matches the forums under it (MIRPS includes MIRPS-SP)."
SUBPROGRAMMES_DOC = "true: a programme also matches the programmes under it (IMCBP includes MCEE)."
Q = "Words of the English or Spanish name or aliases, ignoring case and accents."
FROM_DOC = "`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` meaning the month's or year's first day."
TO_DOC = "`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` meaning the month's or year's last day."


def to_filter(model: type[F], value: Any | None) -> F:
    """``value`` (an input object, or None) as ``model``; refusals name camelCase fields."""
    if value is None:
        return model()
    data = {
        field.name: _as_written(getattr(value, field.name)) for field in dataclasses.fields(value)
    }
    return parse_filter(model, data, name_of=input_field)


def _as_written(value: Any) -> Any:
    """An amount as the text the client sent (``Decimal("1E+400")`` is ``1E+400``), so the
    filter refuses it as REST refuses ``amount_min=1e400``: exactly the one pattern."""
    return str(value) if isinstance(value, Decimal) else value


@strawberry.input(name="ForumFilterInput")
class ForumFilterInput:
    kind: list[ForumKind] | None = strawberry.field(default=None, description=ANY_OF)
    parent: list[str] | None = strawberry.field(
        default=None, description="Only forums under these forums (codes or aliases)."
    )
    q: str | None = strawberry.field(default=None, description=Q)


@strawberry.input(name="ActorFilterInput")
class ActorFilterInput:
    kind: list[ActorKind] | None = strawberry.field(default=None, description=ANY_OF)
    exclude_kind: list[ActorKind] | None = strawberry.field(
        default=None, description="Leave out actors of these kinds."
    )
    member_of: list[str] | None = strawberry.field(
        default=None,
        description="Forum codes: only actors holding the member role in every one of them "
        "on `asOf`. Each may carry its own time: `CIREFCA@ever` (at any time) or "
        "`CIREFCA@1989-05-30` (on that day).",
    )
    not_member_of: list[str] | None = strawberry.field(
        default=None,
        description="Forum codes: only actors holding the member role in none of them on "
        "`asOf` (or on each one's own time, `CODE@ever`, `CODE@YYYY-MM-DD`).",
    )
    has_role: list[str] | None = strawberry.field(
        default=None,
        description="`FORUM:ROLE` (e.g. `GCM:champion`): only actors holding every one of "
        "these roles on `asOf`, or on each one's own time: `CIREFCA:participant@ever`, "
        "`CIREFCA:participant@1989-05-30`.",
    )
    as_of: dt.date | None = strawberry.field(
        default=None, description="Day the forum conditions are checked on; today when omitted."
    )
    certainty: Certainty | None = strawberry.field(
        default=None,
        description="CERTAIN: only actors that surely meet every `memberOf` and `hasRole` "
        "condition on `asOf` (needs `asOf`).",
    )
    q: str | None = strawberry.field(default=None, description=Q)


@strawberry.input(name="ParticipationFilterInput")
class ParticipationFilterInput:
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
    actor: list[str] | None = strawberry.field(default=None, description="Actor ids.")
    role: list[Role] | None = strawberry.field(default=None, description=ANY_OF)
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
    include_subforums: bool | None = strawberry.field(default=None, description=SUBFORUMS)


@strawberry.input(name="FundingShareFilterInput")
class FundingShareFilterInput:
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
    actor: list[str] | None = strawberry.field(default=None, description="Actor ids.")
    include_subforums: bool | None = strawberry.field(default=None, description=SUBFORUMS)


@strawberry.input(name="EventFilterInput")
class EventFilterInput:
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
    kind: list[EventKind] | None = strawberry.field(default=None, description=ANY_OF)
    start_from: str | None = strawberry.field(
        default=None,
        description=f"Only events that may start on or after this day. {FROM_DOC}",
    )
    start_to: str | None = strawberry.field(
        default=None, description=f"Only events that may start on or before this day. {TO_DOC}"
    )
    host: list[str] | None = strawberry.field(
        default=None, description="Only events one of these actors hosts."
    )
    organizer: list[str] | None = strawberry.field(
        default=None,
        description="Only events run by one of these actors: the event's own hosts, or, "
        "when it names none, its series' (`organizersFrom`).",
    )
    not_organizer: list[str] | None = strawberry.field(
        default=None, description="Leave out events run by one of these actors."
    )
    series: bool | None = strawberry.field(
        default=None,
        description="false: leave out events other events are occurrences or parts of; "
        "true: only those.",
    )
    parent: list[str] | None = strawberry.field(
        default=None, description="Only occurrences of these series (event ids)."
    )
    status: list[EventStatus] | None = strawberry.field(default=None, description=ANY_OF)
    gcm_objective: list[int] | None = strawberry.field(
        default=None, description="Addresses one of these GCM objectives (1-23)."
    )
    certainty: Certainty | None = strawberry.field(
        default=None,
        description="CERTAIN: only events surely starting in the `startFrom`/`startTo` range "
        "(needs one of them).",
    )
    include_subforums: bool | None = strawberry.field(default=None, description=SUBFORUMS)
    q: str | None = strawberry.field(default=None, description=Q)


@strawberry.input(name="PledgeFilterInput")
class PledgeFilterInput:
    pledger: list[str] | None = strawberry.field(
        default=None, description="Actor ids; matches any pledger of a joint pledge."
    )
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
    event: list[str] | None = strawberry.field(default=None, description="Event ids.")
    kind: list[PledgeKind] | None = strawberry.field(default=None, description=ANY_OF)
    status: list[PledgeStatus] | None = strawberry.field(default=None, description=ANY_OF)
    currency: list[str] | None = strawberry.field(
        default=None, description="ISO 4217 codes, any case."
    )
    announced_from: str | None = strawberry.field(
        default=None, description=f"Announced on or after this day. {FROM_DOC}"
    )
    announced_to: str | None = strawberry.field(
        default=None, description=f"Announced on or before this day. {TO_DOC}"
    )
    gcm_objective: list[int] | None = strawberry.field(
        default=None,
        description="Addresses one of these Global Compact for Migration objectives (1-23).",
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
    include_subforums: bool | None = strawberry.field(default=None, description=SUBFORUMS)


def pledge_filter(value: PledgeFilterInput | None) -> PledgeFilter:
    return to_filter(PledgeFilter, value)


@strawberry.input(name="ProgrammeFilterInput")
class ProgrammeFilterInput:
    kind: list[ProgrammeKind] | None = strawberry.field(default=None, description=ANY_OF)
    forum: list[str] | None = strawberry.field(
        default=None, description="Forum codes: programmes a forum runs or that serve it."
    )
    owner: list[str] | None = strawberry.field(default=None, description="Owner actor ids.")
    parent: list[str] | None = strawberry.field(
        default=None, description="Only the parts of these programmes."
    )
    as_of: dt.date | None = strawberry.field(
        default=None, description="Only programmes that may be running on this day."
    )
    certainty: Certainty | None = strawberry.field(
        default=None, description="CERTAIN: only those surely running on `asOf`."
    )
    q: str | None = strawberry.field(default=None, description=Q)


@strawberry.input(name="MoneyRecordFilterInput")
class MoneyRecordFilterInput:
    kind: list[MoneyKind] | None = strawberry.field(default=None, description=ANY_OF)
    forum: list[str] | None = strawberry.field(
        default=None, description="Forum codes: records about or paid to these forums."
    )
    programme: list[str] | None = strawberry.field(default=None, description="Programme ids.")
    payer: list[str] | None = strawberry.field(default=None, description="Payer actor ids.")
    currency: list[str] | None = strawberry.field(default=None, description="ISO 4217 codes.")
    include_subprogrammes: bool | None = strawberry.field(
        default=None, description=SUBPROGRAMMES_DOC
    )


@strawberry.input(name="ParticipantCountFilterInput")
class ParticipantCountFilterInput:
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
    event: list[str] | None = strawberry.field(default=None, description="Event ids.")
    role: list[Role] | None = strawberry.field(default=None, description=ANY_OF)


@strawberry.input(name="GovernanceChangeFilterInput")
class GovernanceChangeFilterInput:
    forum: list[str] | None = strawberry.field(default=None, description="Forum codes.")
