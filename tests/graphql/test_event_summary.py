"""Events' announced totals summed over GraphQL (`eventSummary`), whole responses."""

from __future__ import annotations

import httpx

from tests.graphql import gql


async def test_event_summary_per_forum_and_year(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          all: eventSummary(groupBy: [],
                            filter: {forum: "MIRPS", kind: SOLIDARITY_EVENT, includeSubforums: true}) {
            count countWithTotal countPossible totals { currency amount qualifier events }
          }
          perYear: eventSummary(groupBy: [FORUM, SERIES, YEAR],
                                filter: {forum: "MIRPS", kind: SOLIDARITY_EVENT,
                                         includeSubforums: true, startFrom: "2021"}) {
            group { forum series year kind } count countPossible
            totals { currency amount qualifier }
          }
        }""",
    )
    assert body == {
        "data": {
            "all": [
                {
                    "count": 3,  # the further solidarity event has no total yet
                    "countWithTotal": 2,
                    "countPossible": None,
                    "totals": [
                        {
                            "currency": "USD",
                            "amount": "320000000.00",
                            "qualifier": "AT_LEAST",
                            "events": 2,
                        }
                    ],
                }
            ],
            "perYear": [
                # Undated, but bounded by Canada's chairship (July 2021 - September 2022):
                # surely after the start of 2021.
                {
                    "group": {"forum": "MIRPS", "series": None, "year": None, "kind": None},
                    "count": 1,
                    "countPossible": 0,
                    "totals": [],
                },
                {
                    "group": {"forum": "MIRPS", "series": None, "year": 2021, "kind": None},
                    "count": 1,
                    "countPossible": 0,
                    "totals": [{"currency": "USD", "amount": "110000000.00", "qualifier": "EXACT"}],
                },
                {
                    "group": {"forum": "MIRPS-SP", "series": None, "year": 2022, "kind": None},
                    "count": 1,
                    "countPossible": 0,
                    "totals": [
                        {"currency": "USD", "amount": "210000000.00", "qualifier": "AT_LEAST"}
                    ],
                },
            ],
        }
    }


async def test_event_summary_refuses_what_rest_refuses(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, '{ eventSummary(groupBy: [KIND], filter: {forum: "MIRPSX"}) { count } }'
    )
    (error,) = body["errors"]
    assert body["data"] == {"eventSummary": None}
    assert (error["extensions"]["code"], error["extensions"]["errors"][0]["field"]) == (
        "unknown_reference",
        "forum",
    )
