"""Query parameters shared by several resources, described once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BeforeValidator

from app.api.conditional import conditional_get
from app.api.deps import reject_unknown_query_params
from app.models.enums import Certainty, Role


def _iso_date(value: object) -> object:
    # Lax parsing would read `0` as 1970-01-01; a date parameter is YYYY-MM-DD only.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


# Ids are 32-bit integer columns; a larger one is a malformed parameter (400), never
# a value sent to a database that would refuse it.
MAX_ID = 2**31 - 1

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

# Every read router: unknown parameters are refused, and GETs are conditional.
READ_DEPENDENCIES = [Depends(reject_unknown_query_params), Depends(conditional_get)]

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
    list[Role] | None, Query(description="Only these roles (repeat for several).")
]
DisputedParam = Annotated[
    bool | None,
    Query(description="`false`: only undisputed facts; `true`: only disputed claims."),
]
ForumFilter = Annotated[
    str | None, Query(max_length=32, description="Forum code, e.g. `RCM`.", examples=["RCM"])
]
ActorFilter = Annotated[
    str | None,
    Query(max_length=64, description="Actor id: ISO alpha-3 for states (`CAN`), else a slug."),
]
