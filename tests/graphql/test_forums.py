from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Forum
from app.services.forums import FORUM_ORDER
from app.services.paging import encode_cursor
from tests.factories import data_changed
from tests.graphql import gql

WRMC = "wrmc-2021-regional-cooperation"
OAS_LOCATOR = (
    "Committee on Migration Issues (Comisión de Asuntos Migratorios) \u2013 "
    "Organization of American States section"
)


async def test_forum_by_code(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """
        query ($code: String!) {
          forum(code: $code) {
            code name nameEs aliases kind scope region description
            founded foundedPrecision foundedDate ended endedPrecision endedDate
            parentCode predecessorCode website
            parent { code }
            citations { sourceId locator source { id publisher } }
          }
        }
        """,
        code="CEAM",
    )
    assert body == {
        "data": {
            "forum": {
                "code": "CEAM",
                "name": "Special Committee on Migration Issues",
                "nameEs": "Comisión Especial de Asuntos Migratorios",
                "aliases": ["CEAM"],
                "kind": "INTERGOVERNMENTAL_COMMITTEE",
                "scope": "HEMISPHERIC",
                "region": "The Americas",
                "description": "Special OAS committee on migration that worked from April 2008 "
                "until June 2012 and was followed by the standing Committee on Migration Issues.",
                "founded": "2008-04",
                "foundedPrecision": "MONTH",
                "foundedDate": "2008-04-01",
                "ended": "2012-06",
                "endedPrecision": "MONTH",
                "endedDate": "2012-06-01",
                "parentCode": "OAS",
                "predecessorCode": None,
                "website": None,
                "parent": {"code": "OAS"},
                "citations": [
                    {
                        "sourceId": WRMC,
                        "locator": OAS_LOCATOR,
                        "source": {
                            "id": WRMC,
                            "publisher": "World Refugee & Migration Council "
                            "(North and Central American Task Force on Migration)",
                        },
                    }
                ],
            }
        }
    }


async def test_an_unknown_forum_is_null_with_a_not_found_error_and_suggestions(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(client, '{ forum(code: "RMC") { code } }')

    assert body["data"] == {"forum": None}
    (error,) = body["errors"]
    assert error["path"] == ["forum"]
    assert error["message"].startswith("No forum has the code 'RMC'; did you mean RCM")
    assert error["extensions"]["code"] == "not_found"
    assert error["extensions"]["suggestions"][0] == "RCM"
    assert [(e["field"], e["value"]) for e in error["extensions"]["errors"]] == [("code", "RMC")]


async def test_a_forum_is_found_by_alias_and_name_in_any_case(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, '{ a: forum(code: "rcm") { code } b: forum(code: "Puebla Process") { code } }'
    )

    assert body == {"data": {"a": {"code": "RCM"}, "b": {"code": "RCM"}}}


async def test_parent_children_and_predecessor(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          oas: forum(code: "OAS") { parent { code } children { code parent { code } } }
          cam: forum(code: "OAS-CAM") { predecessor { code ended } children { code } }
        }""",
    )
    assert body == {
        "data": {
            "oas": {
                "parent": None,
                "children": [
                    {"code": "CEAM", "parent": {"code": "OAS"}},
                    {"code": "OAS-CAM", "parent": {"code": "OAS"}},
                ],
            },
            "cam": {"predecessor": {"code": "CEAM", "ended": "2012-06"}, "children": []},
        }
    }


async def test_forums_connection_first_page(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ forums(first: 2) {
              totalCount
              edges { cursor node { code } }
              pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        } }""",
    )
    first, second = (encode_cursor(FORUM_ORDER, [code]) for code in ("ARCTIC-COUNCIL", "C-A4"))
    assert body == {
        "data": {
            "forums": {
                "totalCount": 22,
                "edges": [
                    {"cursor": first, "node": {"code": "ARCTIC-COUNCIL"}},
                    {"cursor": second, "node": {"code": "C-A4"}},
                ],
                "pageInfo": {
                    "hasNextPage": True,
                    "hasPreviousPage": False,
                    "startCursor": first,
                    "endCursor": second,
                },
            }
        }
    }
    # The GraphQL cursor is the REST one: a page can be continued over either interface.
    rest = (await client.get("/v1/forums", params={"limit": 2})).json()
    assert rest["next_cursor"] == second


