"""GraphQL types and root fields for money records (money a document states that is not a
pledge) and their totals, built from the read shapes REST returns."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
)
from app.graphql.types.filters import (
    MoneyRecordFilterInput,
    to_filter,
)
from app.graphql.types.source import (
    CitationType,
    InferredValueType,
    citation_types,
    inferred_values,
)
from app.models import MoneyRecord
from app.models.enums import (
    MoneyKind,
    MoneyQualifier,
)
from app.schemas.descriptions import INFERRED
from app.schemas.filters import (
    MoneyRecordFilter,
)
from app.schemas.money import CURRENCY_ASSUMED, QUALIFIER, MoneyRecordRead, MoneyTotalRead
from app.services import money_records as money_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(name="MoneyRecord", description="Money stated by a document that is not a pledge.")
class MoneyRecordType:
    id: str
    kind: MoneyKind
    payer_id: str | None
    recipient_id: str | None
    recipient_forum_code: str | None
    recipient_description: str | None
    forum_code: str | None
    programme_id: str | None
    purpose: str | None
    amount: Decimal | None
    currency: str | None
    currency_assumed: bool = strawberry.field(description=CURRENCY_ASSUMED)
    qualifier: MoneyQualifier | None = strawberry.field(description=QUALIFIER)
    share_pct: Decimal | None
    period_start: str | None
    period_end: str | None
    duration_months: int | None
    reported: str | None = strawberry.field(
        description="The date the figure stands as of, at its precision."
    )
    description: str
    note: str | None
    citations: list[CitationType]

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, record: MoneyRecord) -> MoneyRecordType:
        read = MoneyRecordRead.from_model(record)
        return cls(
            inferred=inferred_values(read.inferred),
            id=read.id,
            kind=read.kind,
            payer_id=read.payer,
            recipient_id=read.recipient,
            recipient_forum_code=read.recipient_forum,
            recipient_description=read.recipient_description,
            forum_code=read.forum,
            programme_id=read.programme,
            purpose=read.purpose,
            amount=read.amount,
            currency=read.currency,
            currency_assumed=read.currency_assumed,
            qualifier=read.qualifier,
            share_pct=read.share_pct,
            period_start=read.period_start,
            period_end=read.period_end,
            duration_months=read.duration_months,
            reported=read.reported,
            description=read.description,
            note=read.note,
            citations=citation_types(read.citations),
        )


@strawberry.type(name="MoneyTotal", description="Money records of one group, summed.")
class MoneyTotalType:
    forum_code: str | None
    programme_id: str | None
    kind: MoneyKind
    currency: str | None
    count: int
    total: Decimal | None
    currency_assumed: bool
    total_currency_assumed: Decimal | None = strawberry.field(
        description="Of `total`, what rests on an assumed currency; null exactly when `total` is."
    )

    @classmethod
    def from_read(cls, row: MoneyTotalRead) -> MoneyTotalType:
        return cls(
            forum_code=row.forum,
            programme_id=row.programme,
            kind=row.kind,
            currency=row.currency,
            count=row.count,
            total=row.total,
            currency_assumed=row.currency_assumed,
            total_currency_assumed=row.total_currency_assumed,
        )


@strawberry.type
class MoneyRecordQuery:
    @strawberry.field(description="Money the documents state that is not a pledge, by id.")
    async def money_records(
        self,
        info: Info,
        filter: MoneyRecordFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[MoneyRecordType] | None:
        criteria = to_filter(MoneyRecordFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: money_service.list_money_records(
                session, criteria, limit=limit, cursor=after
            ),
            money_service.MONEY_ORDER,
            MoneyRecordType.from_model,
            first=first,
            after=after,
        )

    @strawberry.field(description="Money records totalled by forum, programme, kind and currency.")
    async def money_record_summary(
        self, info: Info, filter: MoneyRecordFilterInput | None = None
    ) -> list[MoneyTotalType] | None:
        criteria = to_filter(MoneyRecordFilter, filter)
        async with info.context.db() as session:
            rows = await money_service.summarize_money_records(session, criteria)
        return [MoneyTotalType.from_read(row) for row in rows]
