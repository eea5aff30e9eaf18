"""Query parameters shared by several resources, described once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.conditional import conditional_get
from app.api.deps import data_version, min_version, reject_unknown_query_params
from app.schemas.filters import (
    ActorFilter,
    AsOfCondition,
    Day,
    EventFilter,
    ForumFilter,
    FundingShareFilter,
    GovernanceChangeFilter,
    MoneyRecordFilter,
    ParticipantCountFilter,
    ParticipantFilter,
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
    Depends(data_version),
]

AsOfParam = Annotated[AsOfCondition, Query()]

# Each resource's one filter model, read from the query string.
ForumFilterQuery = Annotated[ForumFilter, Query()]
ActorFilterQuery = Annotated[ActorFilter, Query()]
ParticipationFilterQuery = Annotated[ParticipationFilter, Query()]
ParticipantFilterQuery = Annotated[ParticipantFilter, Query()]
FundingShareFilterQuery = Annotated[FundingShareFilter, Query()]
EventFilterQuery = Annotated[EventFilter, Query()]
PledgeFilterQuery = Annotated[PledgeFilter, Query()]
ProgrammeFilterQuery = Annotated[ProgrammeFilter, Query()]
MoneyRecordFilterQuery = Annotated[MoneyRecordFilter, Query()]
ParticipantCountFilterQuery = Annotated[ParticipantCountFilter, Query()]
GovernanceChangeFilterQuery = Annotated[GovernanceChangeFilter, Query()]
