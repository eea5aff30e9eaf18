"""Honest time through GraphQL: certainty, bounds and undecided offices, whole responses."""

from __future__ import annotations

from typing import Any

import httpx

from tests.graphql import gql

CANADA_REPORT = "canada-mirps-sp-chair-report-2022"
FACT_SHEET = "ircc-imcbp-factsheet-2019"

PARTICIPANTS = """
query ($code: String!, $role: Role!, $asOf: Date!, $certainty: Certainty) {
  forum(code: $code) {
    participants(asOf: $asOf, role: [$role], certainty: $certainty) {
      actorId holderStatus certainty start end
      startEarliest startLatest endEarliest endLatest lastConfirmed lastConfirmedSource
    }
  }
}
"""


def row(actor: str | None, certainty: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "actorId": actor,
        "holderStatus": "NAMED" if actor else "UNDECIDED",
        "certainty": certainty,
        "start": None,
        "end": None,
        "startEarliest": None,
        "startLatest": None,
        "endEarliest": None,
        "endLatest": None,
        "lastConfirmed": None,
        "lastConfirmedSource": None,
    }
    return {**base, **fields}


async def participants(
    client: httpx.AsyncClient, code: str, role: str, as_of: str, certainty: str | None = None
) -> dict[str, Any]:
    return await gql(client, PARTICIPANTS, code=code, role=role, asOf=as_of, certainty=certainty)


def answer(rows: list[dict[str, object]]) -> dict[str, object]:
    return {"data": {"forum": {"participants": rows}}}


async def test_world_bank_absent_from_platform_members_in_mid_2020(
    client: httpx.AsyncClient,
) -> None:
    body = await participants(client, "MIRPS-SP", "MEMBER", "2020-06-01")
    ids = [r["actorId"] for r in body["data"]["forum"]["participants"]]
    assert "world-bank" not in ids
    assert "ARG" in ids
    sure = await participants(client, "MIRPS-SP", "MEMBER", "2020-06-01", "CERTAIN")
    assert "world-bank" not in [r["actorId"] for r in sure["data"]["forum"]["participants"]]


async def test_sica_belize_in_1995_is_only_possible(client: httpx.AsyncClient) -> None:
    body = await participants(client, "SICA", "ASSOCIATE", "1995-01-01")
    assert body == answer(
        [
            row(
                "DOM",
                "POSSIBLE",
                startEarliest="1991-01-01",
                startLatest="2021-10-31",
                endEarliest="2021-10-02",
                lastConfirmed="2021-10-01",
                lastConfirmedSource="wrmc-2021-regional-cooperation",
            )
        ]
    )
    members = await participants(client, "SICA", "MEMBER", "1995-01-01")
    belize = [r for r in members["data"]["forum"]["participants"] if r["actorId"] == "BLZ"]
    assert [r["certainty"] for r in belize] == ["POSSIBLE"]
    assert await participants(client, "SICA", "MEMBER", "1995-01-01", "CERTAIN") == answer([])


async def test_igc_chair_late_2020_possible_mid_2021_absent(client: httpx.AsyncClient) -> None:
    canada = row(
        "CAN",
        "POSSIBLE",
        start="2019",
        end="2020",
        startEarliest="2019-01-01",
        startLatest="2019-11-30",  # the fact sheet dates from November 2019 at the latest,
        endEarliest="2020-01-01",
        endLatest="2021-01-01",
    )
    assert await participants(client, "IGC", "CHAIR", "2020-12-15") == answer([canada])
    assert await participants(client, "IGC", "CHAIR", "2020-12-15", "CERTAIN") == answer([])
    assert await participants(client, "IGC", "CHAIR", "2021-06-01") == answer([])


async def test_m5_chair_in_2026(client: httpx.AsyncClient) -> None:
    assert await participants(client, "M5", "CHAIR", "2026-01-01") == answer(
        [
            row(
                "CAN",
                "POSSIBLE",
                start="2019-11",
                startEarliest="2019-11-01",
                startLatest="2019-11-30",
                endEarliest="2019-11-01",
                lastConfirmed="2019-01-01",
                lastConfirmedSource=FACT_SHEET,
            )
        ]
    )


async def test_undecided_incoming_chair_with_its_citation(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """
        query {
          forum(code: "MIRPS-SP") {
            participants(asOf: "2023-01-01", role: [INCOMING_CHAIR]) {
              actorId actor { id } holderStatus role certainty start disputed
              citations { sourceId locator }
            }
          }
        }
        """,
    )
    assert body == {
        "data": {
            "forum": {
                "participants": [
                    {
                        "actorId": None,
                        "actor": None,
                        "holderStatus": "UNDECIDED",
                        "role": "INCOMING_CHAIR",
                        "certainty": "POSSIBLE",
                        "start": "2022-09-21",
                        "disputed": False,
                        "citations": [
                            {
                                "sourceId": CANADA_REPORT,
                                "locator": "3. Key Results and Activities, footnote 2 "
                                "(Incoming Chair TBD)",
                            }
                        ],
                    }
                ]
            }
        }
    }


