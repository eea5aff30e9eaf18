from __future__ import annotations

import httpx

from tests.graphql import gql

SOLIDARITY_2022 = "mirps-sp-solidarity-event-2022"
CANADA_REPORT = "canada-mirps-sp-chair-report-2022"


async def test_event_by_id(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($id: String!) { event(id: $id) {
              id forumCode name kind start startPrecision startDate end endPrecision
              place country virtual
              hosts { role actor { id name } }
              announcedTotal { amount currency qualifier }
              forum { code }
              pledges { id pledgers { id } }
              citations { sourceId locator }
        } }""",
        id=SOLIDARITY_2022,
    )
    citations = body["data"]["event"].pop("citations")
    assert body == {
        "data": {
            "event": {
                "id": SOLIDARITY_2022,
                "forumCode": "MIRPS-SP",
                "name": "MIRPS Support Platform Solidarity Event 2022",
                "kind": "SOLIDARITY_EVENT",
                "start": "2022-09-21",
                "startPrecision": "DAY",
                "startDate": "2022-09-21",
                "end": None,
                "endPrecision": None,
                "place": "New York",
                "country": "USA",
                "virtual": False,
                "hosts": [
                    {"role": "CO_HOST", "actor": {"id": "CAN", "name": "Canada"}},
                    {"role": "CO_HOST", "actor": {"id": "USA", "name": "United States"}},
                    {"role": "PARTNER", "actor": {"id": "HND", "name": "Honduras"}},
                ],
                # "Over US$210 million": a floor, not an exact figure.
                "announcedTotal": {
                    "amount": "210000000.00",
                    "currency": "USD",
                    "qualifier": "AT_LEAST",
                },
                "forum": {"code": "MIRPS-SP"},
                "pledges": [{"id": 1, "pledgers": [{"id": "CAN"}]}],
            }
        }
    }
    # Citations come in the order they were recorded, which a load does not fix.
    assert sorted(citation["locator"] for citation in citations) == [
        "1. Executive Summary, Objective 1 (over USD 210M)",
        "3. Key Results and Activities (Solidarity Event, USD 210M)",
        "Activities conducted under Canada as Chair (High Level Events box)",
    ]
    assert {citation["sourceId"] for citation in citations} == {CANADA_REPORT}


async def test_unknown_event_is_null_with_a_not_found_error(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ event(id: "nope") { id } }')

    assert body["data"] == {"event": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]


async def test_events_connection_and_filters(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          mirps: events(filter: {forum: "MIRPS"}) { totalCount edges { node { id start } } }
          hostedByHonduras: events(filter: {host: "HND"}) { edges { node { id } } }
          solidarity: events(filter: {kind: SOLIDARITY_EVENT, startFrom: "2022-01-01"}) {
            edges { node { id pledges { id } } }
          }
          windowed: events(
            filter: {startFrom: "2021-06-01", startTo: "2021-06-30", certainty: CERTAIN}
          ) {
            possibleLeftOut edges { node { id certainty } }
          }
          month: events(filter: {startFrom: "2021-06", startTo: "2021-06"}) {
            edges { node { id certainty } }
          }
        }""",
    )
    assert body == {
        "data": {
            # Undated events sort first.
            "mirps": {
                "totalCount": 3,
                "edges": [
                    {"node": {"id": "mirps-annual-meeting-guatemala", "start": None}},
                    {"node": {"id": "mirps-further-solidarity-event", "start": None}},
                    {"node": {"id": "mirps-solidarity-event-2021", "start": "2021-06-10"}},
                ],
            },
            "hostedByHonduras": {
                "edges": [
                    {"node": {"id": "mirps-sp-technical-workshops-2022"}},
                    {"node": {"id": SOLIDARITY_2022}},
                ]
            },
            # The further event announced for Canada's chairship is undated but lies within
            # it (July 2021 to September 2022), so it may fall after 1 January 2022.
            "solidarity": {
                "edges": [
                    {"node": {"id": "mirps-further-solidarity-event", "pledges": []}},
                    {"node": {"id": SOLIDARITY_2022, "pledges": [{"id": 1}]}},
                ]
            },
            # A month-precision start (June 2021) falls wholly in the window: certain.
            "windowed": {
                "possibleLeftOut": 9,
                "edges": [
                    {
                        "node": {
                            "id": "rcm-regional-training-programme-2021",
                            "certainty": "CERTAIN",
                        }
                    },
                    {"node": {"id": "mirps-solidarity-event-2021", "certainty": "CERTAIN"}},
                ],
            },
            # A month means its first day to its last. Events the documents do not date
            # may start in it: the GCM dialogues (days without a year, before September
            # 2021), events known only to have ended in 2022, a meeting bounded by its year.
            "month": {
                "edges": [
                    *(
                        {"node": {"id": event, "certainty": "POSSIBLE"}}
                        for event in (
                            "gcm-dialogue-on-migration-2022-01-19",
                            "gcm-dialogue-on-migration-2022-01-26",
                            "gcm-dialogue-on-migration-2022-02-02",
                            "gcm-dialogue-on-migration-2022-02-09",
                            "gcm-dialogues-on-migration-2022",
                            "imrf-2022-preparation",
                            "imrf-2022-secretary-general-report",
                            "imrf-2022-voluntary-review-deadline",
                            "panama-irregular-migration-meeting-2021",
                        )
                    ),
                    {
                        "node": {
                            "id": "rcm-regional-training-programme-2021",
                            "certainty": "CERTAIN",
                        }
                    },
                    {"node": {"id": "mirps-solidarity-event-2021", "certainty": "CERTAIN"}},
                ]
            },
        }
    }


