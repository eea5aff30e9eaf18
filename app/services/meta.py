"""What a partner checks before pulling: data version, last change, counts, coverage.

Two times answer "how fresh": ``last_changed_at`` is when the data version last moved
(a write, or a curated reload that changed something: on a fresh install, when
``migov data load`` ran); ``data_changed_at`` is when the data itself last changed: the
later of the day the curated dataset was last changed (``updated`` in
``data/dataset.yaml``, stored by the last load) and the commit of the newest write
through the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Actor,
    Change,
    DataVersion,
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
from app.models.enums import ChangeOrigin
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


@dataclass(frozen=True)
class DataChanged:
    """When the data itself last changed, and what changed it."""

    at: dt.datetime | None
    origin: ChangeOrigin | None
    curated_updated: dt.date | None
    last_api_write_at: dt.datetime | None

    @property
    def curated_day(self) -> dt.date | None:
        """The curated dataset's day when it is what last changed the data (``at`` is
        then that day's start, a day being all the dataset states)."""
        return self.curated_updated if self.origin is ChangeOrigin.CURATED else None


def _newest(origin: ChangeOrigin) -> Select[dt.datetime]:
    return (
        select(Change.changed_at)
        .where(Change.origin == origin)
        .order_by(Change.version.desc(), Change.id.desc())
        .limit(1)
    )


async def data_changed(session: AsyncSession) -> DataChanged:
    """The later of the curated dataset's day (counted from 00:00 UTC, and only once
    curated data is loaded) and the commit of the newest write through the API. Without
    an ``updated`` day, the curated side is the commit of the last curated change."""
    curated_updated = await session.scalar(
        select(DataVersion.curated_updated).where(DataVersion.id == 1)
    )
    newest_api = await session.scalar(_newest(ChangeOrigin.API))
    newest_curated = await session.scalar(_newest(ChangeOrigin.CURATED))
    candidates: list[tuple[dt.datetime, ChangeOrigin]] = []
    if newest_curated is not None:
        curated_at = (
            dt.datetime.combine(curated_updated, dt.time(), tzinfo=dt.UTC)
            if curated_updated is not None
            else newest_curated
        )
        candidates.append((curated_at, ChangeOrigin.CURATED))
    if newest_api is not None:
        candidates.append((newest_api, ChangeOrigin.API))
    at, origin = max(candidates, key=lambda c: c[0]) if candidates else (None, None)
    return DataChanged(
        at=at,
        origin=origin,
        curated_updated=curated_updated if newest_curated is not None else None,
        last_api_write_at=newest_api,
    )


async def freshness(session: AsyncSession) -> dict[str, Any]:
    """The data version and when the data changed, by the names both adapters give them
    (``Meta`` over REST, ``DatasetMeta`` over GraphQL)."""
    version = await change_service.current_version(session)
    changed = await data_changed(session)
    return {
        "dataset_version": version.version,
        "last_changed_at": version.changed_at,
        "data_changed_at": changed.at,
        "data_changed_by": changed.origin.value if changed.origin is not None else None,
        "curated_updated": changed.curated_updated,
        "last_api_write_at": changed.last_api_write_at,
    }


async def describe(
    session: AsyncSession,
    resources: Sequence[ResourceLink] = (),
) -> Meta:
    """The dataset's version, counts and coverage; each of ``resources`` (the API's
    collections) with the count of records it lists, where it lists one entity; and when
    the data last changed."""
    fresh = await freshness(session)
    counts = await entity_counts(session)
    sources = list(await session.scalars(select(Source).order_by(Source.id)))
    cited = await citation_counts(session, [s.id for s in sources])
    return Meta(
        **fresh,
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
