from __future__ import annotations

import httpx

from tests.graphql import gql

SOLIDARITY_2022 = "mirps-sp-solidarity-event-2022"
CANADA_REPORT = "canada-mirps-sp-chair-report-2022"


async def test_pledge_by_id_with_its_relations(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($id: Int!) { pledge(id: $id) {
              id forumCode eventId kind scope amount amountQualifier currency amountUsd
              announcedOn announcedPrecision announcedDate status gcmObjectives title
              externalRef curated version
              pledgers { id name kind }
              forum { code parent { code } }
              event { id kind start pledges { id } }
              citations { sourceId locator source { id published } }
        } }""",
        id=1,
    )
    assert body == {
        "data": {
            "pledge": {
                "id": 1,
                "forumCode": "MIRPS-SP",
                "eventId": SOLIDARITY_2022,
                "kind": "FINANCIAL",
                "scope": None,
                "amount": "13150000.00",
                "amountQualifier": "EXACT",
                "currency": "CAD",
                # 13 150 000 CAD at the 2022 annual average (0.7684032580 USD per CAD).
                "amountUsd": "10104502.84",
                "announcedOn": "2022-09-21",
                "announcedPrecision": "DAY",
                "announcedDate": "2022-09-21",
                "status": "ANNOUNCED",
                "gcmObjectives": [],
                "title": "Canadian humanitarian assistance announced at the 2022 Solidarity Event",
                "externalRef": None,
                "curated": True,
                "version": 1,
                "pledgers": [{"id": "CAN", "name": "Canada", "kind": "STATE"}],
                "forum": {"code": "MIRPS-SP", "parent": {"code": "MIRPS"}},
                "event": {
                    "id": SOLIDARITY_2022,
                    "kind": "SOLIDARITY_EVENT",
                    "start": "2022-09-21",
                    "pledges": [{"id": 1}],
                },
                "citations": [
                    {
                        "sourceId": CANADA_REPORT,
                        "locator": "1. Executive Summary, Objective 1",
                        "source": {"id": CANADA_REPORT, "published": None},
                    },
                    {
                        "sourceId": CANADA_REPORT,
                        "locator": "3. Key Results and Activities "
                        "(Solidarity Event on September 21, 2022)",
                        "source": {"id": CANADA_REPORT, "published": None},
                    },
                ],
            }
        }
    }


async def test_unknown_pledge_is_null_with_a_not_found_error(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ pledge(id: 999999) { id } }")

    assert body["data"] == {"pledge": None}
    assert [(e["extensions"]["code"], e["extensions"]["suggestions"]) for e in body["errors"]] == [
        ("not_found", [])
    ]


async def test_pledges_connection_and_filters(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          all: pledges { totalCount edges { node { id event { id } forum { code } } } }
          usd: pledges(filter: {currency: "USD"}) { totalCount edges { node { id } } }
          byPledger: pledges(filter: {pledger: "CAN", curated: true}) { edges { node { id } } }
          big: pledges(filter: {amountMin: "100000000"}) { edges { node { id amount } } }
          dated: pledges(filter: {announcedFrom: "2022-01-01", announcedTo: "2022-12-31"}) {
            edges { node { id } }
          }
          submitted: pledges(filter: {curated: false}) { totalCount }
        }""",
    )
    assert body == {
        "data": {
            "all": {
                "totalCount": 2,
                "edges": [
                    {
                        "node": {
                            "id": 1,
                            "event": {"id": SOLIDARITY_2022},
                            "forum": {"code": "MIRPS-SP"},
                        }
                    },
                    {"node": {"id": 2, "event": None, "forum": {"code": "CIREFCA"}}},
                ],
            },
            "usd": {"totalCount": 1, "edges": [{"node": {"id": 2}}]},
            "byPledger": {"edges": [{"node": {"id": 1}}]},
            "big": {"edges": [{"node": {"id": 2, "amount": "115000000.00"}}]},
            "dated": {"edges": [{"node": {"id": 1}}]},
            "submitted": {"totalCount": 0},
        }
    }


