"""Programmes, money records, event series, counts and governance changes over GraphQL."""

from __future__ import annotations

import httpx

from tests.conftest import QueryCounter
from tests.graphql import gql

WRMC = "wrmc-2021-regional-cooperation"


async def test_cirefca_funding_beside_italys_pledge(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          moneyRecords(filter: {forum: "CIREFCA", kind: RECORDED_TOTAL}) {
            totalCount
            edges { node { id amount currency currencyAssumed qualifier reported
                           citations { sourceId } } }
          }
          pledges(filter: {forum: "CIREFCA"}) {
            edges { node { amount currency pledgers { id } citations { sourceId } } }
          }
        }""",
    )
    assert body == {
        "data": {
            "moneyRecords": {
                "totalCount": 1,
                "edges": [
                    {
                        "node": {
                            "id": "cirefca-recorded-funding-1994",
                            "amount": "422300000.00",
                            "currency": "USD",
                            "currencyAssumed": False,
                            "qualifier": "EXACT",
                            "reported": "1994",
                            "citations": [{"sourceId": WRMC}],
                        }
                    }
                ],
            },
            "pledges": {
                "edges": [
                    {
                        "node": {
                            "amount": "115000000.00",
                            "currency": "USD",
                            "pledgers": [{"id": "ITA"}],
                            "citations": [{"sourceId": WRMC}],
                        }
                    }
                ]
            },
        }
    }


async def test_imrf_regional_roundtables_with_their_objectives(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($parent: [String!]) {
          events(filter: {parent: $parent}) {
            edges { node { id status topic gcmObjectives earliest latest parent { id } } }
          }
        }""",
        parent=["imrf-2022-regional-roundtables"],
    )
    topics = [
        ("rt1-drivers", "Drivers of migration and regular routes", [2, 5, 6, 12, 18]),
        (
            "rt2-governance",
            "Migration governance, saving lives and sustainable reintegration",
            [4, 8, 9, 10, 11, 13, 21],
        ),
        ("rt3-inclusion", "Inclusion", [14, 15, 16, 19, 20, 22]),
        ("rt4-data", "Data, information and evidence-based policies", [1, 3, 7, 17]),
    ]
    assert body == {
        "data": {
            "events": {
                "edges": [
                    {
                        "node": {
                            "id": f"imrf-2022-regional-roundtable-{slug}",
                            "status": "ANNOUNCED",
                            "topic": topic,
                            "gcmObjectives": objectives,
                            "earliest": "2022-03-01",
                            "latest": "2022-04-30",
                            "parent": {"id": "imrf-2022-regional-roundtables"},
                        }
                    }
                    for slug, topic, objectives in topics
                ]
            }
        }
    }


async def test_programmes_counts_and_governance_changes(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          programme(id: "mcee") { name kind parentId ownerActorId start citations { sourceId } }
          missing: programme(id: "nope") { id }
          sica: programmes(filter: {parent: "sica-unhcr-action-plan-2018-2019"}) {
            totalCount edges { node { name } }
          }
          participantCounts(filter: {event: "indochinese-refugees-conference-1989"}) {
            edges { node { role actorKind count reported } }
          }
          governanceChanges(filter: {forum: "MIRPS-SP"}) { edges { node { name earliest latest introducedById
                                             duties { role } } } }
        }""",
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]
    assert body["data"] == {
        "programme": {
            "name": "Migration Cooperation and Engagement Envelope",
            "kind": "FUNDING_ENVELOPE",
            "parentId": "imcbp",
            "ownerActorId": "CAN",
            "start": None,
            "citations": [{"sourceId": "ircc-imcbp-factsheet-2019"}],
        },
        "missing": None,
        "sica": {
            "totalCount": 5,
            "edges": [
                {"node": {"name": "Regional coordination and cooperation"}},
                {"node": {"name": "Institutional strengthening"}},
                {"node": {"name": "Information management"}},
                {
                    "node": {
                        "name": "Harmonisation and promotion of legal frameworks and "
                        "public policies"
                    }
                },
                {"node": {"name": "Design and delivery of assistance and protection projects"}},
            ],
        },
        "participantCounts": {
            "edges": [
                {
                    "node": {
                        "role": "PARTICIPANT",
                        "actorKind": "STATE",
                        "count": 75,
                        "reported": "1989-06",
                    }
                }
            ]
        },
        "governanceChanges": {
            "edges": [
                {
                    "node": {
                        "name": "Enhanced Troika Governance Model",
                        "earliest": "2021-07-01",
                        "latest": "2022-09-21",
                        "introducedById": "CAN",
                        "duties": [
                            {"role": "CHAIR"},
                            {"role": "PAST_CHAIR"},
                            {"role": "INCOMING_CHAIR"},
                        ],
                    }
                }
            ]
        },
    }


async def test_money_summary_and_a_refused_filter(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          moneyRecordSummary(filter: {forum: "CPA-INDOCHINA"}) {
            forumCode kind currency count total currencyAssumed
          }
          programmes(filter: {certainty: CERTAIN}) { totalCount }
        }""",
    )
    assert body["data"] == {
        "moneyRecordSummary": [
            {
                "forumCode": "CPA-INDOCHINA",
                "kind": "TOTAL_COST",
                "currency": "USD",
                "count": 1,
                "total": "500000000.00",
                "currencyAssumed": True,
            }
        ],
        "programmes": None,
    }
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "invalid_input"
    assert error["path"] == ["programmes"]


async def test_a_forum_nests_its_money_and_programmes_in_fixed_statements(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    query = """query ($codes: [String!]) {
      forums(filter: {parent: $codes}) { edges { node { code
        moneyRecords { id } programmes { id partIds } } } }
      cirefca: forum(code: "CIREFCA") {
        moneyRecords { id kind amount currency reported citations { sourceId } }
        programmes { id }
        pledges { amount currency pledgers { id } }
      }
    }"""
    body = await gql(client, query, codes=["SICA"])
    assert body == {
        "data": {
            "forums": {"edges": [{"node": {"code": "C-A4", "moneyRecords": [], "programmes": []}}]},
            "cirefca": {
                "moneyRecords": [
                    {
                        "id": "cirefca-concerted-plan-estimated-cost",
                        "kind": "ESTIMATED_COST",
                        "amount": "375000000.00",
                        "currency": "USD",
                        "reported": "1989-05",
                        "citations": [{"sourceId": WRMC}],
                    },
                    {
                        "id": "cirefca-recorded-funding-1994",
                        "kind": "RECORDED_TOTAL",
                        "amount": "422300000.00",
                        "currency": "USD",
                        "reported": "1994",
                        "citations": [{"sourceId": WRMC}],
                    },
                ],
                "programmes": [
                    {"id": "cirefca-concerted-plan-of-action"},
                    {"id": "valley-of-peace-project"},
                ],
                "pledges": [
                    {"amount": "115000000.00", "currency": "USD", "pledgers": [{"id": "ITA"}]}
                ],
            },
        }
    }
    # Money and programmes come from one batch each, however many forums are listed
    # (OAS-CAM, under the OAS, has a programme, so both runs load programmes and parts).
    counts = []
    for codes in (["OAS"], ["OAS", "SICA", "MIRPS"]):
        before = count_queries.count
        await gql(client, query, codes=codes)
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts
