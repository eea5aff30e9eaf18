"""Batch lookups answer one result per key, in key order, with None or [] where nothing matches."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.enums import ROLE_RANKS, Entity, Role
from app.schemas.filters import PledgeFilter
from app.services import relations
from tests.conftest import QueryCounter


async def test_to_one_lookups_keep_key_order(session: AsyncSession) -> None:
    forums = await relations.forums_by_codes(session, ["RCM", "NOPE", "M5", "RCM"])
    assert [f.code if f else None for f in forums] == ["RCM", None, "M5", "RCM"]
    actors = await relations.actors_by_ids(session, ["unhcr", "CAN", "zzz"])
    assert [a.id if a else None for a in actors] == ["unhcr", "CAN", None]
    events = await relations.events_by_ids(session, ["nope", "mirps-sp-solidarity-event-2022"])
    assert events[0] is None
    assert events[1] is not None
    assert [h.actor.id for h in events[1].hosts] == ["CAN", "USA", "HND"]
    sources = await relations.sources_by_ids(session, ["mirps-sp-web-2021"])
    assert [s.title if s else None for s in sources] == ["MIRPS Support Platform"]


async def test_no_keys_no_statement(session: AsyncSession, count_queries: QueryCounter) -> None:
    assert await relations.forums_by_codes(session, []) == []
    assert await relations.participations_by_forum_codes(session, []) == []
    assert await relations.pledges_by_actor_ids(session, []) == []
    assert await relations.citations_by_facts(session, []) == []
    assert count_queries.count == 0


async def test_participations_by_forum_codes(session: AsyncSession) -> None:
    chairs = await relations.participations_by_forum_codes(
        session, ["MIRPS-SP", "NOPE", "MIRPS-SP"], as_of=dt.date(2022, 1, 1), roles=[Role.CHAIR]
    )
    assert [[p.actor_id for p in rows] for rows in chairs] == [["CAN"], [], ["CAN"]]
    everyone = await relations.participations_by_forum_codes(session, ["MIRPS"])
    roles = [(p.role, p.actor_id) for p in everyone[0]]
    # ordered by role rank first (chair, pro tempore presidency, ..., member, ...)
    assert roles == sorted(roles, key=lambda pair: ROLE_RANKS.index(pair[0]))


async def test_participations_by_actor_ids(session: AsyncSession) -> None:
    rows = await relations.participations_by_actor_ids(
        session, ["USA", "CAN"], roles=[Role.CHAIR], disputed=False
    )
    assert [[(p.forum_code, p.actor_id) for p in group] for group in rows] == [
        [("MIRPS-SP", "USA")],
        [("IGC", "CAN"), ("M5", "CAN"), ("MIRPS-SP", "CAN")],
    ]


async def test_funding_shares_and_totals(session: AsyncSession) -> None:
    shares = await relations.funding_shares_by_forum_codes(session, ["MIRPS", "RCM"])
    assert shares[0] == []
    assert [s.actor_id for s in shares[1][:3]] == ["USA", "CAN", "MEX"]
    by_actor = await relations.funding_shares_by_actor_ids(session, ["CAN", "ESP"])
    assert [[str(s.share_pct) for s in group] for group in by_actor] == [["24.0000"], []]
    totals = await relations.funding_totals_by_forum_codes(session, ["RCM", "MIRPS"])
    assert [str(total) for total in totals] == ["99.1600", "0.0000"]


async def test_children_and_events(session: AsyncSession) -> None:
    children = await relations.children_by_forum_codes(session, ["OAS", "RCM"])
    assert [[f.code for f in group] for group in children] == [["CEAM", "OAS-CAM"], []]
    events = await relations.events_by_forum_codes(session, ["MIRPS", "NOPE"])
    assert [[e.id for e in group] for group in events] == [
        [
            "mirps-annual-meeting-guatemala",
            "mirps-further-solidarity-event",
            "mirps-solidarity-event-2021",
        ],
        [],
    ]


async def test_pledges_by_each_key_and_filter(session: AsyncSession) -> None:
    by_forum = await relations.pledges_by_forum_codes(session, ["CIREFCA", "MIRPS-SP", "RCM"])
    assert [[p.id for p in group] for group in by_forum] == [[2], [1], []]
    by_actor = await relations.pledges_by_actor_ids(session, ["ITA", "CAN", "USA"])
    assert [[p.id for p in group] for group in by_actor] == [[2], [1], []]
    # Pledgers come loaded, lead first.
    assert [pledger.id for pledger in by_actor[1][0].pledgers] == ["CAN"]
    by_event = await relations.pledges_by_event_ids(
        session, ["mirps-sp-solidarity-event-2022"], PledgeFilter(currency=("USD",))
    )
    assert by_event == [[]]


async def test_citations_of_any_mix_of_facts(
    session: AsyncSession, count_queries: QueryCounter
) -> None:
    facts: list[tuple[Entity, str | int]] = [
        (Entity.PLEDGE, 1),
        (Entity.FORUM, "CEAM"),
        (Entity.ACTOR, "CAN"),
        (Entity.PLEDGE, 1),
    ]
    citations = await relations.citations_by_facts(session, facts)
    assert count_queries.count == 1
    # The pledge cites two passages of the same report (its summary and the day).
    assert [[c.source_id for c in group] for group in citations] == [
        ["canada-mirps-sp-chair-report-2022", "canada-mirps-sp-chair-report-2022"],
        ["wrmc-2021-regional-cooperation"],
        [],
        ["canada-mirps-sp-chair-report-2022", "canada-mirps-sp-chair-report-2022"],
    ]


async def test_citation_counts_by_source_ids(session: AsyncSession) -> None:
    counts = await relations.citation_counts_by_source_ids(
        session, ["frb-g5a-annual-2024-02-01", "nope"]
    )
    assert counts == [{"exchange_rate": 1}, {}]
