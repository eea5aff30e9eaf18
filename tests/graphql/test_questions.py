"""The analyst's questions of tests/api/test_questions.py, each in one GraphQL request.

The filters are built from the same pydantic models as REST's, so the answers and
the refusals (codes included) are the same.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_pledge_without_amount
from tests.graphql import gql


async def test_three_rcm_shares_add_to_85(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ fundingShares(filter: {forum: "rcm", actor: ["CAN", "mex", "USA"]}) {
              totalPct totalCount edges { node { actorId sharePct } } } }""",
    )
    assert body == {
        "data": {
            "fundingShares": {
                "totalPct": "85.0000",
                "totalCount": 3,
                "edges": [
                    {"node": {"actorId": "USA", "sharePct": "50.0000"}},
                    {"node": {"actorId": "CAN", "sharePct": "24.0000"}},
                    {"node": {"actorId": "MEX", "sharePct": "11.0000"}},
                ],
            }
        }
    }


async def test_forum_codes_and_aliases_resolve(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ lower: forum(code: "rcm") { code }
             alias: forum(code: "Puebla Process") { code }
             missing: forum(code: "XYZ") { code } }""",
    )
    assert body["data"] == {"lower": {"code": "RCM"}, "alias": {"code": "RCM"}, "missing": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]


async def test_unknown_forum_is_an_error_with_suggestions(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ participations(filter: {forum: "RMC"}) { totalCount } }')
    assert body == {
        "data": {"participations": None},
        "errors": [
            {
                "message": "forum: no forum matches 'RMC'; did you mean RCM, CIREFCA, M5?",
                "locations": [{"line": 1, "column": 3}],
                "path": ["participations"],
                "extensions": {
                    "code": "unknown_reference",
                    "errors": [
                        {
                            "field": "forum",
                            "value": "RMC",
                            "detail": "no forum matches 'RMC'; did you mean RCM, CIREFCA, M5?",
                            "suggestions": ["RCM", "CIREFCA", "M5"],
                        }
                    ],
                },
            }
        ],
    }


async def test_reversed_range_is_refused_as_in_rest(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ events(filter: {startFrom: "2022-01-01", startTo: "2021-01-01"}) { totalCount } }""",
    )
    detail = "startTo (2021-01-01) is before startFrom (2022-01-01)"
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


async def test_mirps_solidarity_events_with_subforums(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ events(filter: {forum: "MIRPS", kind: SOLIDARITY_EVENT, includeSubforums: true,
                             status: HELD}) {
              edges { node { id forumCode announcedTotal { amount currency } } } } }""",
    )
    assert body == {
        "data": {
            "events": {
                "edges": [
                    {
                        "node": {
                            "id": "mirps-solidarity-event-2021",
                            "forumCode": "MIRPS",
                            "announcedTotal": {"amount": "110000000.00", "currency": "USD"},
                        }
                    },
                    {
                        "node": {
                            "id": "mirps-sp-solidarity-event-2022",
                            "forumCode": "MIRPS-SP",
                            "announcedTotal": {"amount": "210000000.00", "currency": "USD"},
                        }
                    },
                ]
            }
        }
    }


async def test_mirps_solidarity_totals_in_one_request(client: httpx.AsyncClient) -> None:
    # The README's GraphQL answer to question 2.
    body = await gql(
        client,
        """{ eventSummary(groupBy: [FORUM, YEAR],
                          filter: {forum: "MIRPS", kind: SOLIDARITY_EVENT, includeSubforums: true}) {
              group { forum year } count totals { currency amount qualifier } } }""",
    )
    assert body == {
        "data": {
            "eventSummary": [
                # The further solidarity event announced under Canada's chairship: no
                # date and no total yet.
                {"group": {"forum": "MIRPS", "year": None}, "count": 1, "totals": []},
                {
                    "group": {"forum": "MIRPS", "year": 2021},
                    "count": 1,
                    "totals": [{"currency": "USD", "amount": "110000000.00", "qualifier": "EXACT"}],
                },
                {
                    "group": {"forum": "MIRPS-SP", "year": 2022},
                    "count": 1,
                    "totals": [
                        {"currency": "USD", "amount": "210000000.00", "qualifier": "AT_LEAST"}
                    ],
                },
            ]
        }
    }


async def test_who_sits_where(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          outsideCA4: actors(filter: {memberOf: "SICA", notMemberOf: "C-A4", asOf: "2021-10-01"}) {
            edges { node { id } } }
          champions: actors(filter: {hasRole: "GCM:champion", memberOf: "MIRPS"}) {
            edges { node { id } } }
          bank: actors(filter: {q: "world bank"}) { edges { node { id } } }
        }""",
    )

    def ids(*values: str) -> dict[str, list[dict[str, dict[str, str]]]]:
        return {"edges": [{"node": {"id": value}} for value in values]}

    assert body == {
        "data": {
            "outsideCA4": ids("BLZ", "CRI", "PAN"),
            "champions": ids("CRI", "HND", "MEX", "SLV"),
            "bank": ids("world-bank"),
        }
    }


