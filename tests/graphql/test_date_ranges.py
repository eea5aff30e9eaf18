"""Date-range filters over GraphQL: partial dates and bounded starts, whole responses."""

from __future__ import annotations

import httpx

from tests.graphql import gql

WORKSHOP = "mirps-sp-technical-workshop-2022-private-sector"


async def test_a_bounded_event_in_a_partial_date_range(client: httpx.AsyncClient) -> None:
    query = """
    query ($from: String, $to: String, $certainty: Certainty) {
      events(filter: {forum: "MIRPS-SP", parent: "mirps-sp-technical-workshops-2022",
                      startFrom: $from, startTo: $to, certainty: $certainty}, first: 1) {
        totalCount possibleLeftOut edges { node { id start earliest latest certainty } }
      }
    }
    """
    workshop = {"id": WORKSHOP, "start": None, "earliest": "2022-03-01", "latest": "2022-06-30"}
    first = "mirps-sp-technical-workshop-2022-admission-reception"

    def answer(total: int, certainty: str | None, left_out: int | None) -> dict[str, object]:
        node = {**workshop, "id": first, "certainty": certainty}
        return {
            "data": {
                "events": {
                    "totalCount": total,
                    "possibleLeftOut": left_out,
                    "edges": [{"node": node}] if total else [],
                }
            }
        }

    assert await gql(client, query, **{"from": "2022"}) == answer(5, "CERTAIN", None)
    assert await gql(client, query, **{"from": "2022-06"}) == answer(5, "POSSIBLE", None)
    assert await gql(client, query, **{"from": "2022-06", "certainty": "CERTAIN"}) == answer(
        0, None, 5
    )
    assert await gql(client, query, to="2022-02") == answer(0, None, None)
    assert await gql(client, query) == answer(5, None, None)


async def test_pledges_announced_in_a_year(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          year: pledges(filter: {announcedFrom: "2022", announcedTo: "2022"}) {
            edges { node { pledgers { id } announcedOn } }
          }
          august: pledges(filter: {announcedTo: "2022-08"}) { totalCount }
          summary: pledgeSummary(groupBy: [YEAR], filter: {announcedFrom: "2022-09"}) {
            group { year } count
          }
        }""",
    )
    assert body == {
        "data": {
            "year": {
                "edges": [{"node": {"pledgers": [{"id": "CAN"}], "announcedOn": "2022-09-21"}}]
            },
            "august": {"totalCount": 0},
            "summary": [{"group": {"year": 2022}, "count": 1}],
        }
    }


async def test_a_malformed_partial_date_names_its_argument(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, '{ events(filter: {startFrom: "2023", startTo: "2022-13"}) { totalCount } }'
    )
    detail = "2022-13 is not a day, month or year of the calendar"
    assert body == {
        "data": {"events": None},
        "errors": [
            {
                "message": f"startTo: {detail}",
                "locations": [{"line": 1, "column": 3}],
                "path": ["events"],
                "extensions": {
                    "code": "invalid_parameter",
                    "errors": [{"field": "startTo", "detail": detail}],
                },
            }
        ],
    }
    refused = await gql(client, "{ events(filter: {certainty: CERTAIN}) { totalCount } }")
    (error,) = refused["errors"]
    assert (error["extensions"]["code"], error["extensions"]["errors"][0]["requires"]) == (
        "invalid_input",
        ["startFrom", "startTo"],
    )
    assert error["message"].startswith("certainty needs startFrom or startTo")
