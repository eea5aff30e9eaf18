"""The fourteen facts a statement-by-statement audit found wrong, each answered as its
document says, through REST and through GraphQL. Each value no cited passage states is
served with the reasoning it follows from (``inferred``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import get_json, walk
from tests.graphql import gql

CHAIRSHIP = ("2021-07-01", "2022-09-21")  # Canada chaired the MIRPS Support Platform


def _fields(row: dict[str, Any]) -> list[str]:
    return [value["field"] for value in row["inferred"]]


async def _event(client: httpx.AsyncClient, event_id: str) -> dict[str, Any]:
    body = await gql(
        client,
        """query ($id: String!) { event(id: $id) {
             id status start earliest latest inferred { field reasoning } } }""",
        id=event_id,
    )
    event: dict[str, Any] = body["data"]["event"]
    return event


async def _events(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    body = await gql(
        client,
        """query ($filter: EventFilterInput) { events(filter: $filter) { edges { node {
             id status start earliest latest inferred { field } } } } }""",
        filter=filters,
    )
    return [edge["node"] for edge in body["data"]["events"]["edges"]]


async def _programme(client: httpx.AsyncClient, programme_id: str) -> dict[str, Any]:
    body = await gql(
        client,
        """query ($id: String!) { programme(id: $id) {
             id start end startEarliest startLatest endEarliest endLatest ownerForumCode
             inferred { field reasoning } } }""",
        id=programme_id,
    )
    programme: dict[str, Any] = body["data"]["programme"]
    return programme


async def _programme_ids(client: httpx.AsyncClient, **filters: Any) -> list[str]:
    body = await gql(
        client,
        "query ($filter: ProgrammeFilterInput) { programmes(filter: $filter) "
        "{ edges { node { id } } } }",
        filter=filters,
    )
    return [edge["node"]["id"] for edge in body["data"]["programmes"]["edges"]]


# 1-3: the IMRF and its parts are announced by a roadmap that predates them.


async def test_1_the_imrf_is_announced_not_held(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/events/imrf-2022")
    assert (rest["status"], rest["start"], rest["end"]) == ("announced", "2022-05-17", "2022-05-20")
    assert (await _event(client, "imrf-2022"))["status"] == "ANNOUNCED"


async def test_2_the_hearing_is_announced(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/events/imrf-2022-multistakeholder-hearing")
    assert (rest["status"], rest["start"]) == ("announced", "2022-05-16")
    graph = await _event(client, "imrf-2022-multistakeholder-hearing")
    assert graph["status"] == "ANNOUNCED"


async def test_3_the_forums_roundtables_and_debate_are_announced(
    client: httpx.AsyncClient,
) -> None:
    parts = await walk(client, "/v1/events", parent="imrf-2022")
    assert len(parts) == 5
    assert {(p["status"], p["earliest"], p["latest"]) for p in parts} == {
        ("announced", "2022-05-17", "2022-05-20")
    }
    assert {tuple(_fields(p)) for p in parts} == {("earliest", "latest")}
    graph = await _events(client, parent=["imrf-2022"])
    assert {p["status"] for p in graph} == {"ANNOUNCED"}
    assert len(graph) == 5
    # Of the IMRF's events, only what the roadmap reports as past is held.
    held = {e["id"] for e in await walk(client, "/v1/events", forum="IMRF", status="held")}
    assert held == {
        "imrf-2022-secretary-general-report",
        "gcm-dialogues-on-migration-2022",
        *(f"gcm-dialogue-on-migration-2022-{d}" for d in ("01-19", "01-26", "02-02", "02-09")),
    }


async def test_4_the_gfmd_roundtable_is_announced_and_its_year_inferred(
    client: httpx.AsyncClient,
) -> None:
    rest = await get_json(client, "/v1/events/gfmd-roundtable-public-narrative-2019")
    assert (rest["status"], rest["start"]) == ("announced", "2019")
    assert _fields(rest) == ["start"]
    graph = await _event(client, "gfmd-roundtable-public-narrative-2019")
    assert (graph["status"], graph["start"]) == ("ANNOUNCED", "2019")
    assert "2019" in graph["inferred"][0]["reasoning"]


# 5-6: what the report lists under Canada's chairship lies within it.


async def test_5_the_technical_meetings_lie_within_canadas_chairship(
    client: httpx.AsyncClient,
) -> None:
    rest = await get_json(client, "/v1/events/mirps-sp-technical-meetings-2021-2022")
    assert (rest["start"], rest["earliest"], rest["latest"]) == (None, *CHAIRSHIP)
    assert _fields(rest) == ["earliest", "latest"]
    assert all("CAN as chair of MIRPS-SP" in i["reasoning"] for i in rest["inferred"])
    graph = await _event(client, "mirps-sp-technical-meetings-2021-2022")
    assert (graph["earliest"], graph["latest"], graph["status"]) == (*CHAIRSHIP, "HELD")


async def test_6_the_annual_meeting_is_found_within_the_chairship(
    client: httpx.AsyncClient,
) -> None:
    rest = await get_json(client, "/v1/events/mirps-annual-meeting-guatemala")
    assert (rest["earliest"], rest["latest"]) == CHAIRSHIP
    ranged = await walk(
        client, "/v1/events", forum="MIRPS", start_from=CHAIRSHIP[0], start_to=CHAIRSHIP[1]
    )
    assert "mirps-annual-meeting-guatemala" in {e["id"] for e in ranged}
    graph = await _events(client, forum=["MIRPS"], startFrom=CHAIRSHIP[0], startTo=CHAIRSHIP[1])
    assert "mirps-annual-meeting-guatemala" in {e["id"] for e in graph}
    # Before the chairship it cannot have happened.
    before = await walk(client, "/v1/events", forum="MIRPS", start_to="2021-06-30")
    assert "mirps-annual-meeting-guatemala" not in {e["id"] for e in before}


# 7: a source's dates come from its text or are open.


async def test_7_canadas_report_is_undated_and_open_above(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/sources/canada-mirps-sp-chair-report-2022")
    assert (rest["published"], rest["published_earliest"], rest["published_latest"]) == (
        None,
        "2022-11-01",
        None,
    )
    assert _fields(rest) == ["published_earliest"]
    body = await gql(
        client,
        """{ source(id: "canada-mirps-sp-chair-report-2022") {
             published publishedEarliest publishedLatest inferred { field } } }""",
    )
    assert body["data"]["source"] == {
        "published": None,
        "publishedEarliest": "2022-11-01",
        "publishedLatest": None,
        "inferred": [{"field": "published_earliest"}],
    }


async def test_spains_chairship_cannot_start_after_it_ended(client: httpx.AsyncClient) -> None:
    (spain,) = await walk(client, "/v1/participations", forum="MIRPS-SP", actor="ESP", role="chair")
    assert (spain["end"], spain["end_latest"]) == ("2021-07", "2021-08-01")
    assert spain["start_earliest"] == "2019-12-01"
    assert spain["start_latest"] == "2021-08-01"
    assert [(b["side"], b["basis"]) for b in spain["bounds"] if b["edge"] == "start"] == [
        ("not_before", "forum_founded"),
        ("not_after", "end"),
    ]


# 8-11: programmes are not in effect before they exist.


async def test_8_9_the_us_strategies_date_from_2021(client: httpx.AsyncClient) -> None:
    for programme_id in (
        "us-collaborative-migration-management-strategy",
        "us-root-causes-strategy",
    ):
        rest = await get_json(client, f"/v1/programmes/{programme_id}")
        assert (rest["start_earliest"], rest["start_latest"]) == ("2021-01-01", "2021-10-31")
        assert _fields(rest) == ["start_latest"]
        graph = await _programme(client, programme_id)
        assert (graph["startEarliest"], graph["startLatest"]) == ("2021-01-01", "2021-10-31")
    in_2016 = await walk(client, "/v1/programmes", as_of="2016-06-01", owner="USA")
    assert in_2016 == []
    assert await _programme_ids(client, asOf="2016-06-01", owner=["USA"]) == []
    in_2022 = await walk(client, "/v1/programmes", as_of="2022-01-01", owner="USA")
    assert {(p["id"], p["certainty"]) for p in in_2022} == {
        ("us-collaborative-migration-management-strategy", "possible"),
        ("us-root-causes-strategy", "possible"),
    }


async def test_10_the_action_plans_areas_lie_within_the_plan(client: httpx.AsyncClient) -> None:
    parent = "sica-unhcr-action-plan-2018-2019"
    assert await walk(client, "/v1/programmes", as_of="2016-06-01", parent=parent) == []
    assert await _programme_ids(client, asOf="2016-06-01", parent=[parent]) == []
    areas = await walk(client, "/v1/programmes", parent=parent)
    assert {(a["start_earliest"], a["end_latest"]) for a in areas} == {("2018-01-01", "2020-01-01")}
    assert {tuple(_fields(a)) for a in areas} == {
        ("start_earliest", "start_latest", "end_earliest", "end_latest")
    }


async def test_11_paim_sica_is_not_in_effect_before_june_2018(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/programmes/paim-sica")
    assert (rest["start"], rest["start_earliest"], rest["start_latest"]) == (
        None,
        "2018-06-01",
        None,
    )
    assert _fields(rest) == ["start_earliest"]
    graph = await _programme(client, "paim-sica")
    assert graph["startEarliest"] == "2018-06-01"
    assert "paim-sica" not in await _programme_ids(client, asOf="2018-05-31", forum=["SICA"])
    assert "paim-sica" in await _programme_ids(client, asOf="2018-06-01", forum=["SICA"])


# 12: days and months with no year.


async def test_12_the_dialogues_have_no_year_and_precede_the_roadmap(
    client: httpx.AsyncClient,
) -> None:
    rest = await walk(client, "/v1/events", parent="gcm-dialogues-on-migration-2022")
    assert [(d["start"], d["latest"]) for d in rest] == [(None, "2021-09-30")] * 4
    graph = await _events(client, parent=["gcm-dialogues-on-migration-2022"])
    assert [(d["start"], d["latest"], d["inferred"]) for d in graph] == [
        (None, "2021-09-30", [{"field": "latest"}])
    ] * 4
    series = await get_json(client, "/v1/events/gcm-dialogues-on-migration-2022")
    assert (series["start"], series["end"], series["latest"]) == (None, None, "2021-09-30")
    assert _fields(series) == ["latest"]


# 13-14: what the documents do not say is not served.


async def test_13_the_mpdp_has_no_stated_start(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/programmes/mpdp")
    assert (rest["start"], rest["start_latest"], rest["end"]) == (None, "2017-12-31", None)
    graph = await _programme(client, "mpdp")
    assert (graph["start"], graph["startLatest"]) == (None, "2017-12-31")
    assert [i["field"] for i in graph["inferred"]] == ["start_latest", "end_latest"]


async def test_14_cities_of_solidarity_has_no_owner(client: httpx.AsyncClient) -> None:
    rest = await get_json(client, "/v1/programmes/cities-of-solidarity")
    assert (rest["owner_forum"], rest["owner_actor"], rest["forum"]) == (None, None, "MIRPS")
    assert (await _programme(client, "cities-of-solidarity"))["ownerForumCode"] is None
    listed = {p["id"]: p for p in await walk(client, "/v1/programmes", forum="MIRPS")}
    assert listed["cities-of-solidarity"]["owner_forum"] is None
