"""Each resource's filters, orderings and shapes, through HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Pledge, PledgeObjective, PledgePledger
from app.models.enums import ROLE_RANKS, DatePrecision, Role
from tests.api.helpers import actor_ids, get_json, walk


async def test_actors_member_of_several_forums(client: httpx.AsyncClient) -> None:
    both = await get_json(client, "/v1/actors", member_of=["RCM", "MIRPS"], as_of="2021-10-01")
    assert [a["id"] for a in both["items"]] == ["BLZ", "CRI", "GTM", "HND", "MEX", "PAN", "SLV"]
    before_salvador_joined_either = await get_json(
        client, "/v1/actors", member_of=["SICA", "MIRPS"], as_of="2016-01-01"
    )
    assert before_salvador_joined_either["items"] == []
    assert before_salvador_joined_either["total"] == 0


async def test_actors_by_kind(client: httpx.AsyncClient) -> None:
    banks = await walk(client, "/v1/actors", kind="financial_institution")
    assert sorted(a["id"] for a in banks) == ["idb", "world-bank"]
    assert all(a["iso3"] is None for a in banks)
    states = await walk(client, "/v1/actors", kind="state")
    assert all(a["iso3"] == a["id"] for a in states)
    assert [a["id"] for a in states] == sorted(a["id"] for a in states)


async def test_participations_filters(client: httpx.AsyncClient) -> None:
    canada = await walk(client, "/v1/participations", actor="CAN")
    assert {p["forum"] for p in canada} >= {"RCM", "MIRPS-SP", "IGC", "M5", "GRSI"}
    roles = await walk(client, "/v1/participations", forum="MIRPS-SP", role=["chair", "past_chair"])
    assert sorted((p["role"], p["actor"]["id"]) for p in roles) == [
        ("chair", "CAN"),
        ("chair", "ESP"),
        ("chair", "USA"),
        ("past_chair", "CAN"),
    ]
    disputed = await walk(client, "/v1/participations", disputed="true")
    assert {p["dispute"] for p in disputed} == {
        "mirps-slv-membership-start",
        "mirps-sp-member-list",
    }
    assert all(p["disputed"] for p in disputed)
    ordered = await walk(client, "/v1/participations", limit=500)
    keys = [(p["forum"], ROLE_RANKS.index(Role(p["role"]))) for p in ordered]
    assert keys == sorted(keys)  # by forum, then role rank (chair first)


async def test_events_filters(client: httpx.AsyncClient) -> None:
    imrf = await walk(client, "/v1/events", forum="IMRF")
    assert [e["id"] for e in imrf][-2:] == ["imrf-2022-multistakeholder-hearing", "imrf-2022"]
    hearings = await walk(client, "/v1/events", kind="hearing")
    assert [e["id"] for e in hearings] == ["imrf-2022-multistakeholder-hearing"]
    may_2022 = await walk(client, "/v1/events", start_from="2022-05-01", start_to="2022-05-31")
    sure = await walk(
        client, "/v1/events", start_from="2022-05-01", start_to="2022-05-31", certainty="certain"
    )
    assert {e["id"] for e in sure} >= {"imrf-2022", "imrf-2022-multistakeholder-hearing"}
    assert [e for e in may_2022 if e["certainty"] == "certain"] == sure
    for event in sure:  # every day it may start on is in May 2022
        if event["start"] is not None:
            assert event["start"][:7] == "2022-05"
        else:
            assert "2022-05-01" <= event["earliest"] <= event["latest"] <= "2022-05-31"
    # What is only possible may start in May, and may start outside it.
    possible = [e for e in may_2022 if e["certainty"] == "possible"]
    assert possible
    for event in possible:
        assert event["earliest"] is None or event["earliest"] <= "2022-05-31"
        assert event["latest"] is None or event["latest"] >= "2022-05-01"
    assert {e["id"] for e in may_2022} >= {"imrf-2022", "imrf-2022-multistakeholder-hearing"}
    # An undated event is kept when its bounds let it fall in the range: the IMRF's
    # roundtables (within the forum, 17-20 May) and the meetings listed under Canada's
    # chairship of the MIRPS Support Platform (July 2021 to 21 September 2022).
    undated = {e["id"]: (e["earliest"], e["latest"]) for e in may_2022 if e["start"] is None}
    assert undated["imrf-2022-roundtable-rt1-drivers"] == ("2022-05-17", "2022-05-20")
    assert undated["mirps-annual-meeting-guatemala"] == ("2021-07-01", "2022-09-21")
    assert all(
        (low is None or low <= "2022-05-31") and (high is None or high >= "2022-05-01")
        for low, high in undated.values()
    )
    hosted = await walk(client, "/v1/events", host="CAN")
    assert "mirps-sp-signature-event-2022" in {e["id"] for e in hosted}


async def _add_pledge(session: AsyncSession, **values: Any) -> Pledge:
    pledgers = values.pop("pledgers")
    objectives = values.pop("objectives", [])
    pledge = Pledge(**{"kind": "financial", "title": "Test pledge", **values})
    pledge.pledgers = [PledgePledger(actor_id=a, position=i) for i, a in enumerate(pledgers)]
    pledge.objectives = [PledgeObjective(objective=o) for o in objectives]
    session.add(pledge)
    await session.flush()
    return pledge


async def test_pledge_filters_and_orderings(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    joint = await _add_pledge(
        session,
        pledgers=["MEX", "GTM"],
        forum_code="RCM",
        amount=Decimal("5000.00"),
        currency="MXN",
        announced_date=dt.date(2023, 3, 1),
        announced_precision=DatePrecision.DAY,
        objectives=[2, 23],
    )
    technical = await _add_pledge(
        session, pledgers=["GTM"], forum_code="RCM", kind="technical", status="in_progress"
    )
    # Plain ids: each request ends by rolling back, which expires ORM objects.
    joint_id, technical_id = joint.id, technical.id
    by_guatemala = await walk(client, "/v1/pledges", pledger="GTM")
    assert [p["id"] for p in by_guatemala] == [joint_id, technical_id]
    assert [a["id"] for a in by_guatemala[0]["pledgers"]] == ["MEX", "GTM"]
    assert by_guatemala[0]["amount_usd"] is None  # no MXN rate in the table
    assert by_guatemala[0]["gcm_objectives"] == [2, 23]
    assert by_guatemala[0]["curated"] is False

    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"forum": "RCM", "kind": "technical"}, [technical_id]),
        ({"status": "in_progress"}, [technical_id]),
        ({"currency": "MXN"}, [joint_id]),
        ({"gcm_objective": 23}, [joint_id]),
        ({"amount_min": "4000", "amount_max": "6000"}, [joint_id]),
        ({"announced_from": "2023-01-01"}, [joint_id]),
        ({"announced_to": "2023-01-01", "forum": "RCM"}, []),
        ({"curated": "false"}, [joint_id, technical_id]),
    ]
    for params, expected in cases:
        found = await walk(client, "/v1/pledges", **params)
        assert [p["id"] for p in found] == expected, params

    by_usd = await walk(client, "/v1/pledges", sort="-amount_usd", curated="true")
    assert [p["currency"] for p in by_usd] == ["USD", "CAD"]
    by_date = await walk(client, "/v1/pledges", sort="announced_on", limit=1)
    dates = [p["announced_on"] for p in by_date]
    unknown = dates.count(None)
    assert unknown >= 2
    assert dates[:unknown] == [None] * unknown  # unknown dates first when ascending
    assert dates[unknown:] == sorted(dates[unknown:])


async def test_pledge_summary_groups(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _add_pledge(
        session,
        pledgers=["MEX", "GTM"],
        forum_code="RCM",
        amount=Decimal("100.00"),
        currency="CAD",
        announced_date=dt.date(2022, 6, 1),
        announced_precision=DatePrecision.DAY,
    )
    whole = await get_json(client, "/v1/pledges/summary")
    (everything,) = whole["groups"]
    assert everything["count"] == 3
    assert sorted((a["currency"], a["amount"]) for a in everything["amounts"]) == [
        ("CAD", "13150100.00"),
        ("USD", "115000000.00"),
    ]
    by_forum_year = await get_json(client, "/v1/pledges/summary", group_by=["forum", "year"])
    groups = {(g["forum"], g["year"]): g for g in by_forum_year["groups"]}
    assert set(groups) == {("CIREFCA", None), ("MIRPS-SP", 2022), ("RCM", 2022)}
    assert groups[("RCM", 2022)]["amount_usd"] is None  # nothing converts: unknown, not 0
    assert groups[("RCM", 2022)]["count_without_usd"] == 1  # CAD 100 with no rate entered
    by_pledger = await get_json(client, "/v1/pledges/summary", group_by="pledger", forum="RCM")
    assert {g["pledger"]: g["count"] for g in by_pledger["groups"]} == {"GTM": 1, "MEX": 1}
    # A pledger filter keeps the joint pledge, which still counts for both its pledgers.
    joint = await get_json(client, "/v1/pledges/summary", group_by="pledger", pledger="GTM")
    assert {g["pledger"]: g["count"] for g in joint["groups"]} == {"GTM": 1, "MEX": 1}


async def test_sources_list_their_coverage(client: httpx.AsyncClient) -> None:
    sources = await walk(client, "/v1/sources")
    by_id = {s["id"]: s for s in sources}
    assert set(by_id) >= {
        "mirps-sp-web-2021",
        "canada-mirps-sp-chair-report-2022",
        "wrmc-2021-regional-cooperation",
        "unnm-lac-imrf-roadmap-2021",
        "ircc-imcbp-factsheet-2019",
    }
    wrmc = await get_json(client, "/v1/sources/wrmc-2021-regional-cooperation")
    assert wrmc["cited_by"]["participation"] > 20
    assert wrmc["cited_by"]["funding_share"] == 11
    # Where a partner can find each document; no local file name is served.
    assert (wrmc["url"], "url" in wrmc["availability"]) == ("https://wrmcouncil.org", True)
    assert all("document" not in s and ".txt" not in s["availability"] for s in sources)
    assert by_id["canada-mirps-sp-chair-report-2022"]["url"] is None
    assert "gives an address" in by_id["canada-mirps-sp-chair-report-2022"]["availability"]
    assert by_id["frb-g5a-annual-2024-02-01"]["availability"] == "Published at its url."
    assert wrmc["terms"].startswith("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0")
    # A document that states no terms says so rather than leaving a guess or a gap.
    assert by_id["mirps-sp-web-2021"]["terms"] == "not stated"


async def test_meta_counts_and_version(client: httpx.AsyncClient) -> None:
    meta = await get_json(client, "/v1/meta")
    forums = await get_json(client, "/v1/forums")
    assert meta["counts"]["forums"] == forums["total"]
    assert (
        meta["counts"]["participations"] == (await get_json(client, "/v1/participations"))["total"]
    )
    assert meta["dataset_version"] >= 1
    assert {s["id"] for s in meta["sources"]} >= {"wrmc-2021-regional-cooperation"}
    wrmc = next(s for s in meta["sources"] if s["id"] == "wrmc-2021-regional-cooperation")
    assert wrmc["published"] == "2021-10"
    assert wrmc["terms"].startswith("Creative Commons Attribution-NonCommercial")
    assert meta["licence"]["id"] == "CC-BY-4.0"
    assert meta["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "source" in meta["licence"]["reason"]


async def test_openapi_states_the_data_licence(client: httpx.AsyncClient) -> None:
    info = (await client.get("/openapi.json")).json()["info"]
    assert info["license"] == {
        "name": "Creative Commons Attribution 4.0 International",
        "identifier": "CC-BY-4.0",
    }


async def test_without_as_of_every_claim_is_listed(client: httpx.AsyncClient) -> None:
    members = await walk(client, "/v1/forums/MIRPS/participants", role="member")
    assert actor_ids(members).count("SLV") == 2


async def test_include_embeds_related_records_once_per_page(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/pledges", include=["forum", "event"])
    assert body["included"] == {
        "forums": [
            {
                "code": "CIREFCA",
                "name": "International Conference on Central American Refugees",
                "kind": "international_conference",
                "parent": None,
            },
            {
                "code": "MIRPS-SP",
                "name": body["included"]["forums"][1]["name"],
                "kind": "support_platform",
                "parent": "MIRPS",
            },
        ],
        "events": [
            {
                "id": "mirps-sp-solidarity-event-2022",
                "name": body["included"]["events"][0]["name"],
                "kind": "solidarity_event",
                "forum": "MIRPS-SP",
                "start": "2022-09-21",
                "start_precision": "day",
                "place": body["included"]["events"][0]["place"],
            },
        ],
    }
    plain = await get_json(client, "/v1/pledges")
    assert "included" not in plain
    forums_only = await get_json(client, "/v1/participations", forum="SICA", include="forum")
    assert [f["code"] for f in forums_only["included"]["forums"]] == ["SICA"]
    assert forums_only["included"]["events"] is None
    spanish = await get_json(client, "/v1/events", forum="RCM", include="forum", lang="es")
    assert spanish["included"]["forums"][0]["name"] == "Conferencia Regional sobre Migración"
    wrong = await client.get("/v1/participations", params={"include": "event"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "include"
