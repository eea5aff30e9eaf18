from __future__ import annotations

import httpx

from tests.graphql import gql

MIRPS_FOUNDERS = ["BLZ", "CRI", "GTM", "HND", "MEX", "PAN", "SLV"]


async def test_actor_by_id(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($id: String!) { actor(id: $id) {
              id iso3 name nameEs shortName kind forumCode website
              forum { code kind }
              citations { sourceId locator }
        } }""",
        id="sica",
    )
    assert body == {
        "data": {
            "actor": {
                "id": "sica",
                "iso3": None,
                "name": "Central American Integration System",
                "nameEs": "Sistema de la Integración Centroamericana",
                "shortName": "SICA",
                "kind": "REGIONAL_BODY",
                "forumCode": "SICA",
                "website": None,
                "forum": {"code": "SICA", "kind": "INTEGRATION_SYSTEM"},
                "citations": [
                    {
                        "sourceId": "wrmc-2021-regional-cooperation",
                        "locator": "A Word on Existing Regional Mechanisms' Engagement with "
                        "Migration (SICA paragraphs)",
                    }
                ],
            }
        }
    }


async def test_an_unknown_actor_is_null_with_a_not_found_error_and_suggestions(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(client, '{ actor(id: "MEXX") { id } }')

    assert body["data"] == {"actor": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "not_found"
    assert error["extensions"]["suggestions"][0] == "MEX"
    assert [(e["field"], e["value"]) for e in error["extensions"]["errors"]] == [("id", "MEXX")]


async def test_every_single_lookup_tells_what_it_did_not_find(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          event(id: "no-such-event") { id }
          programme(id: "no-such-programme") { id }
          source(id: "no-such-source") { id }
          dispute(id: "no-such-dispute") { id }
          pledge(id: 987654) { id }
          participation(id: 987654) { id }
        }""",
    )

    assert body["data"] == dict.fromkeys(
        ["event", "programme", "source", "dispute", "pledge", "participation"]
    )
    assert sorted((e["path"][0], e["extensions"]["code"]) for e in body["errors"]) == [
        ("dispute", "not_found"),
        ("event", "not_found"),
        ("participation", "not_found"),
        ("pledge", "not_found"),
        ("programme", "not_found"),
        ("source", "not_found"),
    ]
    assert all(isinstance(e["extensions"]["suggestions"], list) for e in body["errors"])


async def test_state_actor(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ actor(id: "CAN") { id iso3 name nameEs kind forum { code } } }')
    assert body == {
        "data": {
            "actor": {
                "id": "CAN",
                "iso3": "CAN",
                "name": "Canada",
                "nameEs": "Canadá",
                "kind": "STATE",
                "forum": None,
            }
        }
    }


async def test_actors_filter_member_of(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          founders: actors(filter: {memberOf: ["MIRPS"], asOf: "2018-01-01"}) {
            totalCount edges { node { id } }
          }
          before: actors(filter: {memberOf: ["MIRPS"], asOf: "2016-12-31"}) { totalCount }
          orgs: actors(filter: {kind: UN_ENTITY}, first: 2) { edges { node { id kind } } }
        }""",
    )
    assert body == {
        "data": {
            # El Salvador's disputed 2017 start counts: as_of returns every claim in effect.
            "founders": {
                "totalCount": 7,
                "edges": [{"node": {"id": actor}} for actor in MIRPS_FOUNDERS],
            },
            "before": {"totalCount": 0},
            "orgs": {
                "edges": [
                    {"node": {"id": "eclac", "kind": "UN_ENTITY"}},
                    {"node": {"id": "iom", "kind": "UN_ENTITY"}},
                ]
            },
        }
    }


async def test_actor_participations_pledges_and_shares(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ actor(id: "CAN") {
              chairs: participations(role: CHAIR) { forum { code } start end }
              onDay: participations(asOf: "2022-01-01", role: [MEMBER, CHAIR]) {
                forumCode role
              }
              pledges { id forumCode pledgers { id } }
              none: pledges(filter: {currency: "USD"}) { id }
              fundingShares { forum { code } sharePct }
        } }""",
    )
    assert body == {
        "data": {
            "actor": {
                "chairs": [
                    {"forum": {"code": "IGC"}, "start": "2019", "end": "2020"},
                    {"forum": {"code": "M5"}, "start": "2019-11", "end": None},
                    {"forum": {"code": "MIRPS-SP"}, "start": "2021-07", "end": "2022-09-21"},
                ],
                "onDay": [
                    {"forumCode": "IGC", "role": "MEMBER"},
                    {"forumCode": "M5", "role": "CHAIR"},
                    {"forumCode": "M5", "role": "MEMBER"},
                    {"forumCode": "MIRPS-SP", "role": "CHAIR"},
                    {"forumCode": "MIRPS-SP", "role": "MEMBER"},
                    {"forumCode": "NALS", "role": "MEMBER"},
                    {"forumCode": "RCM", "role": "MEMBER"},
                ],
                "pledges": [{"id": 1, "forumCode": "MIRPS-SP", "pledgers": [{"id": "CAN"}]}],
                "none": [],
                "fundingShares": [{"forum": {"code": "RCM"}, "sharePct": "24.0000"}],
            }
        }
    }


async def test_participations_root_field(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ participations(filter: {forum: "MIRPS", disputed: true}) {
              totalCount
              edges { node { actorId forumCode role start disputeId disputed forum { code } } }
        } }""",
    )
    claim = {
        "actorId": "SLV",
        "forumCode": "MIRPS",
        "role": "MEMBER",
        "disputeId": "mirps-slv-membership-start",
        "disputed": True,
        "forum": {"code": "MIRPS"},
    }
    assert body == {
        "data": {
            "participations": {
                "totalCount": 2,
                "edges": [
                    {"node": {**claim, "start": "2017"}},
                    {"node": {**claim, "start": "2019"}},
                ],
            }
        }
    }
