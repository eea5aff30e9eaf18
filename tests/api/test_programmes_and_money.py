"""Programmes, money records, event series, counts and governance changes over REST."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import get_json, walk
from tests.services.cited import passage_read

PROBLEM = "application/problem+json"
WRMC = "wrmc-2021-regional-cooperation"


async def test_what_funding_did_cirefca_record(client: httpx.AsyncClient) -> None:
    """USD 422.3M recorded by 1994 and the plan's estimate, beside Italy's pledge, all cited."""
    records = await walk(client, "/v1/money-records", forum="CIREFCA")
    assert [
        (r["id"], r["kind"], r["amount"], r["currency"], r["currency_assumed"], r["reported"])
        for r in records
    ] == [
        (
            "cirefca-concerted-plan-estimated-cost",
            "estimated_cost",
            "375000000.00",
            "USD",
            True,
            "1989-05",
        ),
        ("cirefca-recorded-funding-1994", "recorded_total", "422300000.00", "USD", False, "1994"),
    ]
    recorded = records[1]
    assert recorded["citations"] == [
        {
            "source_id": WRMC,
            "locator": "International Conference on Central American Refugees (CIREFCA) box "
            "(US$422.3 million by 1994)",
            "passage": passage_read(
                WRMC,
                "There have been difficulties tracking the funding associated CIREFCA ... "
                'by 1994" (Betts 2006).',
            ),
        }
    ]
    (pledge,) = await walk(client, "/v1/pledges", forum="CIREFCA")
    assert (pledge["pledgers"][0]["id"], pledge["amount"], pledge["currency"]) == (
        "ITA",
        "115000000.00",
        "USD",
    )
    assert pledge["citations"][0]["source_id"] == WRMC


async def test_imcbp_mcee_and_grsi_with_their_money_and_dates(client: httpx.AsyncClient) -> None:
    imcbp = await get_json(client, "/v1/programmes/IMCBP")
    assert (imcbp["predecessor"], imcbp["parts"], imcbp["owner_actor"]) == ("mpdp", ["mcee"], "CAN")
    mpdp = await get_json(client, "/v1/programmes/mpdp")
    # The fact sheet dates the projects MPDP funded (2017 to 2019), not the programme:
    # it had begun by the end of 2017 and was renamed by the sheet's date (November 2019).
    assert (mpdp["start"], mpdp["end"], mpdp["successors"]) == (None, None, ["imcbp"])
    assert (mpdp["start_earliest"], mpdp["start_latest"]) == (None, "2017-12-31")
    assert (mpdp["end_earliest"], mpdp["end_latest"]) == (None, "2019-12-01")
    assert [i["field"] for i in mpdp["inferred"]] == ["start_latest", "end_latest"]
    money = await walk(client, "/v1/money-records", programme="imcbp,mcee")
    assert [
        (m["id"], m["amount"], m["currency"], m["currency_assumed"], m["qualifier"]) for m in money
    ] == [
        ("imcbp-membership-fees", "300000.00", "CAD", True, "approximately"),
        ("imcbp-technical-assistance", "700000.00", "CAD", True, "approximately"),
        ("mcee-envelope", "21000000.00", "CAD", True, "exact"),
    ]
    assert money[2]["duration_months"] == 36
    # GRSI stays a forum (it has participants); the documents give it no money or dates.
    grsi = await get_json(client, "/v1/forums/GRSI")
    assert (grsi["kind"], grsi["founded"]) == ("initiative", None)
    assert await walk(client, "/v1/money-records", forum="GRSI") == []


async def test_money_summary_totals_by_forum_kind_and_currency(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/money-records/summary", payer="CAN")

    def group(forum: Any, programme: Any, kind: str, currency: Any, total: Any) -> Any:
        assumed = currency is not None
        return {
            "forum": forum,
            "programme": programme,
            "kind": kind,
            "currency": currency,
            "count": 1,
            "total": total,
            "currency_assumed": assumed,
            "total_currency_assumed": total if assumed else None,
        }

    # Groups with no forum first, then by forum, programme, kind and currency.
    assert body["groups"] == [
        group(None, "imcbp", "budget", "CAD", "700000.00"),
        group(None, "imcbp", "membership_fee", "CAD", "300000.00"),
        group(None, "mcee", "budget", "CAD", "21000000.00"),
        group("RCM", None, "core_contribution", None, None),
        group("RCM", None, "project_funding", None, None),
    ]


async def test_the_five_workshops_are_five_dated_topical_events_of_one_series(
    client: httpx.AsyncClient,
) -> None:
    workshops = await walk(client, "/v1/events", parent="mirps-sp-technical-workshops-2022")
    assert [(w["topic"], w["earliest"], w["latest"], w["status"]) for w in workshops] == [
        ("Admission and reception", "2022-03-01", "2022-06-30", "held"),
        ("Internal displacement", "2022-03-01", "2022-06-30", "held"),
        ("Labour market and vocational training", "2022-03-01", "2022-06-30", "held"),
        ("Local governance", "2022-03-01", "2022-06-30", "held"),
        ("Private-sector engagement", "2022-03-01", "2022-06-30", "held"),
    ]
    assert {w["parent"] for w in workshops} == {"mirps-sp-technical-workshops-2022"}
    assert all(w["citations"] for w in workshops)


async def test_the_dialogues_are_four_occurrences_without_a_year(
    client: httpx.AsyncClient,
) -> None:
    dialogues = await walk(client, "/v1/events", parent="gcm-dialogues-on-migration-2022")
    # The roadmap gives day and month, no year, and reports them held in a document
    # headed September 2021: each lies within the series, by 2021-09-30.
    assert [(d["start"], d["earliest"], d["latest"], d["status"]) for d in dialogues] == [
        (None, None, "2021-09-30", "held")
    ] * 4
    assert [d["name"] for d in dialogues] == [
        f"Dialogue on Migration of {day} (year not stated)"
        for day in ("19 January", "26 January", "2 February", "9 February")
    ]


async def test_imrf_roundtables_return_their_gcm_objectives(client: httpx.AsyncClient) -> None:
    regional = await walk(client, "/v1/events", parent="imrf-2022-regional-roundtables")
    assert [(r["status"], r["gcm_objectives"]) for r in regional] == [
        ("announced", [2, 5, 6, 12, 18]),
        ("announced", [4, 8, 9, 10, 11, 13, 21]),
        ("announced", [14, 15, 16, 19, 20, 22]),
        ("announced", [1, 3, 7, 17]),
    ]
    series = await get_json(client, "/v1/events/imrf-2022-regional-roundtables")
    assert series["parent"] == "imrf-2022-preparation"
    on_inclusion = await walk(client, "/v1/events", gcm_objective="16")
    assert [e["id"] for e in on_inclusion] == [
        "imrf-2022-regional-roundtable-rt3-inclusion",
        "imrf-2022-roundtable-rt3-inclusion",
    ]


async def test_counts_of_unnamed_participants(client: httpx.AsyncClient) -> None:
    counts = await walk(client, "/v1/participant-counts", forum="RCM")
    assert [(c["role"], c["actor_kind"], c["count"], c["reported"]) for c in counts] == [
        ("observer", "international_organization", None, "2021-10"),
        ("observer", "state", 5, "2021-10"),
    ]


async def test_the_troika_is_a_governance_change_with_duties(client: httpx.AsyncClient) -> None:
    (change,) = await walk(client, "/v1/governance-changes", forum="MIRPS-SP")
    assert (change["name"], change["introduced"], change["earliest"], change["latest"]) == (
        "Enhanced Troika Governance Model",
        None,
        "2021-07-01",
        "2022-09-21",
    )
    assert [d["role"] for d in change["duties"]] == ["chair", "past_chair", "incoming_chair"]


async def test_chair_terms_carry_theme_and_objectives(client: httpx.AsyncClient) -> None:
    (canada,) = await walk(
        client, "/v1/participations", forum="MIRPS-SP", actor="CAN", role="chair"
    )
    assert canada["theme"] == "Protection and Empowerment of Women and Girls on the Move"
    assert len(canada["objectives"]) == 3


async def test_programmes_as_of_a_day_say_how_surely(client: httpx.AsyncClient) -> None:
    running = await walk(client, "/v1/programmes", as_of="2018-06-01", owner="CAN")
    # MPDP had begun by 2017 but its end is bounded only above; IMCBP and MCEE have no
    # dates: all three only possibly ran that day.
    assert [(p["id"], p["certainty"]) for p in running] == [
        ("imcbp", "possible"),
        ("mcee", "possible"),
        ("mpdp", "possible"),
        ("private-sponsorship-of-refugees-program", "possible"),
    ]
    sica = await walk(
        client, "/v1/programmes", as_of="2018-06-01", forum="SICA", kind="action_plan"
    )
    # A plan for "2018-2019" may or may not have started by June 2018.
    assert [(p["id"], p["certainty"]) for p in sica] == [
        ("sica-unhcr-action-plan-2018-2019", "possible")
    ]
    certain = await walk(client, "/v1/programmes", as_of="2019-06-01", certainty="certain")
    assert [p["id"] for p in certain] == []
    # The plan's five areas have no dates of their own: they lie within the plan's.
    # (A plan "2018-2019" surely runs only on the turn of the year.)
    areas = await walk(
        client, "/v1/programmes", as_of="2019-01-01", parent="sica-unhcr-action-plan-2018-2019"
    )
    assert [p["certainty"] for p in areas] == ["certain"] * 5
    ended = await walk(client, "/v1/programmes", as_of="2021-01-01", forum="CIREFCA")
    assert ended == []


async def test_programme_filters_refuse_bad_input(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/programmes", params={"kind": "piggy_bank"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    response = await client.get("/v1/programmes", params={"certainty": "certain"})
    body: dict[str, Any] = response.json()
    assert (response.status_code, body["errors"][0]["requires"]) == (400, ["as_of"])
    response = await client.get("/v1/money-records", params={"programme": "nope"})
    assert (response.status_code, response.json()["code"]) == (400, "unknown_reference")
    missing = await client.get("/v1/programmes/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "programme_not_found")


async def test_money_records_as_csv(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/money-records", params={"forum": "CPA-INDOCHINA", "format": "csv"}
    )
    assert response.status_code == 200
    header, row = response.text.splitlines()[:2]
    assert header.startswith("id,kind,payer,recipient,")
    assert row.startswith("cpa-indochina-total-cost,total_cost,,,")
    assert ",500000000.00,USD,true,over," in row


async def test_every_programme_as_one_csv(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/programmes", params={"format": "csv", "all": "true"})
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0].startswith("id,name,name_es,aliases_json,kind,")
    ids = [line.split(",", 1)[0] for line in lines[1:]]
    assert len(ids) == 36
    assert ids == sorted(ids)
