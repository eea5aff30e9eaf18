"""Honest time through REST: certainty, bounds, undecided offices (docs/time.md)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.api.helpers import get_json, walk
from tests.services.cited import passage_read

CANADA_REPORT = "canada-mirps-sp-chair-report-2022"
FACT_SHEET = "ircc-imcbp-factsheet-2019"


async def participants(
    client: httpx.AsyncClient, forum: str, **params: Any
) -> list[dict[str, Any]]:
    return await walk(client, f"/v1/forums/{forum}/participants", **params)


def by_holder(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {(i["actor"] or {}).get("id", i["holder_status"]): i for i in items}


async def test_world_bank_is_no_member_of_the_platform_in_mid_2020(
    client: httpx.AsyncClient,
) -> None:
    members = by_holder(await participants(client, "MIRPS-SP", role="member", as_of="2020-06-01"))
    assert "world-bank" not in members
    assert members["ARG"]["certainty"] == "certain"
    sure = by_holder(
        await participants(
            client, "MIRPS-SP", role="member", as_of="2020-06-01", certainty="certain"
        )
    )
    assert "world-bank" not in sure
    # Later it may be a member: it joined between July 2021 and 21 September 2022.
    later = by_holder(await participants(client, "MIRPS-SP", role="member", as_of="2022-01-01"))
    bank = later["world-bank"]
    assert (bank["certainty"], bank["start"], bank["start_earliest"], bank["start_latest"]) == (
        "possible",
        None,
        "2021-07-01",
        "2022-09-21",
    )
    explicit = [b for b in bank["bounds"] if b["basis"] == "explicit"]
    assert [(b["side"], b["day"], b["citations"][0]["source_id"]) for b in explicit] == [
        ("not_before", "2021-07-01", CANADA_REPORT),
        ("not_after", "2022-09-21", CANADA_REPORT),
    ]


async def test_no_certain_belize_in_sica_in_1995(client: httpx.AsyncClient) -> None:
    members = by_holder(await participants(client, "SICA", role="member", as_of="1995-01-01"))
    belize = members["BLZ"]
    assert (belize["certainty"], belize["start"], belize["start_earliest"]) == (
        "possible",
        None,
        "1991-01-01",
    )
    assert [(b["side"], b["basis"]) for b in belize["bounds"] if b["edge"] == "start"] == [
        ("not_before", "forum_founded"),
        ("not_after", "first_document"),
    ]
    sure = await participants(
        client, "SICA", role="member", as_of="1995-01-01", certainty="certain"
    )
    assert sure == []


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2019-06-01", "possible"), ("2020-12-15", "possible"), ("2020-12-31", "possible")],
)
async def test_canada_igc_chair_for_2019_to_2020(
    client: httpx.AsyncClient, as_of: str, expected: str
) -> None:
    (canada,) = await participants(client, "IGC", role="chair", as_of=as_of)
    assert (canada["actor"]["id"], canada["certainty"], canada["end"]) == ("CAN", expected, "2020")
    assert (canada["end_earliest"], canada["end_latest"]) == ("2020-01-01", "2021-01-01")
    assert await participants(client, "IGC", role="chair", as_of=as_of, certainty="certain") == []


async def test_canada_is_not_igc_chair_in_mid_2021(client: httpx.AsyncClient) -> None:
    assert await participants(client, "IGC", role="chair", as_of="2021-06-01") == []


async def test_m5_chair_in_2026_is_possible_and_last_confirmed_in_2019(
    client: httpx.AsyncClient,
) -> None:
    (canada,) = await participants(client, "M5", role="chair", as_of="2026-01-01")
    assert {
        key: canada[key]
        for key in (
            "certainty",
            "start_earliest",
            "start_latest",
            "end_earliest",
            "end_latest",
            "last_confirmed",
            "last_confirmed_source",
        )
    } == {
        "certainty": "possible",
        "start_earliest": "2019-11-01",
        "start_latest": "2019-11-30",
        "end_earliest": "2019-11-01",
        "end_latest": None,
        "last_confirmed": "2019-01-01",
        "last_confirmed_source": FACT_SHEET,
    }
    assert (
        await participants(client, "M5", role="chair", as_of="2026-01-01", certainty="certain")
        == []
    )


async def test_undecided_incoming_chair_is_an_answer(client: httpx.AsyncClient) -> None:
    (office,) = await participants(client, "MIRPS-SP", role="incoming_chair", as_of="2023-01-01")
    assert office == {
        **office,
        "actor": None,
        "holder_status": "undecided",
        "role": "incoming_chair",
        "start": "2022-09-21",
        "end": None,
        "certainty": "possible",
        "last_confirmed": "2022-11-01",
        "last_confirmed_source": CANADA_REPORT,
        "disputed": False,
        "citations": [
            {
                "source_id": CANADA_REPORT,
                "locator": "3. Key Results and Activities, footnote 2 (Incoming Chair TBD)",
                "passage": passage_read(
                    CANADA_REPORT,
                    "A Troika Governance model is system of governance ... Chair-in-Office.",
                ),
            }
        ],
    }
    # Between the handover and the report it is certainly undecided.
    (sure,) = await participants(
        client, "MIRPS-SP", role="incoming_chair", as_of="2022-10-01", certainty="certain"
    )
    assert sure["id"] == office["id"]
    # Before the Troika existed there was no incoming chair at all.
    assert await participants(client, "MIRPS-SP", role="incoming_chair", as_of="2020-06-01") == []


async def test_undecided_office_in_csv(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/forums/MIRPS-SP/participants",
        params={"role": "incoming_chair", "as_of": "2023-01-01", "format": "csv"},
    )
    assert response.status_code == 200
    (cells,) = list(csv.DictReader(io.StringIO(response.text)))
    assert (cells["actor_id"], cells["holder_status"], cells["certainty"]) == (
        "",
        "undecided",
        "possible",
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/participations", {"as_of": "2020-01-01", "certainty": "maybe"}),
        ("/v1/forums/MIRPS/participants", {"as_of": "2020-01-01", "certainty": "maybe"}),
        ("/v1/actors", {"member_of": "MIRPS", "certainty": "maybe"}),
    ],
)
async def test_unknown_certainty_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], [e["field"] for e in body["errors"]]) == (
        "invalid_parameter",
        ["certainty"],
    )


async def test_certainty_without_a_day_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/participations", params={"certainty": "certain"})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["errors"]) == (
        "invalid_input",
        [{"field": "certainty", "detail": body["detail"], "requires": ["as_of"]}],
    )
    assert "as_of" in body["detail"]


@pytest.mark.parametrize(
    ("params", "requires"),
    [
        ({"member_of": "M5"}, [["as_of"]]),
        ({"as_of": "2020-01-01"}, [["member_of", "has_role"]]),
        ({}, [["as_of"], ["member_of", "has_role"]]),
    ],
)
async def test_actor_certainty_needs_a_day_and_a_condition(
    client: httpx.AsyncClient, params: dict[str, str], requires: list[list[str]]
) -> None:
    # As on participations and programmes (docs/time.md): no certainty without a stated day.
    response = await client.get("/v1/actors", params={"certainty": "certain", **params})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], [e["field"] for e in body["errors"]]) == (
        "invalid_input",
        ["certainty"] * len(requires),
    )
    assert [e["requires"] for e in body["errors"]] == requires
    assert body["detail"] == " ".join(e["detail"] for e in body["errors"])
    named = await client.get(
        "/v1/actors", params={"certainty": "certain", "member_of": "M5", "as_of": "2020-01-01"}
    )
    assert named.status_code == 200


async def test_participations_carry_certainty_only_with_a_day(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/participations", forum="M5", role="chair")
    assert [(i["actor"]["id"], i["certainty"]) for i in body["items"]] == [("CAN", None)]
    body = await get_json(
        client, "/v1/participations", forum="M5", role="chair", as_of="2020-01-01"
    )
    assert [(i["actor"]["id"], i["certainty"]) for i in body["items"]] == [("CAN", "possible")]


async def test_member_of_takes_the_weakest_membership(client: httpx.AsyncClient) -> None:
    # On 2020-06-01 Canada is a certain member of MIRPS-SP (December 2019 launch list)
    # and a certain RCM member (2019 fact sheet to the October 2021 report).
    both = await get_json(client, "/v1/actors", member_of=["MIRPS-SP", "RCM"], as_of="2020-06-01")
    found = {a["id"]: a["certainty"] for a in both["items"]}
    # The US is on both lists, but its RCM start is known only to be before Oct 2021.
    assert found == {"CAN": "certain", "USA": "possible"}
    sure = await get_json(
        client,
        "/v1/actors",
        member_of=["MIRPS-SP", "RCM"],
        as_of="2020-06-01",
        certainty="certain",
    )
    assert [(a["id"], a["certainty"]) for a in sure["items"]] == [("CAN", "certain")]
    assert sure["total"] == 1


async def test_a_disputed_claim_alone_does_not_make_a_member_certain(
    client: httpx.AsyncClient,
) -> None:
    # El Salvador: 2017 (Canada's report) or 2019 (the task-force report).
    early = await get_json(client, "/v1/actors", member_of="MIRPS", as_of="2018-06-01")
    late = await get_json(client, "/v1/actors", member_of="MIRPS", as_of="2020-06-01")
    assert {a["id"]: a["certainty"] for a in early["items"]}["SLV"] == "possible"
    assert {a["id"]: a["certainty"] for a in late["items"]}["SLV"] == "certain"
    assert {a["id"]: a["certainty"] for a in late["items"]}["MEX"] == "certain"


CHAMPIONS = {"has_role": "GCM:champion", "member_of": "MIRPS", "as_of": "2022-01-01"}


async def test_a_row_is_as_sure_as_the_weakest_condition_it_met(
    client: httpx.AsyncClient,
) -> None:
    # The example: these countries are certain MIRPS members on 2022-01-01 but
    # only possible GCM champions (the champion list is dated by its report alone).
    body = await get_json(client, "/v1/actors", **CHAMPIONS)
    champion = [{"parameter": "has_role", "value": "GCM:champion"}]
    assert [(a["id"], a["certainty"], a["certainty_set_by"]) for a in body["items"]] == [
        ("CRI", "possible", champion),
        ("HND", "possible", champion),
        ("MEX", "possible", champion),
        # El Salvador's MIRPS membership is disputed (2017 or 2019) and so not sure either.
        ("SLV", "possible", [{"parameter": "member_of", "value": "MIRPS"}, *champion]),
    ]
    members = await get_json(client, "/v1/actors", member_of="MIRPS", as_of="2022-01-01")
    assert {a["id"]: a["certainty"] for a in members["items"]}["CRI"] == "certain"
    sure = await get_json(client, "/v1/actors", certainty="certain", **CHAMPIONS)
    assert (sure["items"], sure["total"]) == ([], 0)


async def test_every_condition_certain_names_them_all(client: httpx.AsyncClient) -> None:
    body = await get_json(
        client, "/v1/actors", member_of=["MIRPS-SP", "RCM"], as_of="2020-06-01", certainty="certain"
    )
    assert [(a["id"], a["certainty_set_by"]) for a in body["items"]] == [
        (
            "CAN",
            [
                {"parameter": "member_of", "value": "MIRPS-SP"},
                {"parameter": "member_of", "value": "RCM"},
            ],
        )
    ]
    # Codes as resolved: an alias judges the same forum, named by its code.
    aliased = await get_json(client, "/v1/actors", member_of="crm", as_of="2020-06-01")
    assert {a["certainty_set_by"][0]["value"] for a in aliased["items"]} == {"RCM"}
    # Without a role condition there is nothing to judge: no certainty, nothing set it.
    plain = await get_json(client, "/v1/actors/CAN")
    assert (plain["certainty"], plain["certainty_set_by"]) == (None, None)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/forums/SICA/participants", {"as_of": "2022-01-01"}),
        ("/v1/participations", {"forum": "RCM", "as_of": "2022-01-01"}),
        ("/v1/participations", {"forum": "M5", "as_of": "2022-01-01", "include": "forum"}),
        ("/v1/actors", CHAMPIONS),
    ],
)
async def test_an_empty_certain_answer_says_how_many_possible_rows_it_left_out(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    # SICA, the RCM and the Migration Five are known from documents dated to a month or
    # a year: every row is possible, none certain (README, "Asking about a day").
    everything = await get_json(client, path, **params)
    assert everything["total"] > 0
    assert {row["certainty"] for row in everything["items"]} == {"possible"}
    assert everything["possible_left_out"] is None
    sure = await get_json(client, path, certainty="certain", **params)
    assert (sure["items"], sure["total"], sure["possible_left_out"]) == (
        [],
        0,
        everything["total"],
    )


async def test_a_certain_answer_counts_only_the_rows_it_left_out(
    client: httpx.AsyncClient,
) -> None:
    params = {"role": "member", "as_of": "2022-01-01"}
    everything = await walk(client, "/v1/forums/MIRPS/participants", **params)
    sure = await get_json(client, "/v1/forums/MIRPS/participants", certainty="certain", **params)
    possible = [row for row in everything if row["certainty"] == "possible"]
    assert sure["total"] == len(everything) - len(possible) > 0
    assert sure["possible_left_out"] == len(possible) > 0
    # Paging does not change it: the count is over the whole list.
    first = await get_json(
        client, "/v1/forums/MIRPS/participants", certainty="certain", limit=1, **params
    )
    second = await get_json(
        client,
        "/v1/forums/MIRPS/participants",
        certainty="certain",
        limit=1,
        cursor=first["next_cursor"],
        **params,
    )
    assert first["possible_left_out"] == second["possible_left_out"] == len(possible)


async def test_programmes_say_what_a_certain_answer_left_out(client: httpx.AsyncClient) -> None:
    everything = await walk(client, "/v1/programmes", as_of="2022-01-01")
    sure = await get_json(client, "/v1/programmes", as_of="2022-01-01", certainty="certain")
    possible = [row for row in everything if row["certainty"] == "possible"]
    assert sure["possible_left_out"] == len(possible) > 0
    assert sure["total"] == len(everything) - len(possible)


async def test_a_membership_dated_to_a_month_is_never_certain(client: httpx.AsyncClient) -> None:
    # The README's example: Belize in SICA rests on one report dated October 2021.
    params = {"role": "member", "as_of": "2021-10-15"}
    members = by_holder(await participants(client, "SICA", **params))
    belize = members["BLZ"]
    assert (belize["certainty"], belize["start_latest"], belize["end_earliest"]) == (
        "possible",
        "2021-10-31",
        "2021-10-02",
    )
    assert {m["certainty"] for m in members.values()} == {"possible"}
    sure = await get_json(client, "/v1/forums/SICA/participants", certainty="certain", **params)
    assert sure == {"items": [], "total": 0, "next_cursor": None, "possible_left_out": 7}
    assert len(members) == 7