async def test_source_by_id_and_cited_by(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          source(id: "mirps-sp-web-2021") {
            id title publisher published publishedPrecision publishedDate
            publishedEarliest publishedLatest url language
            availability citedBy { kind count }
          }
          missing: source(id: "nope") { id }
        }""",
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["not_found"]
    assert body["data"] == {
        "source": {
            "id": "mirps-sp-web-2021",
            "title": "MIRPS Support Platform",
            "publisher": "MIRPS Support Platform",
            "published": None,
            "publishedPrecision": None,
            "publishedDate": None,
            "publishedEarliest": "2021-07-01",
            "publishedLatest": None,
            "url": None,
            "language": "en",
            "availability": "A web page of the MIRPS Support Platform; neither the page's "
            "text nor the archive's list of documents gives its address.",
            "citedBy": [
                {"kind": "forum", "count": 2},
                {"kind": "actor", "count": 5},
                {"kind": "participation", "count": 16},
                {"kind": "event", "count": 2},
                {"kind": "programme", "count": 2},
            ],
        },
        "missing": None,
    }


async def test_sources_connection(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ sources { totalCount edges { node { id citedBy { kind } } } } }""",
    )
    nodes = [edge["node"] for edge in body["data"]["sources"]["edges"]]
    assert body["data"]["sources"]["totalCount"] == len(nodes) == 6
    assert [node["id"] for node in nodes] == sorted(node["id"] for node in nodes)
    # Every source is cited by something, and the rates source only by the rate.
    assert all(node["citedBy"] for node in nodes)
    rates = next(node for node in nodes if node["id"] == "frb-g5a-annual-2024-02-01")
    assert rates == {"id": "frb-g5a-annual-2024-02-01", "citedBy": [{"kind": "exchange_rate"}]}


async def test_sources_state_their_own_terms(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ sources { edges { node { id terms } } } }")
    terms = {edge["node"]["id"]: edge["node"]["terms"] for edge in body["data"]["sources"]["edges"]}
    assert terms["wrmc-2021-regional-cooperation"] == (
        "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 (CC BY-NC-ND 4.0), "
        "per the report's copyright page"
    )
    assert terms["ircc-imcbp-factsheet-2019"] == "not stated"


async def test_funding_shares_root_field(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          fundingShares(filter: {forum: "RCM"}, first: 2) {
            totalCount totalPct
            edges { node { actorId forumCode sharePct forum { code } actor { name } } }
            pageInfo { hasNextPage }
          }
          canada: fundingShares(filter: {actor: "CAN"}) {
            totalCount totalPct edges { node { sharePct citations { sourceId } } }
          }
        }""",
    )
    assert body == {
        "data": {
            "fundingShares": {
                "totalCount": 11,
                "totalPct": "99.1600",
                "edges": [
                    {
                        "node": {
                            "actorId": "USA",
                            "forumCode": "RCM",
                            "sharePct": "50.0000",
                            "forum": {"code": "RCM"},
                            "actor": {"name": "United States"},
                        }
                    },
                    {
                        "node": {
                            "actorId": "CAN",
                            "forumCode": "RCM",
                            "sharePct": "24.0000",
                            "forum": {"code": "RCM"},
                            "actor": {"name": "Canada"},
                        }
                    },
                ],
                "pageInfo": {"hasNextPage": True},
            },
            "canada": {
                "totalCount": 1,
                "totalPct": "24.0000",
                "edges": [
                    {
                        "node": {
                            "sharePct": "24.0000",
                            "citations": [{"sourceId": "wrmc-2021-regional-cooperation"}],
                        }
                    }
                ],
            },
        }
    }