async def test_contradictory_filter_is_invalid_input(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($filter: PledgeFilterInput) {
          pledges(filter: $filter) { totalCount }
          forum(code: "CIREFCA") { pledges(filter: $filter) { id } }
        }""",
        filter={"amountMin": "10", "amountMax": "5"},
    )
    error = {
        "message": "amountMax: amountMax (5) is below amountMin (10)",
        "extensions": {
            "code": "invalid_parameter",
            "errors": [{"field": "amountMax", "detail": "amountMax (5) is below amountMin (10)"}],
        },
    }
    assert body == {
        "data": {"pledges": None, "forum": {"pledges": None}},
        "errors": [
            {**error, "locations": [{"line": 2, "column": 11}], "path": ["pledges"]},
            {
                **error,
                "locations": [{"line": 3, "column": 36}],
                "path": ["forum", "pledges"],
            },
        ],
    }


async def test_bad_decimal_is_refused_before_running(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ pledges(filter: {amountMin: "lots"}) { totalCount } }')
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["graphql_validation_failed"]


async def test_pledge_summary_by_forum(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          byForum: pledgeSummary(groupBy: [FORUM]) { ...total }
          all: pledgeSummary(groupBy: []) { ...total }
          mirpsSp: pledgeSummary(groupBy: [PLEDGER, YEAR, KIND], filter: {forum: "MIRPS-SP"}) {
            ...total
          }
        }
        fragment total on PledgeTotal {
          group { forum year kind status pledger currency }
          count amounts { currency amount } amountUsd countWithoutUsd
        }""",
    )
    no_group = {
        "forum": None,
        "year": None,
        "kind": None,
        "status": None,
        "pledger": None,
        "currency": None,
    }
    cad = {"currency": "CAD", "amount": "13150000.00"}
    usd = {"currency": "USD", "amount": "115000000.00"}
    assert body == {
        "data": {
            "byForum": [
                {
                    "group": {**no_group, "forum": "CIREFCA"},
                    "count": 1,
                    "amounts": [usd],
                    "amountUsd": "115000000.00",
                    "countWithoutUsd": 0,
                },
                {
                    "group": {**no_group, "forum": "MIRPS-SP"},
                    "count": 1,
                    "amounts": [cad],
                    "amountUsd": "10104502.84",
                    "countWithoutUsd": 0,
                },
            ],
            # Two currencies, never added together; the USD total converts each.
            "all": [
                {
                    "group": no_group,
                    "count": 2,
                    "amounts": [cad, usd],
                    "amountUsd": "125104502.84",
                    "countWithoutUsd": 0,
                }
            ],
            "mirpsSp": [
                {
                    "group": {**no_group, "pledger": "CAN", "year": 2022, "kind": "FINANCIAL"},
                    "count": 1,
                    "amounts": [cad],
                    "amountUsd": "10104502.84",
                    "countWithoutUsd": 0,
                }
            ],
        }
    }


async def test_pledge_summary_with_invalid_filter(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ pledgeSummary(groupBy: [YEAR],
                           filter: {announcedFrom: "2023-01-01", announcedTo: "2022-01-01"}) {
              count
        } }""",
    )
    assert body == {
        "data": {"pledgeSummary": None},
        "errors": [
            {
                "message": "announcedTo: announcedTo (2022-01-01) is before announcedFrom "
                "(2023-01-01)",
                "locations": [{"line": 1, "column": 3}],
                "path": ["pledgeSummary"],
                "extensions": {
                    "code": "invalid_parameter",
                    "errors": [
                        {
                            "field": "announcedTo",
                            "detail": "announcedTo (2022-01-01) is before announcedFrom "
                            "(2023-01-01)",
                        }
                    ],
                },
            }
        ],
    }


async def test_pledges_sorted_newest_first_page_by_page(client: httpx.AsyncClient) -> None:
    query = """query ($sort: PledgeSort!, $after: String) {
      pledges(sort: $sort, first: 1, after: $after) {
        edges { node { id announcedOn } } pageInfo { hasNextPage endCursor }
      }
    }"""
    first = await gql(client, query, sort="ANNOUNCED_DESC")
    page = first["data"]["pledges"]
    assert page["edges"] == [{"node": {"id": 1, "announcedOn": "2022-09-21"}}]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await gql(client, query, sort="ANNOUNCED_DESC", after=page["pageInfo"]["endCursor"])
    assert [edge["node"]["id"] for edge in second["data"]["pledges"]["edges"]] == [2]
    assert second["data"]["pledges"]["pageInfo"]["hasNextPage"] is False
    oldest = await gql(client, query, sort="ANNOUNCED")
    assert [edge["node"]["id"] for edge in oldest["data"]["pledges"]["edges"]] == [2]
