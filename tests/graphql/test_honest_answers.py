"""Answers that do not mislead (issue 29), asked over GraphQL: the same answers as
tests/api/test_honest_answers.py gives over REST."""

from __future__ import annotations

import httpx

from tests.graphql import gql

# --- 1. a bare "$" is flagged, on pledges and in totals -----------------------------------


async def test_italys_bare_dollar_pledge_is_flagged_assumed(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          pledges(filter: {forum: "CIREFCA"}) { edges { node { amount currency currencyAssumed } } }
          pledgeSummary(groupBy: [FORUM]) {
            group { forum } countCurrencyAssumed amountUsdCurrencyAssumed
            amounts { currency amount amountCurrencyAssumed }
          }
          moneyRecordSummary(filter: {forum: "CIREFCA"}) { kind total totalCurrencyAssumed }
          readme: pledgeSummary(groupBy: [FORUM], filter: {forum: "CIREFCA"}) {
            countCurrencyAssumed amounts { currency amount amountCurrencyAssumed } }
        }""",
    )
    data = body["data"]
    assert data["readme"] == [  # the README's question 7, as it asks it
        {
            "countCurrencyAssumed": 1,
            "amounts": [
                {
                    "currency": "USD",
                    "amount": "115000000.00",
                    "amountCurrencyAssumed": "115000000.00",
                }
            ],
        }
    ]
    assert data["pledges"]["edges"] == [
        {"node": {"amount": "115000000.00", "currency": "USD", "currencyAssumed": True}}
    ]
    groups = {g["group"]["forum"]: g for g in data["pledgeSummary"]}
    assert groups["CIREFCA"] == {
        "group": {"forum": "CIREFCA"},
        "countCurrencyAssumed": 1,
        "amountUsdCurrencyAssumed": "115000000.00",
        "amounts": [
            {"currency": "USD", "amount": "115000000.00", "amountCurrencyAssumed": "115000000.00"}
        ],
    }
    assert groups["MIRPS-SP"]["countCurrencyAssumed"] == 0
    assert {(g["kind"], g["totalCurrencyAssumed"]) for g in data["moneyRecordSummary"]} == {
        ("RECORDED_TOTAL", "0.00"),
        ("ESTIMATED_COST", "375000000.00"),
    }


# --- 2. money rolls up to a programme's parts ---------------------------------------------


async def test_a_programme_rolls_up_its_subprogrammes_money(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          programme(id: "imcbp") {
            own: moneyRecords { id }
            all: moneyRecords(includeSubprogrammes: true) { id programmeId amount currency }
          }
          moneyRecords(filter: {programme: "IMCBP", includeSubprogrammes: true}) {
            edges { node { id } }
          }
          moneyRecordSummary(filter: {programme: "imcbp", includeSubprogrammes: true}) {
            programmeId kind total
          }
        }""",
    )
    data = body["data"]
    assert data["programme"]["own"] == [
        {"id": "imcbp-membership-fees"},
        {"id": "imcbp-technical-assistance"},
    ]
    assert data["programme"]["all"][-1] == {
        "id": "mcee-envelope",
        "programmeId": "mcee",
        "amount": "21000000.00",
        "currency": "CAD",
    }
    assert [e["node"]["id"] for e in data["moneyRecords"]["edges"]] == [
        "imcbp-membership-fees",
        "imcbp-technical-assistance",
        "mcee-envelope",
    ]
    assert {"programmeId": "mcee", "kind": "BUDGET", "total": "21000000.00"} in data[
        "moneyRecordSummary"
    ]


# --- 3. the dataset's counts cover every entity -------------------------------------------


async def test_dataset_meta_counts_every_entity(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ datasetMeta { counts { entity count } } }")
    counts = {c["entity"]: c["count"] for c in body["data"]["datasetMeta"]["counts"]}
    rest = (await client.get("/v1/meta")).json()["counts"]
    assert counts == rest
    for name in ("programmes", "money_records", "participant_counts", "governance_changes"):
        assert counts[name] > 0


# --- 5. series and occurrences, who ran an event and the forum it served ------------------


