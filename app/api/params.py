"""Query parameters shared by several resources, described once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.conditional import conditional_get
from app.api.deps import min_version, reject_unknown_query_params
from app.models.enums import Certainty, Role
from app.schemas.filters import (
    ActorFilter,
    Day,
    EventFilter,
    ForumFilter,
    FundingShareFilter,
    GovernanceChangeFilter,
    Lowered,
    MoneyRecordFilter,
    ParticipantCountFilter,
    ParticipationFilter,
    PledgeFilter,
    ProgrammeFilter,
)

# Ids are 32-bit integer columns; a larger one is a malformed parameter (400), never
# a value sent to a database that would refuse it.
MAX_ID = 2**31 - 1

IsoDate = Day

# Every read router: unknown parameters are refused, GETs are conditional, and a read
# may ask to see a write (Migov-Min-Version).
READ_DEPENDENCIES = [
    Depends(reject_unknown_query_params),
    Depends(conditional_get),
    Depends(min_version),
]

AsOfParam = Annotated[
    IsoDate | None,
    Query(
        description="Only roles that may be in effect on this day (start inclusive, end "
        "exclusive), each labelled `certain` or `possible` in `certainty`. A date the "
        "documents state only roughly, or not at all, counts by its bounds "
        "(`start_earliest` ... `end_latest`), never by a guess. Disputed claims in effect "
        "are all returned, flagged `disputed`."
    ),
]
CertaintyParam = Annotated[
    Certainty | None,
    Query(
        description="`certain`: only rows surely in effect on `as_of`. Omit it to get both, "
        "each labelled. Needs `as_of`."
    ),
]
RoleParam = Annotated[
    Annotated[tuple[Role, ...], Lowered] | None,
    Query(description="Only these roles (repeat or comma-separate for several)."),
]
DisputedParam = Annotated[
    bool | None,
    Query(description="`false`: only undisputed facts; `true`: only disputed claims."),
]

# Each resource's one filter model, read from the query string.
ForumFilterQuery = Annotated[ForumFilter, Query()]
ActorFilterQuery = Annotated[ActorFilter, Query()]
ParticipationFilterQuery = Annotated[ParticipationFilter, Query()]
FundingShareFilterQuery = Annotated[FundingShareFilter, Query()]
EventFilterQuery = Annotated[EventFilter, Query()]
PledgeFilterQuery = Annotated[PledgeFilter, Query()]
ProgrammeFilterQuery = Annotated[ProgrammeFilter, Query()]
MoneyRecordFilterQuery = Annotated[MoneyRecordFilter, Query()]
ParticipantCountFilterQuery = Annotated[ParticipantCountFilter, Query()]
GovernanceChangeFilterQuery = Annotated[GovernanceChangeFilter, Query()]
