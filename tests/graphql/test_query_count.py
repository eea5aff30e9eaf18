"""No N+1: a nested query runs as many SQL statements on ten times the data.

Each test runs its query on the curated data, adds about nine times as much
synthetic data inside the test's transaction (rolled back afterwards), runs the
query again, and checks that the response grew while the statement count did not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Actor,
    Citation,
    Dispute,
    Event,
    EventHost,
    Forum,
    FundingShare,
    Participation,
    Pledge,
    PledgePledger,
)
from app.models.enums import DatePrecision
from tests.conftest import QueryCounter
from tests.factories import data_changed
from tests.graphql import gql

SOURCE = "mirps-sp-web-2021"

ALL_FORUMS = """
query ($first: Int!) {
  forums(first: $first) {
    totalCount
    edges { node {
      code
      participants {
        role
        actor { id name pledges { id amount pledgers { id name } } }
      }
    } }
  }
}
"""

FORUM_PAGE = """
query ForumPage($code: String!) {
  forum(code: $code) {
    code name founded
    parent { code name }
    children { code name }
    members2020: participants(asOf: "2020-06-01", role: MEMBER) { ...participant }
    chairs: participants(role: [CHAIR, PRO_TEMPORE_PRESIDENCY]) { ...participant }
    everyone: participants { ...participant }
    fundingShareTotalPct
    fundingShares { sharePct basis actor { id name } citations { ...citation } }
    events {
      id name start
      hosts { role actor { id name } }
      announcedTotal { amount currency qualifier }
      pledges { id amountUsd }
      citations { ...citation }
    }
    pledges {
      id title amount currency amountUsd
      pledgers { id name }
      event { id name }
      citations { ...citation }
    }
    citations { ...citation }
  }
  totals: pledgeSummary(groupBy: [YEAR, CURRENCY], filter: {forum: [$code]}) {
    group { year currency }
    count amounts { currency amount } amountUsd countWithoutUsd
  }
}
fragment participant on Participation {
  role start end disputed
  actor { id name kind }
  citations { ...citation }
}
fragment citation on Citation { locator source { id title } }
"""


async def _run(
    client: httpx.AsyncClient, counter: QueryCounter, query: str, **variables: Any
) -> tuple[dict[str, Any], int]:
    before = counter.count
    body = await gql(client, query, **variables)
    assert "errors" not in body, body.get("errors")
    return body["data"], counter.count - before


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _citation(**fact: Any) -> Citation:
    return Citation(source_id=SOURCE, locator="synthetic", **fact)


async def grow_everything(session: AsyncSession, factor: int = 10) -> None:
    """Add (factor - 1) times the curated forums, actors, participations and pledges."""
    # In code order, so both engines spread the synthetic rows alike (the curated
    # forums that come first, MIRPS-SP among them, get the synthetic pledges).
    forums = list(await session.scalars(select(Forum.code).order_by(Forum.code)))
    actors = list(await session.scalars(select(Actor.id).order_by(Actor.id)))
    extra = factor - 1
    new_forums = [f"SYN-F{i:04d}" for i in range(len(forums) * extra)]
    new_actors = [f"syn-a{i:04d}" for i in range(len(actors) * extra)]
    every_forum, every_actor = forums + new_forums, actors + new_actors
    session.add_all(
        Forum(code=code, name=f"Synthetic {code}", kind="informal_forum", scope="regional")
        for code in new_forums
    )
    session.add_all(
        Actor(id=actor, name=f"Synthetic {actor}", kind="civil_society") for actor in new_actors
    )
    await session.flush()
    participations = await _count(session, Participation)
    session.add_all(
        Participation(
            key=f"synthetic/{i}",
            forum_code=every_forum[i % len(every_forum)],
            actor_id=every_actor[(i * 7) % len(every_actor)],
            role="member",
            start_date=dt.date(2000 + i % 20, 1, 1),
            start_precision=DatePrecision.YEAR,
        )
        for i in range(participations * extra)
    )
    pledges = await _count(session, Pledge)
    for i in range(pledges * extra):
        lead, partner = every_actor[(i * 11) % len(every_actor)], new_actors[i]
        session.add(
            Pledge(
                forum_code=every_forum[i % len(every_forum)],
                kind="financial",
                amount=Decimal(1000 + i),
                currency="USD",
                amount_usd=Decimal(1000 + i),
                title=f"Synthetic pledge {i}",
                pledgers=[
                    PledgePledger(actor_id=lead, position=0),
                    PledgePledger(actor_id=partner, position=1),
                ],
            )
        )
    await session.flush()
    await data_changed(session)


async def add_to_forum(session: AsyncSession, code: str, rows: int, tag: str) -> None:
    """Add ``rows`` participations, funding shares, events (each with a host and a pledge)
    and child forums to a forum, every fact cited.

    Each new fact brings a new actor of its own, as growth would: an actor already
    loaded for another relation would be served from the loaders' per-request cache
    and save a statement, which would hide a statement this test means to count.
    """
    for i in range(rows):
        member, funder, host, pledger = (f"{tag}-{role}-{i}" for role in "mfhp")
        session.add_all(
            Actor(id=actor, name=f"Synthetic {actor}", kind="civil_society")
            for actor in (member, funder, host, pledger)
        )
        participation = Participation(
            key=f"{tag}/{code}/{i}",
            forum_code=code,
            actor_id=member,
            role=("member", "chair", "observer")[i % 3],
            start_date=dt.date(2015 + i % 10, 1, 1),
            start_precision=DatePrecision.YEAR,
        )
        share = FundingShare(
            key=f"{tag}/{code}/{i}",
            forum_code=code,
            actor_id=funder,
            share_pct=Decimal("0.25"),
            basis="synthetic budget",
        )
        event = Event(
            id=f"{tag}-{code.lower()}-{i}",
            forum_code=code,
            name=f"Synthetic event {i}",
            kind="technical_meeting",
            start_date=dt.date(2020, 1 + i % 12, 1),
            start_precision=DatePrecision.MONTH,
            hosts=[EventHost(actor_id=host, role="host", position=0)],
        )
        child = Forum(
            code=f"{tag.upper()}-{code}-{i}",
            name="Synthetic child",
            kind="initiative",
            scope="regional",
            parent_code=code,
        )
        session.add_all([participation, share, event, child])
        await session.flush()
        pledge = Pledge(
            forum_code=code,
            event_id=event.id,
            kind="financial",
            amount=Decimal(5000 + i),
            currency="CAD",
            title=f"Synthetic pledge at event {i}",
            announced_date=dt.date(2015 + i % 10, 1, 1),
            announced_precision=DatePrecision.YEAR,
            pledgers=[PledgePledger(actor_id=pledger, position=0)],
        )
        session.add(pledge)
        await session.flush()
        session.add_all(
            [
                _citation(participation_id=participation.id),
                _citation(funding_share_id=share.id),
                _citation(event_id=event.id),
                _citation(pledge_id=pledge.id),
            ]
        )
    await session.flush()
    await data_changed(session)


async def test_all_forums_to_pledgers_runs_a_fixed_number_of_statements(
    client: httpx.AsyncClient, session: AsyncSession, count_queries: QueryCounter
) -> None:
    small, before = await _run(client, count_queries, ALL_FORUMS, first=200)
    # Nine times the curated data: every forum still fits on the page of 200.
    await grow_everything(session, factor=9)
    large, after = await _run(client, count_queries, ALL_FORUMS, first=200)

    def sizes(data: dict[str, Any]) -> tuple[int, int, int]:
        nodes = [edge["node"] for edge in data["forums"]["edges"]]
        participants = [p for node in nodes for p in node["participants"]]
        # An undecided office has no actor, hence no pledges.
        pledges = [pl for p in participants if p["actor"] for pl in p["actor"]["pledges"]]
        return len(nodes), len(participants), len(pledges)

    assert sizes(small) == (22, 164, 13)
    forums, participants, pledges = sizes(large)
    assert (forums, participants) == (198, 1476)
    assert pledges > 5 * sizes(small)[2]
    # forums: the page (all of them fit, so no count), citations and children (eager in
    # the service); participations, each row carrying its actor; pledges, each row
    # carrying its pledgers, objectives, citations, exchange rate and the rate's
    # citations. (The response cache's own reads are not the request's: not counted.)
    assert before == after == 5, count_queries.statements[-after:]


async def test_forum_page_in_one_query_with_a_fixed_number_of_statements(
    client: httpx.AsyncClient, session: AsyncSession, count_queries: QueryCounter
) -> None:
    """Everything a forum page shows, in one query, on a forum ten times its size.

    The curated MIRPS-SP has no funding shares and no child forums, and an empty
    relation skips the loaders below it; one seeded row of each makes the small
    page the same shape as the large one, so only size differs.
    """
    await add_to_forum(session, "MIRPS-SP", 1, "seed")
    small, before = await _run(client, count_queries, FORUM_PAGE, code="MIRPS-SP")
    participants = len(small["forum"]["everyone"])
    await add_to_forum(session, "MIRPS-SP", 9 * participants, "grown")
    large, after = await _run(client, count_queries, FORUM_PAGE, code="MIRPS-SP")

    def sizes(data: dict[str, Any]) -> dict[str, int]:
        forum = data["forum"]
        lists = ("children", "everyone", "chairs", "fundingShares", "events", "pledges")
        return {name: len(forum[name]) for name in lists} | {"totals": len(data["totals"])}

    was, grown = sizes(small), sizes(large)
    assert grown["everyone"] == 10 * was["everyone"]
    assert all(grown[name] > was[name] for name in was), (was, grown)
    assert before == after, count_queries.statements[-after:]


DISPUTED_CLAIMS = """
{ participations(filter: {disputed: true}, first: 500) {
    edges { node { id disputeId dispute { id claims { value } rows { entity id } } } }
} }
"""


async def test_disputes_of_disputed_rows_run_a_fixed_number_of_statements(
    client: httpx.AsyncClient, session: AsyncSession, count_queries: QueryCounter
) -> None:
    small, statements = await _run(client, count_queries, DISPUTED_CLAIMS)
    for i in range(20):
        session.add(
            Dispute(
                id=f"synthetic-dispute-{i}",
                subject_entity="participation",
                subject_id=f"RCM/syn-d{i}/member",
                subject_field="start",
                summary="Synthetic disagreement.",
                claims=[{"value": "2019", "citations": []}, {"value": "2020", "citations": []}],
            )
        )
        session.add(Actor(id=f"syn-d{i}", name=f"Synthetic {i}", kind="civil_society"))
        await session.flush()
        session.add_all(
            Participation(
                key=f"synthetic-dispute/{i}/{year}",
                forum_code="RCM",
                actor_id=f"syn-d{i}",
                role="member",
                start_date=dt.date(year, 1, 1),
                start_precision=DatePrecision.YEAR,
                dispute=f"synthetic-dispute-{i}",
            )
            for year in (2019, 2020)
        )
    await session.flush()
    await data_changed(session)
    large, grown = await _run(client, count_queries, DISPUTED_CLAIMS)
    edges = large["participations"]["edges"]
    assert len(edges) == len(small["participations"]["edges"]) + 40
    assert all(e["node"]["dispute"]["id"] == e["node"]["disputeId"] for e in edges)
    assert {len(e["node"]["dispute"]["rows"]) for e in edges[-40:]} == {2}
    assert grown == statements