async def test_forums_last_page(client: httpx.AsyncClient) -> None:
    after = encode_cursor(FORUM_ORDER, ["MIRPS-SP"])
    body = await gql(
        client,
        """query ($after: String) { forums(first: 10, after: $after) {
              totalCount edges { node { code } } pageInfo { hasNextPage hasPreviousPage endCursor }
        } }""",
        after=after,
    )
    codes = ["NALS", "NCA-TF", "OAS", "OAS-CAM", "RCM", "SELA", "SICA", "US-MEX-BNC"]
    assert body == {
        "data": {
            "forums": {
                "totalCount": 22,
                "edges": [{"node": {"code": code}} for code in codes],
                "pageInfo": {
                    "hasNextPage": False,
                    "hasPreviousPage": True,
                    "endCursor": encode_cursor(FORUM_ORDER, ["US-MEX-BNC"]),
                },
            }
        }
    }


async def test_forums_filter(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          byParent: forums(filter: {parent: "GCM"}) { totalCount edges { node { code } } }
          byKind: forums(filter: {kind: INTERGOVERNMENTAL_COMMITTEE}) {
            totalCount edges { node { code } }
          }
        }""",
    )
    assert body == {
        "data": {
            "byParent": {"totalCount": 1, "edges": [{"node": {"code": "IMRF"}}]},
            "byKind": {
                "totalCount": 2,
                "edges": [{"node": {"code": "CEAM"}}, {"node": {"code": "OAS-CAM"}}],
            },
        }
    }


async def test_participants_by_role_over_time(client: httpx.AsyncClient) -> None:
    """Who chaired the MIRPS Support Platform on three days, in one query."""
    body = await gql(
        client,
        """{ forum(code: "MIRPS-SP") {
              y2020: participants(asOf: "2020-06-01", role: CHAIR) { ...chair }
              y2022: participants(asOf: "2022-01-01", role: [CHAIR]) { ...chair }
              handover: participants(asOf: "2022-09-21", role: CHAIR) { ...chair }
        } }
        fragment chair on Participation {
          role start startPrecision end endPrecision endDate disputed actor { id name }
        }""",
    )

    def chair(actor: str, name: str, start: str | None, end: str | None) -> dict[str, object]:
        return {
            "role": "CHAIR",
            "start": start,
            "startPrecision": {7: "MONTH", 10: "DAY"}.get(len(start or "")),
            "end": end,
            "endPrecision": {7: "MONTH", 10: "DAY"}.get(len(end or "")),
            "endDate": {7: f"{end}-01", 10: end}.get(len(end or "")),
            "disputed": False,
            "actor": {"id": actor, "name": name},
        }

    assert body == {
        "data": {
            "forum": {
                # No document says when Spain took the chair (docs/time.md).
                "y2020": [chair("ESP", "Spain", None, "2021-07")],
                "y2022": [chair("CAN", "Canada", "2021-07", "2022-09-21")],
                # The end date is exclusive: on the handover day the new chair alone holds it.
                "handover": [chair("USA", "United States", "2022-09-21", None)],
            }
        }
    }


async def test_participants_filters_and_citations(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ forum(code: "MIRPS") {
              disputed: participants(disputed: true) {
                actor { id } start disputeId citations { source { id } }
              }
              secretariat: participants(role: SECRETARIAT) { actor { id } start end }
        } }""",
    )
    assert body == {
        "data": {
            "forum": {
                "disputed": [
                    {
                        "actor": {"id": "SLV"},
                        "start": "2017",
                        "disputeId": "mirps-slv-membership-start",
                        "citations": [{"source": {"id": "canada-mirps-sp-chair-report-2022"}}],
                    },
                    {
                        "actor": {"id": "SLV"},
                        "start": "2019",
                        "disputeId": "mirps-slv-membership-start",
                        "citations": [{"source": {"id": WRMC}}],
                    },
                ],
                "secretariat": [{"actor": {"id": "unhcr"}, "start": None, "end": None}],
            }
        }
    }


