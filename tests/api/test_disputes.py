"""Disputes as a resource, through REST and GraphQL (whole-dict asserts for GraphQL)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import get_json, walk
from tests.graphql import gql
from tests.services.cited import passage_read

CANADA_REPORT = "canada-mirps-sp-chair-report-2022"
WRMC = "wrmc-2021-regional-cooperation"
WEB = "mirps-sp-web-2021"
MIRPS_LOCATOR = "Marco Integral Regional para Protección y Soluciones (MIRPS) section"


async def test_disputes_list_the_kept_disagreements_with_claims_and_sources(
    client: httpx.AsyncClient,
) -> None:
    items = await walk(client, "/v1/disputes")
    by_id = {d["id"]: d for d in items}
    assert sorted(by_id) == [
        "mirps-slv-membership-start",
        "mirps-sp-member-list",
        "solidarity-event-2022-honduras-role",
    ]
    salvador = by_id["mirps-slv-membership-start"]
    assert salvador["subject"] == {
        "entity": "participation",
        "id": "MIRPS/SLV/member",
        "field": "start",
    }
    assert [(c["value"], [x["source_id"] for x in c["citations"]]) for c in salvador["claims"]] == [
        ("2017", [CANADA_REPORT]),
        ("2019", [WRMC]),
    ]
    assert salvador["summary"]
    members = by_id["mirps-sp-member-list"]
    assert [[x["source_id"] for x in c["citations"]] for c in members["claims"]] == [[WEB], [WRMC]]
    assert {row["entity"] for row in members["rows"]} == {"participation"}
    assert len(members["rows"]) == 7  # URY, idb, eclac, oas, unhcr; ITA, SWE


async def test_each_disputed_row_links_to_its_dispute(client: httpx.AsyncClient) -> None:
    disputed = await walk(client, "/v1/participations", disputed="true")
    assert disputed
    for row in disputed:
        dispute = await get_json(client, f"/v1/disputes/{row['dispute']}")
        assert {"entity": "participation", "id": str(row["id"])} in dispute["rows"]
    event = await get_json(client, "/v1/events/mirps-sp-solidarity-event-2022")
    honduras = [h for h in event["hosts"] if h["actor"]["id"] == "HND"]
    assert [(h["role"], h["disputed"], h["dispute"]) for h in honduras] == [
        ("partner", True, "solidarity-event-2022-honduras-role")
    ]
    canada = [h for h in event["hosts"] if h["actor"]["id"] == "CAN"]
    assert [(h["disputed"], h["dispute"]) for h in canada] == [(False, None)]


async def test_one_dispute_and_a_missing_one(client: httpx.AsyncClient) -> None:
    dispute = await get_json(client, "/v1/disputes/solidarity-event-2022-honduras-role")
    assert dispute == {
        "id": "solidarity-event-2022-honduras-role",
        "subject": {
            "entity": "event",
            "id": "mirps-sp-solidarity-event-2022",
            "field": "hosts (HND)",
        },
        "summary": dispute["summary"],
        "claims": [
            {
                "value": "co_host",
                "note": dispute["claims"][0]["note"],
                "citations": [
                    {
                        "source_id": CANADA_REPORT,
                        "locator": "Activities conducted under Canada as Chair (High Level Events box)",
                        "passage": passage_read(
                            CANADA_REPORT,
                            "International Solidarity Event co-led with the U.S. as Incoming "
                            "Support Platform Chair and Honduras as MIRPS Presidency in NYC.",
                        ),
                    }
                ],
            },
            {
                "value": "partner",
                "note": dispute["claims"][1]["note"],
                "citations": [
                    {
                        "source_id": CANADA_REPORT,
                        "locator": "3. Key Results and Activities (Solidarity Event on September 21, 2022)",
                        "passage": passage_read(
                            CANADA_REPORT,
                            "Canada **co-hosted a Solidarity Event** with the United States "
                            "(as the incoming Chair), and in partnership with Honduras (as the "
                            "2022 MIRPS Pro-Tempore President)",
                        ),
                    }
                ],
            },
        ],
        "rows": [{"entity": "event", "id": "mirps-sp-solidarity-event-2022"}],
    }
    response = await client.get("/v1/disputes/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "dispute_not_found"


async def test_disputes_over_graphql(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """
        query {
          disputes(first: 2) {
            totalCount
            edges { node { id subject { entity id field } claims { value citations { sourceId locator } } } }
          }
          dispute(id: "mirps-slv-membership-start") {
            id rows { entity }
            claims { value citations { source { id published } } }
          }
          missing: dispute(id: "nope") { id }
        }
        """,
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]
    assert body["data"] == {
        "disputes": {
            "totalCount": 3,
            "edges": [
                {
                    "node": {
                        "id": "mirps-slv-membership-start",
                        "subject": {
                            "entity": "PARTICIPATION",
                            "id": "MIRPS/SLV/member",
                            "field": "start",
                        },
                        "claims": [
                            {
                                "value": "2017",
                                "citations": [
                                    {
                                        "sourceId": CANADA_REPORT,
                                        "locator": "2. Introduction, Background",
                                    }
                                ],
                            },
                            {
                                "value": "2019",
                                "citations": [{"sourceId": WRMC, "locator": MIRPS_LOCATOR}],
                            },
                        ],
                    }
                },
                {
                    "node": {
                        "id": "mirps-sp-member-list",
                        "subject": {"entity": "FORUM", "id": "MIRPS-SP", "field": "members"},
                        "claims": [
                            {
                                "value": "ARG, BRA, CAN, COL, eu, idb, FRA, ESP, CHE, URY, USA, eclac, oas, unhcr",
                                "citations": [
                                    {
                                        "sourceId": WEB,
                                        "locator": "opening section (member list)",
                                    }
                                ],
                            },
                            {
                                "value": "ARG, BRA, CAN, COL, ESP, FRA, ITA, SWE, CHE, USA, eu",
                                "citations": [{"sourceId": WRMC, "locator": MIRPS_LOCATOR}],
                            },
                        ],
                    }
                },
            ],
        },
        "dispute": {
            "id": "mirps-slv-membership-start",
            "rows": [{"entity": "PARTICIPATION"}, {"entity": "PARTICIPATION"}],
            "claims": [
                {
                    "value": "2017",
                    "citations": [{"source": {"id": CANADA_REPORT, "published": None}}],
                },
                {
                    "value": "2019",
                    "citations": [{"source": {"id": WRMC, "published": "2021-10"}}],
                },
            ],
        },
        "missing": None,
    }


async def test_participation_links_its_dispute_over_graphql(client: httpx.AsyncClient) -> None:
    body: dict[str, Any] = await gql(
        client,
        """
        query {
          forum(code: "MIRPS") {
            participants(asOf: "2020-06-01", role: [MEMBER], disputed: true) {
              id actorId start disputed disputeId certainty
              dispute { id subject { field } claims { value citations { sourceId } } rows { id } }
            }
          }
        }
        """,
    )
    rows = body["data"]["forum"]["participants"]
    ids = [str(row["id"]) for row in rows]
    dispute = {
        "id": "mirps-slv-membership-start",
        "subject": {"field": "start"},
        "claims": [
            {"value": "2017", "citations": [{"sourceId": CANADA_REPORT}]},
            {"value": "2019", "citations": [{"sourceId": WRMC}]},
        ],
        "rows": [{"id": ids[0]}, {"id": ids[1]}],
    }
    claim = {
        "actorId": "SLV",
        "disputed": True,
        "disputeId": "mirps-slv-membership-start",
        "certainty": "CERTAIN",
        "dispute": dispute,
    }
    assert body == {
        "data": {
            "forum": {
                "participants": [
                    {"id": rows[0]["id"], "start": "2017", **claim},
                    {"id": rows[1]["id"], "start": "2019", **claim},
                ]
            }
        }
    }


async def test_undisputed_rows_have_no_dispute_over_graphql(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          fundingShares(filter: {forum: "RCM", actor: "CAN"}) {
            edges { node { disputeId dispute { id } } }
          }
          event(id: "mirps-sp-solidarity-event-2022") {
            hosts { actor { id } disputeId dispute { id claims { value } } }
          }
        }""",
    )
    hosts = body["data"]["event"]["hosts"]
    honduras = [h for h in hosts if h["actor"]["id"] == "HND"]
    canada = [h for h in hosts if h["actor"]["id"] == "CAN"]
    assert body["data"]["fundingShares"] == {
        "edges": [{"node": {"disputeId": None, "dispute": None}}]
    }
    assert honduras == [
        {
            "actor": {"id": "HND"},
            "disputeId": "solidarity-event-2022-honduras-role",
            "dispute": {
                "id": "solidarity-event-2022-honduras-role",
                "claims": [{"value": "co_host"}, {"value": "partner"}],
            },
        }
    ]
    assert canada == [{"actor": {"id": "CAN"}, "disputeId": None, "dispute": None}]


