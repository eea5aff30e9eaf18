"""An analyst's questions, each answered by one REST call on the curated data.

Every silent wrong answer found when these questions were first put to the API
(a repeated filter keeping its last value, a typo answering "no data", events of
sub-forums left out, a summary plotting $0 for "unknown") is pinned here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Actor
from app.models.enums import ROLE_RANKS, Role
from tests.api.helpers import get_json, walk
from tests.factories import make_api_key, make_pledge_without_amount, pledge_body


async def problem(client: httpx.AsyncClient, path: str, params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "params",
    [
        [("forum", "RCM"), ("actor", "CAN"), ("actor", "MEX"), ("actor", "USA")],
        [("forum", "rcm"), ("actor", "CAN,MEX,USA")],
        [("forum", "Puebla Process"), ("actor", "can,mex"), ("actor", "usa")],
    ],
)
async def test_three_rcm_shares_add_to_85(
    client: httpx.AsyncClient, params: list[tuple[str, str | int | float | bool | None]]
) -> None:
    response = await client.get("/v1/funding-shares", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    shares = {item["actor"]["id"]: item["share_pct"] for item in body["items"]}
    assert shares == {"USA": "50.0000", "CAN": "24.0000", "MEX": "11.0000"}
    assert {item["forum"] for item in body["items"]} == {"RCM"}
    assert Decimal(body["total_pct"]) == Decimal(85)


@pytest.mark.parametrize("written", ["rcm", "CRM", "Puebla Process", "proceso puebla", "RCM"])
async def test_forum_codes_and_aliases_resolve(client: httpx.AsyncClient, written: str) -> None:
    forum = await get_json(client, f"/v1/forums/{written}")
    assert forum["code"] == "RCM"
    members = await walk(
        client, "/v1/participations", forum=written, role="member", as_of="2021-10-01"
    )
    assert {item["forum"] for item in members} == {"RCM"}
    assert len(members) == 11


async def test_unknown_forum_is_a_loud_400_with_suggestions(client: httpx.AsyncClient) -> None:
    body = await problem(client, "/v1/participations", {"forum": "XYZ"})
    assert body["code"] == "unknown_reference"
    assert body["type"].endswith("/unknown_reference")
    (error,) = body["errors"]
    assert error["field"] == "forum"
    assert error["value"] == "XYZ"
    assert 1 <= len(error["suggestions"]) <= 3
    assert "XYZ" in body["detail"]
    typo = await problem(client, "/v1/funding-shares", {"forum": "RMC"})
    assert typo["errors"][0]["suggestions"][0] == "RCM"


async def test_every_unknown_value_is_named_at_once(client: httpx.AsyncClient) -> None:
    body = await problem(client, "/v1/pledges", [("pledger", "CAN"), ("pledger", "Canda,XXQ")])
    assert [(e["field"], e["value"]) for e in body["errors"]] == [
        ("pledger", "Canda"),
        ("pledger", "XXQ"),
    ]
    assert "CAN" in body["errors"][0]["suggestions"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/events", {"host": "nobody"}, "host"),
        ("/v1/pledges", {"event": "no-such-event"}, "event"),
        ("/v1/pledges", {"currency": "usx"}, "currency"),
        ("/v1/pledges/summary", {"forum": "MIRPZ"}, "forum"),
        ("/v1/actors", {"member_of": "SIKA"}, "member_of"),
        ("/v1/actors", {"not_member_of": "nope"}, "not_member_of"),
        ("/v1/actors", {"has_role": "GMC:champion"}, "has_role"),
        ("/v1/forums", {"parent": "OAZ"}, "parent"),
    ],
)
async def test_unknown_references_everywhere(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    body = await problem(client, path, params)
    assert body["code"] == "unknown_reference"
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/v1/forums", [("limit", "5"), ("limit", "10")], "limit"),
        ("/v1/participations", [("as_of", "2020-01-01"), ("as_of", "2021-01-01")], "as_of"),
        ("/v1/pledges", [("sort", "id"), ("sort", "-id")], "sort"),
        ("/v1/events", [("start_from", "2020-01-01"), ("start_from", "2021-01-01")], "start_from"),
        ("/v1/pledges", [("amount_min", "1"), ("amount_min", "2")], "amount_min"),
        ("/v1/actors", [("format", "csv"), ("format", "json")], "format"),
    ],
)
async def test_single_valued_parameter_given_twice_is_refused(
    client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], name: str
) -> None:
    body = await problem(client, path, params)
    assert body["code"] == "repeated_parameter"
    assert body["errors"] == [{"field": name, "detail": "takes one value; give it once"}]


async def test_several_values_mean_any_of(client: httpx.AsyncClient) -> None:
    both = await walk(client, "/v1/participations", forum="RCM,SICA", role="member")
    assert {item["forum"] for item in both} == {"RCM", "SICA"}
    rcm = await walk(client, "/v1/participations", forum="RCM", role="member")
    sica = await walk(client, "/v1/participations", forum="SICA", role="member")
    assert len(both) == len(rcm) + len(sica)
    kinds = await walk(client, "/v1/events", kind=["solidarity_event", "ANNUAL_MEETING"])
    assert {item["kind"] for item in kinds} == {"solidarity_event", "annual_meeting"}


async def test_mirps_solidarity_events_with_subforums(client: httpx.AsyncClient) -> None:
    alone = await walk(client, "/v1/events", forum="MIRPS", kind="solidarity_event")
    # The further event the Platform's page announced is not reported held.
    assert [(e["id"], e["status"]) for e in alone] == [
        ("mirps-further-solidarity-event", "announced"),
        ("mirps-solidarity-event-2021", "held"),
    ]
    events = await walk(
        client,
        "/v1/events",
        forum="MIRPS",
        kind="solidarity_event",
        include_subforums="true",
        status="held",
    )
    assert [e["id"] for e in events] == [
        "mirps-solidarity-event-2021",
        "mirps-sp-solidarity-event-2022",
    ]
    totals = [e["announced_total"] for e in events]
    assert {t["currency"] for t in totals} == {"USD"}
    assert sum(Decimal(t["amount"]) for t in totals) >= Decimal(320_000_000)
    # The README's one request: the summary adds them, keeping "at least".
    summary = await get_json(
        client,
        "/v1/events/summary",
        forum="MIRPS",
        kind="solidarity_event",
        include_subforums="true",
    )
    assert [g["totals"] for g in summary["groups"]] == [
        [{"currency": "USD", "amount": "320000000.00", "qualifier": "at_least", "events": 2}]
    ]
    # ... and says that one of the three events it counts has no total yet (as the README).
    assert [(g["count"], g["count_with_total"]) for g in summary["groups"]] == [(3, 2)]


async def test_subforums_on_participations_and_pledges(client: httpx.AsyncClient) -> None:
    chairs = await walk(
        client,
        "/v1/participations",
        forum="MIRPS",
        role="chair",
        as_of="2022-01-01",
        include_subforums="true",
    )
    assert [(p["forum"], p["actor"]["id"]) for p in chairs] == [("MIRPS-SP", "CAN")]
    pledges = await walk(client, "/v1/pledges", forum="MIRPS", include_subforums="true")
    assert {p["forum"] for p in pledges} == {"MIRPS-SP"}
    summary = await get_json(
        client, "/v1/pledges/summary", forum="MIRPS", include_subforums="true", group_by="forum"
    )
    assert [g["forum"] for g in summary["groups"]] == ["MIRPS-SP"]
    assert summary["groups"][0]["count"] == len(pledges)


async def test_sica_members_outside_c_a4(client: httpx.AsyncClient) -> None:
    actors = await walk(
        client, "/v1/actors", member_of="SICA", not_member_of="C-A4", as_of="2021-10-01"
    )
    assert [a["id"] for a in actors] == ["BLZ", "CRI", "PAN"]


async def test_gcm_champions_in_mirps(client: httpx.AsyncClient) -> None:
    actors = await walk(client, "/v1/actors", has_role="GCM:champion", member_of="MIRPS")
    assert [a["id"] for a in actors] == ["CRI", "HND", "MEX", "SLV"]
    chair_and_member = await walk(
        client,
        "/v1/actors",
        has_role=["MIRPS-SP:chair", "mirps-sp:past_chair"],
        as_of="2022-09-21",
    )
    assert [a["id"] for a in chair_and_member] == []
    past = await walk(client, "/v1/actors", has_role="MIRPS-SP:past_chair", as_of="2022-09-21")
    assert [a["id"] for a in past] == ["CAN"]


CIREFCA_STATES = ["BLZ", "CRI", "GTM", "HND", "MEX", "NIC", "SLV"]


@pytest.mark.parametrize(
    "params",
    [
        {"has_role": "CIREFCA:participant@ever", "member_of": "RCM"},
        {"has_role": "cirefca:participant@1989-05-30", "member_of": "RCM"},
    ],
)
async def test_cirefca_states_in_the_rcm_today_in_one_call(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    body = await get_json(client, "/v1/actors", **params)

    assert [a["id"] for a in body["items"]] == CIREFCA_STATES
    assert body["total"] == 7
    assert "notes" not in body
    conditions = {c["value"] for a in body["items"] for c in a["certainty_set_by"]}
    assert conditions <= {"RCM", "CIREFCA:participant@ever", "CIREFCA:participant@1989-05-30"}


async def test_a_condition_judged_on_a_day_without_holders_says_which_days_have_them(
    client: httpx.AsyncClient,
) -> None:
    body = await get_json(
        client, "/v1/actors", has_role="CIREFCA:participant", member_of="RCM", as_of="2024-01-01"
    )

    assert (body["items"], body["total"]) == ([], 0)
    (note,) = body["notes"]
    assert (note["parameter"], note["value"], note["day"]) == (
        "has_role",
        "CIREFCA:participant",
        "2024-01-01",
    )
    assert note["earliest"] == "1989-05-01"
    assert note["latest"] is not None
    assert note["latest"] <= "1995-01-01"
    assert "has_role=CIREFCA:participant@ever" in note["detail"]


async def test_a_condition_time_that_is_not_a_day_is_refused_in_words(
    client: httpx.AsyncClient,
) -> None:
    body = await problem(client, "/v1/actors", {"member_of": "CIREFCA@1989"})

    assert body["code"] == "invalid_parameter"
    assert body["errors"][0]["field"] == "member_of"
    assert "@ever" in body["errors"][0]["detail"]


async def test_certainty_with_every_condition_timed_needs_no_as_of(
    client: httpx.AsyncClient,
) -> None:
    body = await get_json(
        client, "/v1/actors", has_role="CIREFCA:participant@ever", certainty="certain"
    )

    assert [a["id"] for a in body["items"]] == CIREFCA_STATES


async def test_bad_role_claim_says_what_was_expected(client: httpx.AsyncClient) -> None:
    body = await problem(client, "/v1/actors", {"has_role": "GCM"})
    assert body["code"] == "invalid_parameter"
    assert body["errors"] == [
        {"field": "has_role", "detail": "expected FORUM:ROLE, e.g. GCM:champion, not 'GCM'"}
    ]


async def test_non_state_members_and_exclude_kind(client: httpx.AsyncClient) -> None:
    everyone = await walk(client, "/v1/actors", member_of="MIRPS-SP")
    others = await walk(client, "/v1/actors", member_of="MIRPS-SP", exclude_kind="state")
    assert others
    assert all(a["kind"] != "state" for a in others)
    assert {a["id"] for a in others} == {a["id"] for a in everyone if a["kind"] != "state"}


@pytest.mark.parametrize(
    ("path", "q", "expected"),
    [
        ("/v1/actors", "world bank", ["world-bank"]),
        # Accents ignored: the state México and El Colegio de México.
        ("/v1/actors", "MEXICO", ["MEX", "center-for-us-mexican-studies", "el-colegio-de-mexico"]),
        ("/v1/forums", "puebla", ["RCM"]),
        ("/v1/forums", "conferencia regional", ["RCM"]),
        ("/v1/events", "solidarity 2022", ["mirps-sp-solidarity-event-2022"]),
        # Spanish names are searched too, as the `q` documentation says.
        ("/v1/events", "solidaridad 2021", ["mirps-solidarity-event-2021"]),
        ("/v1/programmes", "ciudades solidarias", ["cities-of-solidarity"]),
    ],
)
async def test_name_search(
    client: httpx.AsyncClient, path: str, q: str, expected: list[str]
) -> None:
    items = await walk(client, path, q=q)
    assert [item.get("id") or item.get("code") for item in items] == expected


async def test_summary_usd_is_null_when_nothing_converts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_pledge_without_amount(session, forum="RCM")
    body = await get_json(client, "/v1/pledges/summary", group_by="forum", forum="RCM,MIRPS-SP")
    assert [
        (g["forum"], g["count"], g["amount_usd"], g["count_without_usd"]) for g in body["groups"]
    ] == [
        ("MIRPS-SP", 1, "10104502.84", 0),
        ("RCM", 1, None, 1),
    ]


async def test_reversed_range_is_refused_in_words(client: httpx.AsyncClient) -> None:
    body = await problem(
        client, "/v1/events", {"start_from": "2022-01-01", "start_to": "2021-01-01"}
    )
    assert body["errors"] == [
        {"field": "start_to", "detail": "start_to (2021-01-01) is before start_from (2022-01-01)"}
    ]
    amount = await problem(client, "/v1/pledges", {"amount_min": "abc"})
    assert "expected a plain decimal amount" in amount["errors"][0]["detail"]
    assert "^" not in amount["detail"]


@pytest.mark.parametrize(
    "path", ["/v1/forums", "/v1/forums/RCM", "/v1/actors/CAN", "/v1/pledges/summary", "/v1/meta"]
)
async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient, path: str) -> None:
    got = await client.get(path)
    head = await client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == got.headers["content-type"]
    # The length of what GET sends on the wire: gzip-encoded when over 1 KB, as both ask.
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers.get("content-encoding") == got.headers.get("content-encoding")
    if "content-encoding" not in got.headers:
        assert head.headers["content-length"] == str(len(got.content))
    again = await client.head(path, headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304


async def test_head_on_a_post_only_path_is_still_405(client: httpx.AsyncClient) -> None:
    response = await client.head("/v1/pledges/batch")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_cad_pledge_shows_its_rate_and_source(client: httpx.AsyncClient) -> None:
    (pledge,) = await walk(client, "/v1/pledges", currency="cad", curated="true")
    conversion = pledge["usd_conversion"]
    assert pledge["amount_usd"] == "10104502.84"
    assert conversion["currency"] == "CAD"
    assert conversion["usd_per_unit"] == "0.7684032580"
    assert (conversion["period_start"], conversion["period_end"]) == ("2022-01-01", "2022-12-31")
    assert conversion["basis"].startswith("Inverse of the Federal Reserve G.5A annual average")
    assert conversion["citations"] == [
        {
            "source_id": "frb-g5a-annual-2024-02-01",
            "locator": "Table, CANADA DOLLAR, column 2022 (1.3014)",
            "passage": None,
        }
    ]
    assert Decimal(pledge["amount"]) * Decimal(conversion["usd_per_unit"]) == pytest.approx(
        Decimal(pledge["amount_usd"]), abs=Decimal("0.01")
    )
    usd = await walk(client, "/v1/pledges", currency="USD")
    assert {p["usd_conversion"] is None for p in usd} == {True}


async def test_actor_with_its_roles(client: httpx.AsyncClient) -> None:
    plain = await get_json(client, "/v1/actors/can")
    assert plain["id"] == "CAN"
    assert plain["participations"] is None
    actor = await get_json(client, "/v1/actors/CAN", include="participations", as_of="2022-01-01")
    roles = {(p["forum"], p["role"]) for p in actor["participations"]}
    assert ("MIRPS-SP", "chair") in roles
    assert ("RCM", "member") in roles
    assert all(p["actor"]["id"] == "CAN" and p["citations"] for p in actor["participations"])
    everything = await get_json(client, "/v1/actors/CAN", include="participations")
    assert len(everything["participations"]) > len(actor["participations"])


async def test_comma_include_embeds_both(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/pledges", include="forum,event", currency="CAD")
    assert [f["code"] for f in body["included"]["forums"]] == ["MIRPS-SP"]
    assert [e["id"] for e in body["included"]["events"]] == ["mirps-sp-solidarity-event-2022"]


async def test_participants_are_ordered_by_role_rank(client: httpx.AsyncClient) -> None:
    rows = await walk(client, "/v1/forums/MIRPS-SP/participants", as_of="2022-09-21")
    roles = list(dict.fromkeys(p["role"] for p in rows))
    assert roles[0] == "chair"
    assert roles.index("past_chair") < roles.index("member")
    ranks = [ROLE_RANKS.index(Role(p["role"])) for p in rows]
    assert ranks == sorted(ranks)


async def test_content_language_says_what_was_served(client: httpx.AsyncClient) -> None:
    english = await client.get("/v1/forums/RCM")
    assert english.headers["content-language"] == "en"
    assert "language-fallback" not in english.headers
    spanish = await client.get("/v1/actors/MEX", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert spanish.headers["content-language"] == "es"
    assert "language-fallback" not in spanish.headers
    assert spanish.json()["name"] == "México"
    # The forum's name and description are both written in Spanish.
    forum = await client.get("/v1/forums/RCM", headers={"Accept-Language": "es"})
    assert forum.json()["name"] == "Conferencia Regional sobre Migración"
    assert forum.json()["description"].startswith("Proceso consultivo")
    assert forum.headers["content-language"] == "es"
    assert "language-fallback" not in forum.headers
    # Events are named and described in Spanish too (tests/api/test_spanish.py has rows
    # that are not, and say so).
    events = await client.get("/v1/events", params={"lang": "es", "forum": "MIRPS"})
    assert events.headers["content-language"] == "es"
    assert "language-fallback" not in events.headers
    french = await client.get("/v1/actors/MEX", headers={"Accept-Language": "fr"})
    assert french.headers["content-language"] == "en"
    assert french.headers["language-fallback"] == "en"
    health = await client.get("/healthz")
    assert "content-language" not in health.headers


async def test_a_pledger_or_participant_without_a_spanish_name_is_noted_as_english(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # An organisation recorded without a Spanish name: English stands in, and the answer
    # says so, on the one-statement reads of pledges and participations too.
    await session.execute(
        update(Actor).where(Actor.id == "un-development-group").values(name_es=None)
    )
    writer = await make_api_key(session)
    await session.commit()
    body = pledge_body(
        title="UNDG support", pledgers=["un-development-group"], forum="RCM", event=None
    )
    created = await client.post("/v1/pledges", json=body, headers=writer.headers)
    assert created.status_code == 201, created.text
    pledge_id = created.json()["id"]
    for response in (
        await client.get(f"/v1/pledges/{pledge_id}", params={"lang": "es"}),
        await client.get("/v1/pledges", params={"lang": "es", "pledger": "un-development-group"}),
    ):
        assert response.headers["content-language"] == "es, en"
        assert response.headers["language-fallback"] == "en"
    participants = await client.get(
        "/v1/participations", params={"lang": "es", "actor": "un-development-group", "limit": 1}
    )
    assert participants.json()["items"][0]["actor"]["id"] == "un-development-group"
    assert participants.headers["content-language"] == "es, en"
    assert participants.headers["language-fallback"] == "en"