async def test_funding_shares_and_their_total(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          rcm: forum(code: "RCM") {
            fundingShareTotalPct
            fundingShares { actor { id } sharePct basis reported reportedPrecision disputed }
          }
          mirps: forum(code: "MIRPS") { fundingShareTotalPct fundingShares { sharePct } }
        }""",
    )
    shares = [("USA", "50.0000"), ("CAN", "24.0000"), ("MEX", "11.0000")] + [
        (actor, "1.7700") for actor in ("BLZ", "CRI", "DOM", "GTM", "HND", "NIC", "PAN", "SLV")
    ]
    assert body == {
        "data": {
            "rcm": {
                # The source's shares add up to 99.16, and stay that way.
                "fundingShareTotalPct": "99.1600",
                "fundingShares": [
                    {
                        "actor": {"id": actor},
                        "sharePct": pct,
                        "basis": "total CRM budget",
                        "reported": "2021-10",
                        "reportedPrecision": "MONTH",
                        "disputed": False,
                    }
                    for actor, pct in shares
                ],
            },
            "mirps": {"fundingShareTotalPct": "0.0000", "fundingShares": []},
        }
    }


async def test_events_and_pledges_of_a_forum(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{ forum(code: "MIRPS") {
              events { id start announcedTotal { amount currency qualifier } pledges { id } }
              pledges { id }
        }
        cirefca: forum(code: "CIREFCA") {
          pledges { id amount currency pledgers { id } }
          usd: pledges(filter: {currency: "USD"}) { id }
          cad: pledges(filter: {currency: "CAD"}) { id }
        } }""",
    )
    assert body == {
        "data": {
            "forum": {
                "events": [
                    {
                        "id": "mirps-annual-meeting-guatemala",
                        "start": None,
                        "announcedTotal": None,
                        "pledges": [],
                    },
                    {
                        "id": "mirps-further-solidarity-event",
                        "start": None,
                        "announcedTotal": None,
                        "pledges": [],
                    },
                    {
                        "id": "mirps-solidarity-event-2021",
                        "start": "2021-06-10",
                        "announcedTotal": {
                            "amount": "110000000.00",
                            "currency": "USD",
                            "qualifier": "EXACT",
                        },
                        "pledges": [],
                    },
                ],
                "pledges": [],
            },
            "cirefca": {
                "pledges": [
                    {
                        "id": 2,
                        "amount": "115000000.00",
                        "currency": "USD",
                        "pledgers": [{"id": "ITA"}],
                    }
                ],
                "usd": [{"id": 2}],
                "cad": [],
            },
        }
    }


async def test_invalid_cursor_is_an_error_with_the_rest_code(client: httpx.AsyncClient) -> None:
    body = await gql(
        client, '{ forums(after: "garbage!") { totalCount } forum(code: "RCM") { code } }'
    )
    assert body == {
        "data": {"forums": None, "forum": {"code": "RCM"}},
        "errors": [
            {
                "message": "The cursor is malformed or belongs to another ordering; "
                "start again without it.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["forums"],
                "extensions": {"code": "invalid_cursor", "field": "cursor"},
            }
        ],
    }


async def test_page_size_is_capped(client: httpx.AsyncClient) -> None:
    for first in (0, 501):
        body = await gql(client, "query ($n: Int!) { forums(first: $n) { totalCount } }", n=first)
        assert body == {
            "data": {"forums": None},
            "errors": [
                {
                    "message": "first must be between 1 and 500.",
                    "locations": [{"line": 1, "column": 20}],
                    "path": ["forums"],
                    "extensions": {"code": "invalid_input", "field": "first"},
                }
            ],
        }
    body = await gql(client, "{ forums(first: 500) { totalCount } }")
    assert body == {"data": {"forums": {"totalCount": 22}}}


async def test_loaders_do_not_outlive_a_request(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    query = '{ forum(code: "GCM") { children { code } } }'
    assert await gql(client, query) == {"data": {"forum": {"children": [{"code": "IMRF"}]}}}
    session.add(
        Forum(code="GCM-X", name="New", kind="initiative", scope="global", parent_code="GCM")
    )
    await session.flush()
    await data_changed(session)
    body = await gql(client, query)
    assert body == {"data": {"forum": {"children": [{"code": "GCM-X"}, {"code": "IMRF"}]}}}
