"""Answers that do not mislead (issue 29): each plausible call that once gave a plausible
wrong answer, pinned over REST. tests/graphql/test_honest_answers.py asks the same."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from tests.api.helpers import get_json

ITALY = "ita-cirefca-pledge"


# --- 1. a bare "$" is flagged, on pledges and in totals -----------------------------------


async def test_italys_bare_dollar_pledge_is_flagged_assumed(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/pledges", forum="CIREFCA")
    (pledge,) = body["items"]
    assert (pledge["amount"], pledge["currency"], pledge["currency_assumed"]) == (
        "115000000.00",
        "USD",
        True,
    )
    assert "USD" not in (pledge["description"] or "")
    canada = await get_json(client, "/v1/pledges", currency="CAD")
    assert [p["currency_assumed"] for p in canada["items"]] == [False]


async def test_no_description_calls_the_assumed_dollars_usd(client: httpx.AsyncClient) -> None:
    records = await get_json(client, "/v1/money-records", forum="CIREFCA")
    for record in records["items"]:
        assert "USD 115" not in (record["description"] or "")


async def test_the_pledge_csv_carries_the_flag(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/pledges", params={"forum": "CIREFCA", "format": "csv"})
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["currency_assumed"] == "true"


async def test_summaries_say_how_much_rests_on_an_assumed_currency(
    client: httpx.AsyncClient,
) -> None:
    body = await get_json(client, "/v1/pledges/summary", group_by="forum")
    groups = {g["forum"]: g for g in body["groups"]}
    cirefca, mirps = groups["CIREFCA"], groups["MIRPS-SP"]
    assert cirefca["count_currency_assumed"] == 1
    assert cirefca["amounts"] == [
        {
            "currency": "USD",
            "amount": "115000000.00",
            "amount_submitted": "0.00",
            "amount_currency_assumed": "115000000.00",
        }
    ]
    assert cirefca["amount_usd_currency_assumed"] == "115000000.00"
    assert mirps["count_currency_assumed"] == 0
    assert mirps["amount_usd_currency_assumed"] == "0.00"
    # The README's question 7, as it asks it.
    (readme,) = (await get_json(client, "/v1/pledges/summary", forum="CIREFCA"))["groups"]
    assert (readme["count_currency_assumed"], readme["amount_usd_currency_assumed"]) == (
        1,
        "115000000.00",
    )
    money = await get_json(client, "/v1/money-records/summary", forum="CIREFCA")
    assumed = {g["kind"]: g["total_currency_assumed"] for g in money["groups"]}
    assert assumed == {"recorded_total": "0.00", "estimated_cost": "375000000.00"}


# --- 2. money rolls up to a programme's parts ---------------------------------------------


async def test_a_programme_rolls_up_its_subprogrammes_money(client: httpx.AsyncClient) -> None:
    alone = await get_json(client, "/v1/money-records", programme="imcbp")
    assert [r["id"] for r in alone["items"]] == [
        "imcbp-membership-fees",
        "imcbp-technical-assistance",
    ]
    rolled = await get_json(
        client, "/v1/money-records", programme="IMCBP", include_subprogrammes="true"
    )
    assert [(r["id"], r["programme"]) for r in rolled["items"]] == [
        ("imcbp-membership-fees", "imcbp"),
        ("imcbp-technical-assistance", "imcbp"),
        ("mcee-envelope", "mcee"),
    ]
    summary = await get_json(
        client, "/v1/money-records/summary", programme="imcbp", include_subprogrammes="true"
    )
    totals = {(g["programme"], g["kind"]): g["total"] for g in summary["groups"]}
    assert totals == {
        ("imcbp", "budget"): "700000.00",
        ("imcbp", "membership_fee"): "300000.00",
        ("mcee", "budget"): "21000000.00",
    }
    plain = await get_json(client, "/v1/money-records/summary", programme="imcbp")
    assert {g["programme"] for g in plain["groups"]} == {"imcbp"}


# --- 3. the index lists every collection --------------------------------------------------


def _get_collections(app: Any) -> set[str]:
    """Every GET route under /v1 whose path does not end in a parameter, from the OpenAPI
    document the app serves (so this does not share the index's own enumeration)."""
    paths = app.openapi()["paths"]
    return {
        path
        for path, operations in paths.items()
        if "get" in operations and path.startswith("/v1/") and not path.endswith("}")
    }


async def test_the_index_and_meta_list_every_collection(
    app: Any, client: httpx.AsyncClient
) -> None:
    wanted = _get_collections(app)
    assert {
        "/v1/programmes",
        "/v1/money-records",
        "/v1/money-records/summary",
        "/v1/participant-counts",
        "/v1/governance-changes",
        "/v1/forums/{code}/participants",
    } <= wanted
    index = await get_json(client, "/v1")
    assert {r["href"] for r in index["resources"]} == wanted
    assert all(r["name"] and r["description"] for r in index["resources"])
    meta = await get_json(client, "/v1/meta")
    listed = {r["href"]: r["count"] for r in meta["resources"]}
    assert set(listed) == wanted
    counts = meta["counts"]
    for name in ("programmes", "money_records", "participant_counts", "governance_changes"):
        assert counts[name] > 0
    assert listed["/v1/programmes"] == counts["programmes"]
    assert listed["/v1/money-records"] == counts["money_records"]
    assert listed["/v1/money-records/summary"] is None


# --- 5. series and occurrences, who ran an event and the forum it served ------------------

DIALOGUES = "gcm-dialogues-on-migration-2022"
REGIONAL = "imrf-2022-regional-roundtables"


async def test_a_series_is_not_counted_beside_its_occurrences(client: httpx.AsyncClient) -> None:
    every = await get_json(client, "/v1/events", kind="dialogue")
    rows = {e["id"]: (e["series"], e["occurrence"]) for e in every["items"]}
    assert rows.pop(DIALOGUES) == (True, True)  # a series, itself part of the preparation
    assert len(rows) == 4
    assert set(rows.values()) == {(False, True)}
    once = await get_json(client, "/v1/events", kind="dialogue", series="false")
    assert [e["id"] for e in once["items"]] == sorted(rows)
    only = await get_json(client, "/v1/events", kind="dialogue", series="true")
    assert [e["id"] for e in only["items"]] == [DIALOGUES]
    summary = await get_json(client, "/v1/events/summary", kind="dialogue", series="false")
    assert [g["count"] for g in summary["groups"]] == [4]


async def test_who_ran_an_event_is_told_apart_from_the_forum_it_served(
    client: httpx.AsyncClient,
) -> None:
    mixed = await get_json(client, "/v1/events", forum="IMRF", kind="roundtable", series="false")
    assert len(mixed["items"]) == 8
    regional = await get_json(
        client, "/v1/events", forum="IMRF", kind="roundtable", series="false", organizer="IOM"
    )
    assert {e["organizers_from"] for e in regional["items"]} == {REGIONAL}
    assert all(e["id"].startswith("imrf-2022-regional-roundtable-rt") for e in regional["items"])
    assert len(regional["items"]) == 4
    own = await get_json(
        client,
        "/v1/events",
        forum="IMRF",
        kind="roundtable",
        series="false",
        not_organizer="iom",
    )
    assert {e["id"] for e in own["items"]} == {
        "imrf-2022-roundtable-rt1-drivers",
        "imrf-2022-roundtable-rt2-governance",
        "imrf-2022-roundtable-rt3-inclusion",
        "imrf-2022-roundtable-rt4-data",
    }
    assert {e["organizers_from"] for e in own["items"]} == {None}
    series = await get_json(client, f"/v1/events/{REGIONAL}")
    assert (series["series"], series["organizers_from"]) == (True, REGIONAL)
    assert [(h["actor"]["id"], h["role"]) for h in series["hosts"]] == [("iom", "organizer")]
    typo = await client.get("/v1/events", params={"organizer": "IOMM"})
    assert typo.status_code == 400
    assert typo.json()["errors"][0]["field"] == "organizer"


# --- 4. a membership answer names its disputes --------------------------------------------


async def test_membership_rows_name_their_disputes_and_each_conditions_certainty(
    client: httpx.AsyncClient,
) -> None:
    body = await get_json(client, "/v1/actors", member_of="MIRPS-SP", as_of="2022-06-01")
    rows = {a["id"]: a for a in body["items"]}
    assert rows["ITA"]["certainty"] == "possible"
    assert rows["ITA"]["conditions_met"] == [
        {
            "parameter": "member_of",
            "value": "MIRPS-SP",
            "certainty": "possible",
            "disputes": ["mirps-sp-member-list"],
        }
    ]
    assert rows["CAN"]["conditions_met"] == [
        {"parameter": "member_of", "value": "MIRPS-SP", "certainty": "certain", "disputes": []}
    ]
    both = await get_json(
        client, "/v1/actors", member_of="MIRPS", has_role="GCM:champion", as_of="2018-06-01"
    )
    salvador = next(a for a in both["items"] if a["id"] == "SLV")
    assert salvador["conditions_met"] == [
        {
            "parameter": "member_of",
            "value": "MIRPS",
            "certainty": "possible",
            "disputes": ["mirps-slv-membership-start"],
        },
        {"parameter": "has_role", "value": "GCM:champion", "certainty": "possible", "disputes": []},
    ]
    plain = await get_json(client, "/v1/actors", kind="state", limit=1)
    assert plain["items"][0]["conditions_met"] is None


async def test_has_role_answers_carry_certainty_and_take_certainty(
    client: httpx.AsyncClient,
) -> None:
    every = await get_json(client, "/v1/actors", has_role="GCM:champion", as_of="2022-01-01")
    assert {a["certainty"] for a in every["items"]} <= {"certain", "possible"}
    assert all(a["conditions_met"][0]["parameter"] == "has_role" for a in every["items"])
    sure = await get_json(
        client, "/v1/actors", has_role="GCM:champion", as_of="2022-01-01", certainty="certain"
    )
    assert sure["possible_left_out"] == sum(a["certainty"] == "possible" for a in every["items"])


# --- 6. every bound names its evidence, and a bound in the files is data ------------------


async def test_stated_bounds_name_their_citations(client: httpx.AsyncClient) -> None:
    chairs = await get_json(client, "/v1/participations", forum="MIRPS-SP", role="chair")
    stated = [b for row in chairs["items"] for b in row["bounds"] if b["basis"] == "stated"]
    assert stated
    for bound in stated:
        assert bound["citations"], bound
        assert all(c["locator"] and c["passage"] for c in bound["citations"])
    events = await get_json(client, "/v1/events", limit=100)
    for event in events["items"]:
        sides = {(b["edge"], b["side"]): b for b in event["bounds"]}
        if event["earliest"] is not None:
            assert sides[("start", "not_before")]["day"] == event["earliest"]
        if event["latest"] is not None:
            assert sides[("end", "not_after")]["day"] == event["latest"]
        for bound in event["bounds"]:
            assert bound["citations"], (event["id"], bound)


async def test_a_term_bound_event_names_the_term_it_lies_in(client: httpx.AsyncClient) -> None:
    event = await get_json(client, "/v1/events/mirps-further-solidarity-event")
    assert (event["earliest"], event["latest"]) == ("2021-07-01", "2022-09-21")
    assert {b["basis"] for b in event["bounds"]} == {"term"}
    found = await get_json(client, "/v1/events", start_from="2022-01", forum="MIRPS")
    assert "mirps-further-solidarity-event" in {e["id"] for e in found["items"]}


async def test_an_end_without_a_start_bounds_the_event_and_its_parts(
    client: httpx.AsyncClient,
) -> None:
    deadline = await get_json(client, "/v1/events/imrf-2022-voluntary-review-deadline")
    assert deadline["latest"] == "2022-05-16"
    (bound,) = deadline["bounds"]
    assert (bound["basis"], bound["citations"][0]["source_id"]) == (
        "series",
        "unnm-lac-imrf-roadmap-2021",
    )
    later = await get_json(client, "/v1/events", forum="IMRF", start_from="2022-06")
    assert "imrf-2022-voluntary-review-deadline" not in {e["id"] for e in later["items"]}


# --- 7. a role a document names is data ---------------------------------------------------


async def test_named_roles_can_be_asked_for(client: httpx.AsyncClient) -> None:
    founders = await get_json(client, "/v1/actors", has_role="MIRPS:founder", as_of="2022-01-01")
    assert [a["id"] for a in founders["items"]] == ["BLZ", "CRI", "GTM", "HND", "MEX", "PAN"]
    task_force = await get_json(client, "/v1/actors", has_role="NCA-TF:founder")
    assert "world-refugee-migration-council" in {a["id"] for a in task_force["items"]}
    drafters = await get_json(client, "/v1/participations", forum="CPA-INDOCHINA", role="drafter")
    assert sorted(p["actor"]["id"] for p in drafters["items"]) == [
        "AUS",
        "CAN",
        "FRA",
        "THA",
        "USA",
        "VNM",
        "eu",
        "unhcr",
    ]
    assert all(p["citations"][0]["passage"] for p in drafters["items"])
    # "The rest of the countries" is data too: a share per member, its reading inferred.
    shares = await get_json(client, "/v1/funding-shares", forum="RCM", actor="BLZ")
    (belize,) = shares["items"]
    assert belize["share_pct"] == "1.7700"
    assert "share_pct" in [i["field"] for i in belize["inferred"]]