async def test_a_disputes_rows_open_as_participations(client: httpx.AsyncClient) -> None:
    dispute = await get_json(client, "/v1/disputes/mirps-slv-membership-start")
    listed = {
        str(row["id"]): row
        for row in await walk(client, "/v1/participations", forum="MIRPS", disputed="true")
    }
    opened = [await get_json(client, f"/v1/participations/{row['id']}") for row in dispute["rows"]]
    assert [row["entity"] for row in dispute["rows"]] == ["participation", "participation"]
    assert opened == [listed[row["id"]] for row in dispute["rows"]]
    assert [(p["actor"]["id"], p["start"], p["dispute"]) for p in opened] == [
        ("SLV", "2017", "mirps-slv-membership-start"),
        ("SLV", "2019", "mirps-slv-membership-start"),
    ]
    assert [c["source_id"] for c in opened[0]["citations"]] == [CANADA_REPORT]


async def test_a_missing_or_malformed_participation_id(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/participations/999999")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    assert (missing.json()["code"], missing.json()["title"], missing.json()["detail"]) == (
        "participation_not_found",
        "Participation not found",
        "No participation has the id 999999.",
    )
    for bad in ("abc", "0", str(2**31)):
        response = await client.get(f"/v1/participations/{bad}")
        assert (response.status_code, response.json()["code"]) == (400, "invalid_parameter")
        assert response.json()["errors"][0]["field"] == "participation_id"


async def test_one_participation_over_graphql(client: httpx.AsyncClient) -> None:
    dispute = await get_json(client, "/v1/disputes/mirps-slv-membership-start")
    first = int(dispute["rows"][0]["id"])
    body = await gql(
        client,
        """query ($id: Int!) {
          participation(id: $id) { id actorId forumCode role start disputeId dispute { id } }
          missing: participation(id: 999999) { id }
        }""",
        id=first,
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]
    assert body["data"] == {
        "participation": {
            "id": first,
            "actorId": "SLV",
            "forumCode": "MIRPS",
            "role": "MEMBER",
            "start": "2017",
            "disputeId": "mirps-slv-membership-start",
            "dispute": {"id": "mirps-slv-membership-start"},
        },
        "missing": None,
    }
