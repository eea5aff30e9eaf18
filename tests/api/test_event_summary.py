"""Events' announced totals summed per group and currency over REST (`/v1/events/summary`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Event
from app.models.enums import DatePrecision
from tests.api.helpers import get_json

SOLIDARITY = {"forum": "MIRPS", "kind": "solidarity_event", "include_subforums": "true"}


def group(**values: Any) -> dict[str, Any]:
    keys = {"forum": None, "series": None, "year": None, "kind": None, "count_possible": None}
    return {**keys, **values}


async def test_mirps_solidarity_events_announced_at_least_320_million(
    client: httpx.AsyncClient,
) -> None:
    body = await get_json(client, "/v1/events/summary", **SOLIDARITY)
    # Three solidarity events; the further one announced under Canada's chairship has
    # no total yet, so two carry the sum.
    assert body == {
        "group_by": [],
        "groups": [
            group(
                count=3,
                count_with_total=2,
                totals=[
                    {
                        "currency": "USD",
                        "amount": "320000000.00",
                        "qualifier": "at_least",
                        "events": 2,
                    }
                ],
            )
        ],
    }
    by_year = await get_json(client, "/v1/events/summary", group_by="forum,year", **SOLIDARITY)
    assert by_year == {
        "group_by": ["forum", "year"],
        "groups": [
            group(forum="MIRPS", count=1, count_with_total=0, totals=[]),  # not dated yet
            group(
                forum="MIRPS",
                year=2021,
                count=1,
                count_with_total=1,
                totals=[
                    {"currency": "USD", "amount": "110000000.00", "qualifier": "exact", "events": 1}
                ],
            ),
            group(
                forum="MIRPS-SP",
                year=2022,
                count=1,
                count_with_total=1,
                totals=[
                    {
                        "currency": "USD",
                        "amount": "210000000.00",
                        "qualifier": "at_least",
                        "events": 1,
                    }
                ],
            ),
        ],
    }
    # Not the pledge summary: the one pledge recorded at the 2022 event is CAD 13.15 million.
    pledges = await get_json(client, "/v1/pledges/summary", forum="MIRPS", include_subforums="true")
    assert [g["amounts"] for g in pledges["groups"]] == [
        [
            {
                "currency": "CAD",
                "amount": "13150000.00",
                "amount_submitted": "0.00",
                "amount_currency_assumed": "0.00",
            }
        ]
    ]


async def test_series_group_their_occurrences(client: httpx.AsyncClient) -> None:
    body = await get_json(
        client, "/v1/events/summary", group_by="series", parent="mirps-sp-technical-workshops-2022"
    )
    assert body["groups"] == [
        group(series="mirps-sp-technical-workshops-2022", count=5, count_with_total=0, totals=[])
    ]


async def test_currencies_are_never_added_and_a_sum_is_as_weak_as_its_parts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    totals = [
        ("1000000.10", "EUR", "exact"),
        ("2000000.20", "EUR", "at_least"),
        ("300.00", "CAD", "exact"),
        ("400.00", "CAD", "approximate"),
        ("500.00", "CAD", "at_least"),
        ("7.00", "GBP", "exact"),
    ]
    session.add_all(
        Event(
            id=f"summary-test-{i}",
            forum_code="GFMD",
            name=f"Summary test {i}",
            kind="high_level_event",
            start_date=dt.date(2030, 1 + i, 1),
            start_precision=DatePrecision.MONTH,
            announced_total_amount=Decimal(amount),
            announced_total_currency=currency,
            announced_total_qualifier=qualifier,
        )
        for i, (amount, currency, qualifier) in enumerate(totals)
    )
    await session.flush()
    body = await get_json(client, "/v1/events/summary", forum="GFMD", start_from="2030")
    assert body["groups"] == [
        group(
            count=6,
            count_with_total=6,
            count_possible=0,
            totals=[
                {"currency": "CAD", "amount": "1200.00", "qualifier": "approximate", "events": 3},
                {"currency": "EUR", "amount": "3000000.30", "qualifier": "at_least", "events": 2},
                {"currency": "GBP", "amount": "7.00", "qualifier": "exact", "events": 1},
            ],
        )
    ]
    # A range counts what may start in it, and says how much of it only may.
    mid = await get_json(
        client, "/v1/events/summary", forum="GFMD", start_from="2030-03-15", group_by="year"
    )
    assert [(g["year"], g["count"], g["count_possible"]) for g in mid["groups"]] == [(2030, 4, 1)]
    sure = await get_json(
        client,
        "/v1/events/summary",
        forum="GFMD",
        start_from="2030-03-15",
        certainty="certain",
    )
    assert [(g["count"], g["count_possible"]) for g in sure["groups"]] == [(3, 0)]


async def test_the_summary_as_csv_and_its_refusals(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/events/summary", params={"format": "csv", "group_by": "forum", **SOLIDARITY}
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="event-summary.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["forum"], r["count"], r["totals_json"]) for r in rows] == [
        (
            "MIRPS",
            "2",
            '[{"currency":"USD","amount":"110000000.00","qualifier":"exact","events":1}]',
        ),
        (
            "MIRPS-SP",
            "1",
            '[{"currency":"USD","amount":"210000000.00","qualifier":"at_least","events":1}]',
        ),
    ]
    for params, field in (
        ({"group_by": "pledger"}, "group_by"),
        ({"forum": "MIRPSX"}, "forum"),
        ({"certainty": "certain"}, "certainty"),
    ):
        refused = await client.get("/v1/events/summary", params=params)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == field
