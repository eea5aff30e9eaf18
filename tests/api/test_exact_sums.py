"""Totals keep every cent on both engines.

SQLite stores a NUMERIC as a double, and its ``sum()`` adds doubles: the twenty
amounts below, each of at most fifteen significant digits (the most an amount may
have, ``schemas.pledge.MAX_WHOLE_DIGITS``), came to ...049.22 in these summaries
where the exact sum is ...049.20. Each total here is checked against the sum of the amounts as Decimals,
over REST and GraphQL, for pledges and for money records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MoneyRecord, Pledge
from app.models.enums import MoneyKind
from tests.api.helpers import get_json
from tests.factories import Key, data_changed, make_api_key, pledge_body

AMOUNTS = [
    "9999999999999.99",
    "9999999999999.98",
    "1234567890123.45",
    "0.01",
    "8888888888888.87",
] * 4
EXACT = sum(map(Decimal, AMOUNTS))
YEAR = {"announced_from": "2019-01-01", "announced_to": "2019-12-31"}


def test_these_amounts_lose_a_cent_as_doubles() -> None:
    """The premise: added as doubles, as SQLite's sum() adds them, they miss a cent."""
    as_doubles = sum(float(amount) for amount in AMOUNTS)
    assert Decimal("120493827116049.20") == EXACT
    assert Decimal(as_doubles).quantize(Decimal("0.01")) != EXACT


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="exact sums")


async def _submit(client: httpx.AsyncClient, writer: Key, currency: str) -> None:
    for index, amount in enumerate(AMOUNTS):
        response = await client.post(
            "/v1/pledges",
            json=pledge_body(
                amount=amount,
                currency=currency,
                event=None,
                announced_on="2019-05-05",
                external_ref=f"exact-{currency}-{index}",
            ),
            headers=writer.headers,
        )
        assert response.status_code == 201, response.text


def _currency_group(summary: dict[str, Any], currency: str) -> dict[str, Any]:
    groups: list[dict[str, Any]] = [g for g in summary["groups"] if g["currency"] == currency]
    (group,) = groups
    return group


async def _usd_figures(client: httpx.AsyncClient) -> list[Decimal]:
    """The year's USD totals: amount, amount submitted, USD, USD submitted (zero when the
    year has no USD pledge)."""
    summary = await get_json(
        client, "/v1/pledges/summary", group_by="currency", currency="USD", **YEAR
    )
    if not summary["groups"]:
        return [Decimal(0)] * 4
    group = _currency_group(summary, "USD")
    (amount,) = group["amounts"]
    return [
        Decimal(figure)
        for figure in (
            amount["amount"],
            amount["amount_submitted"],
            group["amount_usd"],
            group["amount_usd_submitted"],
        )
    ]


async def test_pledge_totals_keep_every_cent(client: httpx.AsyncClient, writer: Key) -> None:
    before = await _usd_figures(client)
    await _submit(client, writer, "USD")
    after = await _usd_figures(client)
    # A USD pledge's USD equivalent is its amount: the USD totals take the same sum.
    assert [a - b for a, b in zip(after, before, strict=True)] == [EXACT] * 4


async def test_a_currency_of_its_own_totals_exactly_over_graphql(
    client: httpx.AsyncClient, writer: Key
) -> None:
    await _submit(client, writer, "XOF")
    rest = _currency_group(
        await get_json(client, "/v1/pledges/summary", group_by="currency", currency="XOF", **YEAR),
        "XOF",
    )
    assert rest["count"] == len(AMOUNTS)
    assert rest["amounts"] == [
        {
            "currency": "XOF",
            "amount": str(EXACT),
            "amount_submitted": str(EXACT),
            "amount_currency_assumed": "0.00",
        }
    ]
    response = await client.post(
        "/graphql",
        json={
            "query": """{ pledgeSummary(groupBy: [CURRENCY], filter: {currency: "XOF",
                announcedFrom: "2019-01-01", announcedTo: "2019-12-31"}) {
                group { currency } count amounts { currency amount amountSubmitted } } }"""
        },
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["pledgeSummary"] == [
        {
            "group": {"currency": "XOF"},
            "count": len(AMOUNTS),
            "amounts": [{"currency": "XOF", "amount": str(EXACT), "amountSubmitted": str(EXACT)}],
        }
    ]


async def test_money_record_totals_keep_every_cent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    session.add_all(
        MoneyRecord(
            id=f"exact-sum-{index}",
            kind=MoneyKind.BUDGET,
            description="A budget line of a test, summed with the others.",
            forum_code="MIRPS",
            amount=Decimal(amount),
            currency="XOF",
            currency_assumed=index % 2 == 0,
        )
        for index, amount in enumerate(AMOUNTS)
    )
    await data_changed(session)
    await session.commit()
    body = await get_json(client, "/v1/money-records/summary", currency="XOF")
    (group,) = body["groups"]
    assumed = sum(Decimal(amount) for amount in AMOUNTS[::2])
    assert (group["count"], group["total"], group["total_currency_assumed"]) == (
        len(AMOUNTS),
        str(EXACT),
        str(assumed),
    )


async def test_a_total_past_exact_range_is_refused_not_rounded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """9,300 pledges of the largest amount: 92,999,999,999,999,907.00 in all. PostgreSQL
    adds them up exactly; on SQLite the sum passes 2**63 cents, and the answer is a 400
    naming the problem, never a rounded total."""
    largest = Decimal("9999999999999.99")
    count = 9_300
    await session.execute(
        insert(Pledge),
        [
            {
                "kind": "financial",
                "title": f"Largest pledge {index}",
                "amount": largest,
                "currency": "XOF",
                "announced_date": dt.date(2019, 5, 5),
                "announced_precision": "day",
            }
            for index in range(count)
        ],
    )
    await data_changed(session)
    await session.commit()
    params = {"group_by": "currency", "currency": "XOF", **YEAR}
    response = await client.get("/v1/pledges/summary", params=params)
    graphql = await client.post(
        "/graphql",
        json={
            "query": """{ pledgeSummary(groupBy: [CURRENCY], filter: {currency: "XOF",
                announcedFrom: "2019-01-01", announcedTo: "2019-12-31"}) {
                amounts { amount } } }"""
        },
    )
    if session.get_bind().dialect.name == "postgresql":
        assert response.status_code == 200, response.text
        (group,) = response.json()["groups"]
        assert group["amounts"][0]["amount"] == str(largest * count)
        assert graphql.json()["data"]["pledgeSummary"] == [
            {"amounts": [{"amount": str(largest * count)}]}
        ]
        return
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "total_out_of_range"
    (error,) = graphql.json()["errors"]
    assert error["extensions"]["code"] == "total_out_of_range"


async def test_summary_groups_put_unknown_values_first_on_both_engines(
    client: httpx.AsyncClient,
) -> None:
    """The curated data has pledges with no announced date: their group comes first, as
    in every list, and not last as PostgreSQL orders NULLs by default."""
    years = [
        group["year"]
        for group in (await get_json(client, "/v1/pledges/summary", group_by="year"))["groups"]
    ]
    assert years[0] is None
    assert None not in years[1:]
    assert years[1:] == sorted(years[1:])
    response = await client.post(
        "/graphql", json={"query": "{ pledgeSummary(groupBy: [YEAR]) { group { year } } }"}
    )
    assert [row["group"]["year"] for row in response.json()["data"]["pledgeSummary"]] == years
