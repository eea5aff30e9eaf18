"""Date-range filters over REST: a day, a month or a year, and starts known only within bounds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import get_json, walk

WORKSHOP = "mirps-sp-technical-workshop-2022-private-sector"  # in its series' window: Mar-Jun 2022
SOLIDARITY_2022 = "mirps-sp-solidarity-event-2022"


def judged(events: list[dict[str, Any]]) -> dict[str, str]:
    return {e["id"]: e["certainty"] for e in events}


async def test_a_year_or_month_means_its_first_or_last_day(client: httpx.AsyncClient) -> None:
    as_days = await walk(client, "/v1/events", start_from="2022-01-01", start_to="2022-12-31")
    as_year = await walk(client, "/v1/events", start_from="2022", start_to="2022")
    assert as_year == as_days
    as_months = await walk(client, "/v1/events", start_from="2022-03", start_to="2022-06")
    as_month_days = await walk(client, "/v1/events", start_from="2022-03-01", start_to="2022-06-30")
    assert as_months == as_month_days
    assert SOLIDARITY_2022 in judged(as_year)
    assert SOLIDARITY_2022 not in judged(as_months)


async def test_a_bounded_event_matches_as_possible(client: httpx.AsyncClient) -> None:
    workshop = await get_json(client, f"/v1/events/{WORKSHOP}")
    assert (workshop["start"], workshop["earliest"], workshop["latest"]) == (
        None,
        "2022-03-01",
        "2022-06-30",
    )
    # Its start lies somewhere from March to June 2022.
    assert judged(await walk(client, "/v1/events", start_from="2022"))[WORKSHOP] == "certain"
    assert judged(await walk(client, "/v1/events", start_from="2022-06"))[WORKSHOP] == "possible"
    assert judged(await walk(client, "/v1/events", start_to="2022-03-15"))[WORKSHOP] == "possible"
    assert WORKSHOP not in judged(await walk(client, "/v1/events", start_to="2022-02"))
    assert WORKSHOP not in judged(await walk(client, "/v1/events", start_from="2022-07-01"))
    # A month-precision start is possible in part of its month, certain in all of it.
    may = judged(await walk(client, "/v1/events", start_from="2022-05-15", start_to="2022-05"))
    assert may["mirps-sp-signature-event-2022"] == "possible"
    whole = judged(await walk(client, "/v1/events", start_from="2022-05", start_to="2022-05"))
    assert whole["mirps-sp-signature-event-2022"] == "certain"


async def test_certain_keeps_the_sure_starts_and_counts_the_rest(
    client: httpx.AsyncClient,
) -> None:
    params = {"start_from": "2022-06", "start_to": "2022"}
    every = await walk(client, "/v1/events", **params)
    sure = await get_json(client, "/v1/events", certainty="certain", limit=500, **params)
    assert [e["id"] for e in sure["items"]] == [
        e["id"] for e in every if e["certainty"] == "certain"
    ]
    assert WORKSHOP not in judged(sure["items"])
    assert sure["possible_left_out"] == sum(e["certainty"] == "possible" for e in every) > 0
    unjudged = await get_json(client, "/v1/events", forum="MIRPS")
    assert unjudged["possible_left_out"] is None
    assert {e["certainty"] for e in unjudged["items"]} == {None}


async def test_certainty_needs_a_range(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events", params={"certainty": "certain"})
    body = response.json()
    assert (response.status_code, body["code"], body["errors"][0]["requires"]) == (
        400,
        "invalid_input",
        ["start_from", "start_to"],
    )


async def test_pledges_announced_in_a_year_or_month(client: httpx.AsyncClient) -> None:
    def ids(body: dict[str, Any]) -> list[int]:
        return [p["id"] for p in body["items"]]

    canada = await get_json(client, "/v1/pledges", announced_from="2022")
    assert [(p["pledgers"][0]["id"], p["announced_on"]) for p in canada["items"]] == [
        ("CAN", "2022-09-21")
    ]
    assert ids(await get_json(client, "/v1/pledges", announced_to="2022-09")) == ids(canada)
    assert ids(await get_json(client, "/v1/pledges", announced_to="2022-08")) == []
    assert ids(await get_json(client, "/v1/pledges", announced_from="2022-10")) == []
    summary = await get_json(
        client, "/v1/pledges/summary", announced_from="2022", announced_to="2022"
    )
    assert [(g["count"], g["amounts"]) for g in summary["groups"]] == [
        (
            1,
            [
                {
                    "currency": "CAD",
                    "amount": "13150000.00",
                    "amount_submitted": "0.00",
                    "amount_currency_assumed": "0.00",
                }
            ],
        )
    ]


@pytest.mark.parametrize(
    ("path", "params", "field", "detail"),
    [
        ("/v1/events", {"start_from": "2022-13"}, "start_from", "2022-13 is not a day"),
        ("/v1/events", {"start_to": "22"}, "start_to", "expected YYYY, YYYY-MM or YYYY-MM-DD"),
        ("/v1/pledges", {"announced_from": "2022-02-30"}, "announced_from", "2022-02-30"),
        (
            "/v1/events",
            {"start_from": "2023", "start_to": "2022"},
            "start_to",
            "start_to (2022-12-31) is before start_from (2023-01-01)",
        ),
        ("/v1/participations", {"as_of": "2022"}, "as_of", "YYYY-MM-DD"),
    ],
)
async def test_a_malformed_date_names_its_parameter(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str, detail: str
) -> None:
    response = await client.get(path, params=params)
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "invalid_parameter")
    assert [e["field"] for e in body["errors"]] == [field]
    assert detail in body["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/events", {"start_from": "0001", "start_to": "9999-12", "certainty": "certain"}),
        ("/v1/events/summary", {"start_to": "9999-12-31", "certainty": "certain"}),
        ("/v1/pledges", {"announced_from": "0001-01", "announced_to": "9999"}),
    ],
)
async def test_ranges_reach_the_edges_of_the_calendar(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    # December 9999's last day is the calendar's last: no day after it to compute.
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