async def test_series_left_out_and_organizers_told_apart(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          dialogues: events(filter: {kind: DIALOGUE, series: false}) {
            totalCount edges { node { series occurrence parentId } }
          }
          series: events(filter: {kind: DIALOGUE, series: true}) { edges { node { id } } }
          regional: events(filter: {forum: "IMRF", kind: ROUNDTABLE, series: false,
                                    organizer: "iom"}) {
            edges { node { id organizersFromId organizers { actor { id } role } } }
          }
          own: events(filter: {forum: "IMRF", kind: ROUNDTABLE, series: false,
                               notOrganizer: "iom"}) {
            edges { node { id organizersFromId organizers { role } } }
          }
        }""",
    )
    data = body["data"]
    assert data["dialogues"]["totalCount"] == 4
    assert {
        (n["node"]["series"], n["node"]["occurrence"], n["node"]["parentId"])
        for n in data["dialogues"]["edges"]
    } == {(False, True, "gcm-dialogues-on-migration-2022")}
    assert data["series"]["edges"] == [{"node": {"id": "gcm-dialogues-on-migration-2022"}}]
    regional = [e["node"] for e in data["regional"]["edges"]]
    assert len(regional) == 4
    assert all(
        n["organizersFromId"] == "imrf-2022-regional-roundtables"
        and n["organizers"] == [{"actor": {"id": "iom"}, "role": "ORGANIZER"}]
        for n in regional
    )
    own = [e["node"] for e in data["own"]["edges"]]
    assert sorted(n["id"] for n in own) == [
        "imrf-2022-roundtable-rt1-drivers",
        "imrf-2022-roundtable-rt2-governance",
        "imrf-2022-roundtable-rt3-inclusion",
        "imrf-2022-roundtable-rt4-data",
    ]
    assert all(n["organizersFromId"] is None and n["organizers"] == [] for n in own)


# --- 4. a membership answer names its disputes --------------------------------------------


async def test_membership_rows_name_their_disputes(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          actors(filter: {memberOf: "MIRPS-SP", asOf: "2022-06-01", q: "Italy"}) {
            edges { node { id certainty conditionsMet { argument value certainty disputeIds } } }
          }
          champions: actors(filter: {hasRole: "GCM:champion", asOf: "2022-01-01",
                                     certainty: CERTAIN}) {
            possibleLeftOut edges { node { certainty conditionsMet { argument certainty } } }
          }
        }""",
    )
    data = body["data"]
    assert data["actors"]["edges"] == [
        {
            "node": {
                "id": "ITA",
                "certainty": "POSSIBLE",
                "conditionsMet": [
                    {
                        "argument": "memberOf",
                        "value": "MIRPS-SP",
                        "certainty": "POSSIBLE",
                        "disputeIds": ["mirps-sp-member-list"],
                    }
                ],
            }
        }
    ]
    for edge in data["champions"]["edges"]:
        assert edge["node"]["conditionsMet"] == [{"argument": "hasRole", "certainty": "CERTAIN"}]


# --- 6. every bound names its evidence, and a bound in the files is data ------------------


async def test_bounds_name_their_citations(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          event(id: "imrf-2022-voluntary-review-deadline") {
            latest bounds { edge side day basis citations { sourceId locator } }
          }
          participations(filter: {forum: "MIRPS-SP", role: CHAIR}) {
            edges { node { bounds { basis citations { sourceId passage { sha256 } } } } }
          }
        }""",
    )
    data = body["data"]
    assert data["event"]["latest"] == "2022-05-16"
    assert data["event"]["bounds"] == [
        {
            "edge": "end",
            "side": "not_after",
            "day": "2022-05-16",
            "basis": "SERIES",
            "citations": [
                {
                    "sourceId": "unnm-lac-imrf-roadmap-2021",
                    "locator": "IMRF Roadmap (introduction and sections 1-8)",
                }
            ],
        }
    ]
    stated = [
        b
        for edge in data["participations"]["edges"]
        for b in edge["node"]["bounds"]
        if b["basis"] == "STATED"
    ]
    assert stated
    assert all(b["citations"] and b["citations"][0]["passage"] for b in stated)


# --- 7. a role a document names is data ---------------------------------------------------


async def test_named_roles_can_be_asked_for(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """{
          founders: actors(filter: {hasRole: "MIRPS:founder"}) { edges { node { id } } }
          drafters: participations(filter: {forum: "CPA-INDOCHINA", role: DRAFTER}) {
            totalCount edges { node { role actor { id } } }
          }
        }""",
    )
    data = body["data"]
    assert [e["node"]["id"] for e in data["founders"]["edges"]] == [
        "BLZ",
        "CRI",
        "GTM",
        "HND",
        "MEX",
        "PAN",
    ]
    assert data["drafters"]["totalCount"] == 8
    assert {e["node"]["role"] for e in data["drafters"]["edges"]} == {"DRAFTER"}
