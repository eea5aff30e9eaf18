"""What a partner checks before pulling: data version, last change, counts, coverage."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Actor,
    Dispute,
    Event,
    ExchangeRate,
    Forum,
    FundingShare,
    GovernanceChange,
    MoneyRecord,
    ParticipantCount,
    Participation,
    Pledge,
    Programme,
    Source,
)
from app.schemas.dates import format_partial
from app.schemas.descriptions import TERMS_NOT_STATED
from app.schemas.index import ResourceLink
from app.schemas.meta import DATA_LICENCE, Meta, ResourceCount, SourceCoverage
from app.services import changes as change_service
from app.services.sources import citation_counts

COUNTED = {
    "forums": Forum,
    "actors": Actor,
    "participations": Participation,
    "funding_shares": FundingShare,
    "events": Event,
    "pledges": Pledge,
    "sources": Source,
    "exchange_rates": ExchangeRate,
    "disputes": Dispute,
    "programmes": Programme,
    "money_records": MoneyRecord,
    "participant_counts": ParticipantCount,
    "governance_changes": GovernanceChange,
}


async def entity_counts(session: AsyncSession) -> dict[str, int]:
    """Records per entity, in one statement."""
    counts_query = select(
        *(
            select(func.count()).select_from(model).scalar_subquery().label(name)
            for name, model in COUNTED.items()
        )
    )
    counts = (await session.execute(counts_query)).one()._mapping
    return {name: int(value) for name, value in counts.items()}


async def describe(session: AsyncSession, resources: Sequence[ResourceLink] = ()) -> Meta:
    """The dataset's version, counts and coverage; each of ``resources`` (the API's
    collections) with the count of records it lists, where it lists one entity."""
    version = await change_service.current_version(session)
    counts = await entity_counts(session)
    sources = list(await session.scalars(select(Source).order_by(Source.id)))
    cited = await citation_counts(session, [s.id for s in sources])
    return Meta(
        dataset_version=version.version,
        last_changed_at=version.changed_at,
        counts=counts,
        resources=[
            ResourceCount(**r.model_dump(), count=counts.get(r.name.replace("-", "_")))
            for r in resources
        ],
        sources=[
            SourceCoverage(
                id=s.id,
                title=s.title,
                published=format_partial(s.published_date, s.published_precision),
                terms=s.terms or TERMS_NOT_STATED,
                cited_by=cited.get(s.id, {}),
            )
            for s in sources
        ],
        licence=DATA_LICENCE,
    )
