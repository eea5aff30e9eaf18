"""What a partner checks before pulling: data version, last change, counts, coverage."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Actor,
    Event,
    ExchangeRate,
    Forum,
    FundingShare,
    Participation,
    Pledge,
    Source,
)
from app.schemas.dates import format_partial
from app.schemas.descriptions import TERMS_NOT_STATED
from app.schemas.meta import DATA_LICENCE, Meta, SourceCoverage
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
}


async def describe(session: AsyncSession) -> Meta:
    version = await change_service.current_version(session)
    counts_query = select(
        *(
            select(func.count()).select_from(model).scalar_subquery().label(name)
            for name, model in COUNTED.items()
        )
    )
    counts = dict((await session.execute(counts_query)).one()._mapping)
    sources = list(await session.scalars(select(Source).order_by(Source.id)))
    cited = await citation_counts(session, [s.id for s in sources])
    return Meta(
        dataset_version=version.version,
        last_changed_at=version.changed_at,
        counts={name: int(value) for name, value in counts.items()},
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