async def test_actor_participations_by_forum_and_role(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ actor(id: "can") {
              id
              chair: participations(forum: "mirps-sp", role: CHAIR) { forumCode role start }
              then: participations(forum: ["MIRPS-SP"], asOf: "2022-10-01") { role }
            } }""",
    )
    assert body == {
        "data": {
            "actor": {
                "id": "CAN",
                "chair": [{"forumCode": "MIRPS-SP", "role": "CHAIR", "start": "2021-07"}],
                "then": [{"role": "PAST_CHAIR"}, {"role": "MEMBER"}],
            }
        }
    }


async def test_cad_pledge_shows_its_rate_and_source(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ pledges(filter: {currency: "cad", curated: true}) { edges { node {
              amount currency amountUsd
              usdConversion { currency usdPerUnit periodStart periodEnd
                              citations { sourceId locator } }
            } } } }""",
    )
    assert body == {
        "data": {
            "pledges": {
                "edges": [
                    {
                        "node": {
                            "amount": "13150000.00",
                            "currency": "CAD",
                            "amountUsd": "10104502.84",
                            "usdConversion": {
                                "currency": "CAD",
                                "usdPerUnit": "0.7684032580",
                                "periodStart": "2022-01-01",
                                "periodEnd": "2022-12-31",
                                "citations": [
                                    {
                                        "sourceId": "frb-g5a-annual-2024-02-01",
                                        "locator": "Table, CANADA DOLLAR, column 2022 (1.3014)",
                                    }
                                ],
                            },
                        }
                    }
                ]
            }
        }
    }


async def test_summary_usd_is_null_when_nothing_converts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_pledge_without_amount(session, forum="RCM")
    body = await gql(
        client,
        """{ pledgeSummary(groupBy: [FORUM], filter: {forum: ["rcm", "MIRPS-SP"]}) {
              group { forum } count amountUsd countWithoutUsd } }""",
    )
    assert body == {
        "data": {
            "pledgeSummary": [
                {
                    "group": {"forum": "MIRPS-SP"},
                    "count": 1,
                    "amountUsd": "10104502.84",
                    "countWithoutUsd": 0,
                },
                {"group": {"forum": "RCM"}, "count": 1, "amountUsd": None, "countWithoutUsd": 1},
            ]
        }
    }


async def test_names_in_the_language_asked_for(client: httpx.AsyncClient) -> None:
    query = """{ forum(code: "RCM") { name en: name(lang: EN) es: name(lang: ES) }
                 actor(id: "MEX") { name } }"""
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Accept-Language": "es"}
    )
    assert response.headers["content-language"] == "es"
    assert response.json() == {
        "data": {
            "forum": {
                "name": "Conferencia Regional sobre Migración",
                "en": "Regional Conference on Migration",
                "es": "Conferencia Regional sobre Migración",
            },
            "actor": {"name": "México"},
        }
    }
    spanish = await gql(client, '{ event(id: "mirps-solidarity-event-2021") { name(lang: ES) } }')
    assert spanish == {"data": {"event": {"name": "Evento de Solidaridad del MIRPS 2021"}}}


async def test_cirefca_states_in_the_rcm_today_in_one_request(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ actors(filter: {hasRole: ["CIREFCA:participant@ever"], memberOf: ["RCM"]}) {
              totalCount notes { value } edges { node { id } } } }""",
    )

    assert body == {
        "data": {
            "actors": {
                "totalCount": 7,
                "notes": [],
                "edges": [
                    {"node": {"id": code}}
                    for code in ["BLZ", "CRI", "GTM", "HND", "MEX", "NIC", "SLV"]
                ],
            }
        }
    }


async def test_an_empty_list_says_which_days_the_forum_has(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ actors(filter: {hasRole: ["CIREFCA:participant"], asOf: "2024-01-01"}) {
              totalCount notes { parameter value day earliest detail } } }""",
    )

    actors = body["data"]["actors"]
    assert actors["totalCount"] == 0
    (note,) = actors["notes"]
    assert (note["parameter"], note["value"], note["day"], note["earliest"]) == (
        "has_role",
        "CIREFCA:participant",
        "2024-01-01",
        "1989-05-01",
    )
    assert "@ever" in note["detail"]