async def test_actors_member_of_carry_the_weakest_certainty(client: httpx.AsyncClient) -> None:
    query = """
    query ($certainty: Certainty) {
      actors(filter: {memberOf: ["MIRPS-SP", "RCM"], asOf: "2020-06-01", certainty: $certainty}) {
        totalCount edges { node { id certainty } }
      }
    }
    """
    assert await gql(client, query) == {
        "data": {
            "actors": {
                "totalCount": 2,
                "edges": [
                    {"node": {"id": "CAN", "certainty": "CERTAIN"}},
                    {"node": {"id": "USA", "certainty": "POSSIBLE"}},
                ],
            }
        }
    }
    assert await gql(client, query, certainty="CERTAIN") == {
        "data": {
            "actors": {"totalCount": 1, "edges": [{"node": {"id": "CAN", "certainty": "CERTAIN"}}]}
        }
    }


async def test_participations_filter_by_certainty(client: httpx.AsyncClient) -> None:
    query = """
    query ($certainty: Certainty) {
      participations(filter: {forum: "M5", asOf: "2021-01-01", certainty: $certainty}) {
        totalCount edges { node { actorId role certainty } }
      }
    }
    """
    body = await gql(client, query)
    assert body == {
        "data": {
            "participations": {
                "totalCount": 6,
                "edges": [
                    {"node": {"actorId": "CAN", "role": "CHAIR", "certainty": "POSSIBLE"}},
                    *(
                        {"node": {"actorId": actor, "role": "MEMBER", "certainty": "POSSIBLE"}}
                        for actor in ("AUS", "CAN", "GBR", "NZL", "USA")
                    ),
                ],
            }
        }
    }
    assert await gql(client, query, certainty="CERTAIN") == {
        "data": {"participations": {"totalCount": 0, "edges": []}}
    }


async def test_bad_certainty_is_a_graphql_error(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        'query { participations(filter: {asOf: "2021-01-01", certainty: MAYBE}) { totalCount } }',
    )
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "graphql_validation_failed"
    assert "certainty" in error["message"].lower() or "MAYBE" in error["message"]


async def test_certainty_without_a_day_is_refused(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, "query { participations(filter: {certainty: CERTAIN}) { totalCount } }"
    )
    assert body == {
        "data": {"participations": None},
        "errors": [
            {
                "message": "certainty needs asOf: a period is certain or possible on a given day.",
                "locations": [{"line": 1, "column": 9}],
                "path": ["participations"],
                "extensions": {
                    "code": "invalid_input",
                    "field": "certainty",
                    "errors": [
                        {
                            "field": "certainty",
                            "detail": "certainty needs asOf: a period is certain or possible "
                            "on a given day.",
                            "requires": ["asOf"],
                        }
                    ],
                },
            }
        ],
    }


async def test_actors_carry_the_weakest_condition_and_what_set_it(
    client: httpx.AsyncClient,
) -> None:
    query = """
    query ($certainty: Certainty) {
      actors(filter: {hasRole: "GCM:champion", memberOf: "MIRPS", asOf: "2022-01-01",
                      certainty: $certainty}) {
        totalCount edges { node { id certainty certaintySetBy { argument value } } }
      }
    }
    """
    champion = {"argument": "hasRole", "value": "GCM:champion"}

    def node(actor: str, *set_by: dict[str, str]) -> dict[str, object]:
        return {"node": {"id": actor, "certainty": "POSSIBLE", "certaintySetBy": list(set_by)}}

    assert await gql(client, query) == {
        "data": {
            "actors": {
                "totalCount": 4,
                "edges": [
                    node("CRI", champion),
                    node("HND", champion),
                    node("MEX", champion),
                    node("SLV", {"argument": "memberOf", "value": "MIRPS"}, champion),
                ],
            }
        }
    }
    assert await gql(client, query, certainty="CERTAIN") == {
        "data": {"actors": {"totalCount": 0, "edges": []}}
    }


async def test_actor_certainty_without_a_day_is_refused_in_graphql_words(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(
        client, '{ actors(filter: {memberOf: "M5", certainty: CERTAIN}) { totalCount } }'
    )
    detail = "certainty needs asOf: a role is certain or possible on a given day."
    assert body == {
        "data": {"actors": None},
        "errors": [
            {
                "message": detail,
                "locations": [{"line": 1, "column": 3}],
                "path": ["actors"],
                "extensions": {
                    "code": "invalid_input",
                    "field": "certainty",
                    "errors": [{"field": "certainty", "detail": detail, "requires": ["asOf"]}],
                },
            }
        ],
    }


async def test_an_empty_certain_connection_says_how_many_possible_rows_it_left_out(
    client: httpx.AsyncClient,
) -> None:
    query = """
    query ($certainty: Certainty) {
      participations(filter: {forum: "SICA", asOf: "2022-01-01", certainty: $certainty}) {
        totalCount possibleLeftOut
      }
      actors(filter: {hasRole: "GCM:champion", memberOf: "MIRPS", asOf: "2022-01-01",
                      certainty: $certainty}) {
        totalCount possibleLeftOut
      }
      forums(first: 1) { possibleLeftOut }
    }
    """
    everything = await gql(client, query)
    sica = everything["data"]["participations"]["totalCount"]
    assert sica > 0
    assert everything == {
        "data": {
            "participations": {"totalCount": sica, "possibleLeftOut": None},
            "actors": {"totalCount": 4, "possibleLeftOut": None},
            "forums": {"possibleLeftOut": None},
        }
    }
    assert await gql(client, query, certainty="CERTAIN") == {
        "data": {
            "participations": {"totalCount": 0, "possibleLeftOut": sica},
            "actors": {"totalCount": 0, "possibleLeftOut": 4},
            "forums": {"possibleLeftOut": None},
        }
    }
