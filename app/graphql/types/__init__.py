"""GraphQL object types, one module per aggregate.

Importing the package publishes the domain's enums (``app.models.enums``) under
their own names. strawberry registers each class in place, so fields annotate
with the domain enum itself; GraphQL values are the upper-case member names.
"""

import strawberry

from app.models.enums import (
    ActorKind,
    AmountQualifier,
    DatePrecision,
    EventKind,
    ForumKind,
    ForumScope,
    HostRole,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
    Role,
)
from app.schemas.event import EventSummaryKey
from app.schemas.pledge import SummaryKey
from app.services.pledges import PledgeSort

for _enum in (
    ActorKind,
    AmountQualifier,
    DatePrecision,
    EventKind,
    ForumKind,
    ForumScope,
    HostRole,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
    Role,
):
    strawberry.enum(_enum, name=_enum.__name__)
strawberry.enum(SummaryKey, name="PledgeSummaryKey", description="What pledge totals group by.")
strawberry.enum(
    EventSummaryKey, name="EventSummaryKey", description="What events' announced totals group by."
)
strawberry.enum(
    PledgeSort,
    name="PledgeSort",
    description="Pledge orderings: `_DESC` for descending; each ends on the id, so it is total.",
)
