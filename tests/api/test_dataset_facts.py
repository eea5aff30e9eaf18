"""Facts of the curated dataset, pinned through the public API.

A data regression (a lost member, a moved date, a silently resolved dispute, a
"fixed" share) fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import actor_ids, get_json, walk

MIRPS_FOUNDERS = ["BLZ", "CRI", "GTM", "HND", "MEX", "PAN"]
RCM_MEMBERS = ["BLZ", "CAN", "CRI", "DOM", "GTM", "HND", "MEX", "NIC", "PAN", "SLV", "USA"]


async def participants(
    client: httpx.AsyncClient, forum: str, **params: Any
) -> list[dict[str, Any]]:
    return await walk(client, f"/v1/forums/{forum}/participants", **params)


C, P = "certain", "possible"


def each(actors: list[str], certainty: str) -> dict[str, str]:
    return dict.fromkeys(actors, certainty)


@pytest.mark.parametrize(
    ("forum", "role", "as_of", "expected"),
    [
        # MIRPS: six founders in 2017 plus El Salvador's 2017 claim (disputed). A start
        # known only to the year is possible on its first day and certain after the year.
        ("MIRPS", "member", "2018-06-01", each([*MIRPS_FOUNDERS, "SLV"], C)),
        ("MIRPS", "member", "2017-01-01", each([*MIRPS_FOUNDERS, "SLV"], P)),
        ("MIRPS", "member", "2016-12-31", {}),
        # Support Platform chairs: Spain (start unstated) until July 2021, then Canada
        # (from July 2021), then the US from 21 Sept 2022 (open end, last confirmed in
        # the November/December 2022 report).
        ("MIRPS-SP", "chair", "2020-06-01", {"ESP": P}),
        ("MIRPS-SP", "chair", "2021-06-30", {"ESP": P}),
        ("MIRPS-SP", "chair", "2021-07-01", {"CAN": P, "ESP": P}),
        ("MIRPS-SP", "chair", "2022-09-20", {"CAN": C}),
        ("MIRPS-SP", "chair", "2022-09-21", {"USA": C}),
        ("MIRPS-SP", "chair", "2026-01-01", {"USA": P}),
        ("MIRPS-SP", "past_chair", "2022-09-20", {}),
        ("MIRPS-SP", "past_chair", "2022-09-21", {"CAN": C}),
        ("MIRPS-SP", "incoming_chair", "2022-09-20", {"USA": P}),
        ("MIRPS-SP", "incoming_chair", "2020-06-01", {}),
        ("MIRPS", "pro_tempore_presidency", "2022-06-01", {"HND": P}),
        ("MIRPS", "pro_tempore_presidency", "2022-09-21", {"HND": C}),
        ("MIRPS", "secretariat", "2021-12-01", {"unhcr": P}),
        # RCM: no start stated, so membership is bounded by the forum's founding
        # (1996-02) and the October 2021 report; Canada's 2019 fact sheet bounds its own.
        ("RCM", "member", "2021-10-01", {**each(RCM_MEMBERS, P), "CAN": C}),
        ("RCM", "member", "1996-02-01", each(RCM_MEMBERS, P)),
        ("RCM", "member", "1996-01-31", {}),
        (
            "SICA",
            "member",
            "1995-01-01",
            each(["BLZ", "CRI", "GTM", "HND", "NIC", "PAN", "SLV"], P),
        ),
        ("SICA", "associate", "1995-01-01", {"DOM": P}),
        ("C-A4", "member", "2010-01-01", each(["GTM", "HND", "NIC", "SLV"], C)),
        ("C-A4", "member", "2005-12-31", {}),
        ("IGC", "chair", "2020-06-01", {"CAN": P}),
        ("IGC", "chair", "2021-06-01", {}),
        ("M5", "chair", "2019-11-01", {"CAN": P}),
        ("M5", "chair", "2019-10-31", {}),
        ("M5", "member", "2020-01-01", each(["AUS", "CAN", "GBR", "NZL", "USA"], P)),
        ("GCM", "champion", "2021-09-01", each(["COL", "CRI", "ECU", "HND", "MEX", "SLV"], P)),
        # CIREFCA ended in 1994; roles with no stated end end with it.
        (
            "CIREFCA",
            "participant",
            "1990-01-01",
            each(["BLZ", "CRI", "GTM", "HND", "MEX", "NIC", "SLV"], P),
        ),
        ("CIREFCA", "participant", "2000-01-01", {}),
    ],
)
async def test_who_held_a_role_on_a_day(
    client: httpx.AsyncClient, forum: str, role: str, as_of: str, expected: dict[str, str]
) -> None:
    items = await participants(client, forum, role=role, as_of=as_of)
    assert {i["actor"]["id"]: i["certainty"] for i in items} == expected
    sure = await participants(client, forum, role=role, as_of=as_of, certainty="certain")
    assert actor_ids(sure) == sorted(a for a, c in expected.items() if c == C)


async def test_el_salvador_mirps_start_is_kept_as_a_dispute(client: httpx.AsyncClient) -> None:
    items = await participants(client, "MIRPS", role="member", as_of="2020-01-01")
    salvador = [i for i in items if i["actor"]["id"] == "SLV"]
    assert sorted((i["start"], i["start_precision"]) for i in salvador) == [
        ("2017", "year"),
        ("2019", "year"),
    ]
    assert {i["disputed"] for i in salvador} == {True}
    assert {i["dispute"] for i in salvador} == {"mirps-slv-membership-start"}
    sources = {c["source_id"] for i in salvador for c in i["citations"]}
    assert sources == {"canada-mirps-sp-chair-report-2022", "wrmc-2021-regional-cooperation"}
    undisputed = await participants(
        client, "MIRPS", role="member", as_of="2020-01-01", disputed="false"
    )
    assert actor_ids(undisputed) == MIRPS_FOUNDERS


async def test_support_platform_member_lists_disagree(client: httpx.AsyncClient) -> None:
    items = await participants(client, "MIRPS-SP", role="member", as_of="2022-01-01")
    disputed = sorted(i["actor"]["id"] for i in items if i["disputed"])
    agreed = sorted(i["actor"]["id"] for i in items if not i["disputed"])
    assert disputed == ["ITA", "SWE", "URY", "eclac", "idb", "oas", "unhcr"]
    assert agreed == ["ARG", "BRA", "CAN", "CHE", "COL", "ESP", "FRA", "USA", "eu", "world-bank"]


async def test_participation_item_shape(client: httpx.AsyncClient) -> None:
    items = await participants(client, "MIRPS-SP", role="chair", as_of="2022-01-01")
    (canada,) = items
    assert [o.split()[0] for o in canada["objectives"]] == ["Rally", "Make", "Strengthen"]
    cited = [
        {"source_id": c["source_id"], "locator": c["locator"], "passage": c["passage"]}
        for c in canada["citations"]
    ]
    assert canada == {
        "id": canada["id"],
        "forum": "MIRPS-SP",
        "actor": {"id": "CAN", "iso3": "CAN", "name": "Canada", "kind": "state"},
        "holder_status": "named",
        "role": "chair",
        "start": "2021-07",
        "start_precision": "month",
        "end": "2022-09-21",
        "end_precision": "day",
        "certainty": "certain",
        "start_earliest": "2021-07-01",
        "start_latest": "2021-07-31",
        "end_earliest": "2022-09-21",
        "end_latest": "2022-09-21",
        "last_confirmed": None,
        "last_confirmed_source": None,
        "disputed": False,
        "dispute": None,
        "note": canada["note"],
        "theme": "Protection and Empowerment of Women and Girls on the Move",
        "objectives": canada["objectives"],
        "departments": ["Immigration, Refugees and Citizenship Canada", "Global Affairs Canada"],
        "bounds": canada["bounds"],
        "citations": canada["citations"],
        # No passage gives the handover day as the chairship's end: it follows from the
        # U.S. taking the chair at the Solidarity Event, which the report dates.
        "inferred": [{"field": "end", "reasoning": canada["inferred"][0]["reasoning"]}],
    }
    # A stated bound names the passages it rests on (the claim's own citations).
    assert [(b["edge"], b["side"], b["day"], b["basis"]) for b in canada["bounds"]] == [
        ("start", "not_before", "2021-07-01", "stated"),
        ("start", "not_after", "2021-07-31", "stated"),
        ("end", "not_before", "2022-09-21", "stated"),
        ("end", "not_after", "2022-09-21", "stated"),
    ]
    for bound in canada["bounds"]:
        assert sorted(bound["citations"], key=repr) == sorted(cited, key=repr)
    assert "21 September 2022" in canada["inferred"][0]["reasoning"]
    assert {c["source_id"] for c in canada["citations"]} >= {"canada-mirps-sp-chair-report-2022"}


async def test_rcm_budget_split_is_reported_as_given(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/funding-shares", forum="RCM")
    shares = {item["actor"]["id"]: item["share_pct"] for item in body["items"]}
    assert shares == {
        "USA": "50.0000",
        "CAN": "24.0000",
        "MEX": "11.0000",
        **{iso: "1.7700" for iso in ["BLZ", "CRI", "SLV", "GTM", "HND", "NIC", "PAN", "DOM"]},
    }
    assert body["total_pct"] == "99.1600"
    assert body["total"] == 11
    assert [i["actor"]["id"] for i in body["items"][:3]] == ["USA", "CAN", "MEX"]
    assert {i["basis"] for i in body["items"]} == {"total CRM budget"}
    assert all(
        i["citations"][0]["source_id"] == "wrmc-2021-regional-cooperation" for i in body["items"]
    )


@pytest.mark.parametrize(
    ("code", "name", "founded", "precision", "parent"),
    [
        (
            "MIRPS",
            "Comprehensive Regional Protection and Solutions Framework",
            "2017",
            "year",
            None,
        ),
        ("MIRPS-SP", None, "2019-12", "month", "MIRPS"),
        ("RCM", "Regional Conference on Migration", "1996-02", "month", None),
        ("SICA", None, "1991", "year", None),
        ("C-A4", None, "2006", "year", "SICA"),
        ("OAS-CAM", None, "2012-07", "month", "OAS"),
        ("IMRF", None, None, None, "GCM"),
        ("CIREFCA", None, "1989-05", "month", None),
    ],
)
async def test_forum_facts(
    client: httpx.AsyncClient,
    code: str,
    name: str | None,
    founded: str | None,
    precision: str | None,
    parent: str | None,
) -> None:
    forum = await get_json(client, f"/v1/forums/{code}")
    if name is not None:
        assert forum["name"] == name
    assert (forum["founded"], forum["founded_precision"], forum["parent"]) == (
        founded,
        precision,
        parent,
    )
    assert forum["citations"]


async def test_forum_aliases_and_lineage(client: httpx.AsyncClient) -> None:
    rcm = await get_json(client, "/v1/forums/RCM")
    assert {"Puebla Process", "CRM"} <= set(rcm["aliases"])
    cam = await get_json(client, "/v1/forums/OAS-CAM")
    assert cam["predecessor"] == "CEAM"
    ceam = await get_json(client, "/v1/forums/CEAM")
    assert (ceam["founded"], ceam["ended"]) == ("2008-04", "2012-06")
    gcm = await get_json(client, "/v1/forums/GCM")
    assert "IMRF" in gcm["children"]


@pytest.mark.parametrize(
    ("event_id", "start", "end", "place", "total"),
    [
        ("imrf-2022", "2022-05-17", "2022-05-20", None, None),
        ("imrf-2022-multistakeholder-hearing", "2022-05-16", None, None, None),
        ("mirps-solidarity-event-2021", "2021-06-10", None, None, ("110000000.00", "USD", "exact")),
        (
            "mirps-sp-solidarity-event-2022",
            "2022-09-21",
            None,
            None,
            ("210000000.00", "USD", "at_least"),
        ),
        ("mirps-sp-signature-event-2022", "2022-05", None, None, None),
        ("cirefca-conference-1989", "1989-05", None, None, None),
    ],
)
async def test_event_facts(
    client: httpx.AsyncClient,
    event_id: str,
    start: str,
    end: str | None,
    place: str | None,
    total: tuple[str, str, str] | None,
) -> None:
    event = await get_json(client, f"/v1/events/{event_id}")
    assert (event["start"], event["end"]) == (start, end)
    if total is None:
        assert event["announced_total"] is None
    else:
        amount = event["announced_total"]
        assert (amount["amount"], amount["currency"], amount["qualifier"]) == total
    assert event["citations"]


async def test_solidarity_event_2022_hosts(client: httpx.AsyncClient) -> None:
    event = await get_json(client, "/v1/events/mirps-sp-solidarity-event-2022")
    hosts = {h["actor"]["id"] for h in event["hosts"]}
    assert {"CAN", "USA"} <= hosts
    assert "New York" in (event["place"] or "")


async def test_canadas_cad_pledge_stays_in_cad_with_a_cited_usd_equivalent(
    client: httpx.AsyncClient,
) -> None:

    body = await get_json(client, "/v1/pledges", pledger="CAN")
    (pledge,) = body["items"]
    assert (pledge["amount"], pledge["currency"]) == ("13150000.00", "CAD")
    assert pledge["amount_usd"] == "10104502.84"  # 13,150,000 / 1.3014 (G.5A, 2022)
    assert pledge["event"] == "mirps-sp-solidarity-event-2022"
    assert pledge["announced_on"] == "2022-09-21"
    assert [p["id"] for p in pledge["pledgers"]] == ["CAN"]
    assert pledge["curated"] is True


async def test_event_totals_are_not_split_into_invented_pledges(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/pledges", event="mirps-sp-solidarity-event-2022")
    assert [p["pledgers"][0]["id"] for p in body["items"]] == ["CAN"]
    none = await get_json(client, "/v1/pledges", event="mirps-solidarity-event-2021")
    assert none["items"] == []


async def test_states_carry_iso_names(client: httpx.AsyncClient) -> None:
    usa = await get_json(client, "/v1/actors/USA")
    assert (usa["iso3"], usa["name"], usa["kind"]) == ("USA", "United States", "state")
    unhcr = await get_json(client, "/v1/actors/unhcr")
    assert (unhcr["iso3"], unhcr["kind"]) == (None, "un_entity")


async def test_every_curated_fact_is_cited(client: httpx.AsyncClient) -> None:
    for path in ["/v1/participations", "/v1/events", "/v1/pledges", "/v1/forums"]:
        items = await walk(client, path, limit=500)
        assert items
        uncited = [item.get("id") or item.get("code") for item in items if not item["citations"]]
        assert uncited == [], path
