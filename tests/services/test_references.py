"""Resolving the references of a write: exact codes cost one statement (every kind, with
the key's grants and a repeated external_ref) for a whole batch; anything else reads
every name of its kind, as reads do. Either way a value resolves to the same code, and
a value that names nothing is refused with the same problem body and the same
suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import InvalidPayload
from app.models import Actor, ApiKey, Event, Forum
from app.services import pledge_writes, references
from tests.conftest import QueryCounter
from tests.factories import pledge_body
from tests.services.test_pledge_writes import SOLIDARITY_2022, submit


def read_whole(statements: Iterable[str]) -> set[str]:
    """The tables of references (actor, forum, event) some statement read every row of."""
    return {
        table
        for statement in statements
        if "WHERE" not in statement
        for table in re.findall(r"\bFROM (actor|forum|event)\b", statement)
    }


def reference_reads(statements: Iterable[str]) -> list[str]:
    """The statements that read actors, forums or events before the first pledge is stored."""
    reads: list[str] = []
    for statement in statements:
        if statement.lstrip().startswith("INSERT INTO pledge "):
            break
        if re.search(r"\bFROM (actor|forum|event)\b", statement):
            reads.append(statement)
    return reads


# --- what a write reads ---------------------------------------------------------------------


async def test_a_submission_of_exact_codes_reads_no_whole_table(
    session: AsyncSession, writer: ApiKey, count_queries: QueryCounter
) -> None:
    count_queries.statements.clear()
    write = await submit(
        session, writer, pledgers=["CAN", "unhcr"], forum="MIRPS-SP", event=SOLIDARITY_2022
    )

    assert (write.pledge.forum, write.pledge.event) == ("MIRPS-SP", SOLIDARITY_2022)
    assert [p.id for p in write.pledge.pledgers] == ["CAN", "unhcr"]
    assert read_whole(count_queries.statements) == set()
    # The actors, the forum, the event and its forum: parts of one statement, each indexed.
    assert len(reference_reads(count_queries.statements)) == 1


@pytest.mark.parametrize(
    ("overrides", "table"),
    [
        ({"pledgers": ["CAN", "Mexico"]}, "actor"),
        ({"pledgers": ["UNHCR"]}, "actor"),  # the short name; the id is unhcr
        ({"forum": "Support Platform"}, "forum"),
        ({"forum": "mirps-sp"}, "forum"),
        ({"event": SOLIDARITY_2022.upper()}, "event"),
    ],
)
async def test_a_value_that_is_no_exact_code_reads_every_name_of_its_kind_alone(
    session: AsyncSession,
    writer: ApiKey,
    count_queries: QueryCounter,
    overrides: dict[str, Any],
    table: str,
) -> None:
    count_queries.statements.clear()
    write = await submit(session, writer, **overrides)

    assert (write.pledge.forum, write.pledge.event) == ("MIRPS-SP", SOLIDARITY_2022)
    assert read_whole(count_queries.statements) == {table}


async def test_a_batch_asks_once_for_the_codes_of_all_its_pledges(
    session: AsyncSession, writer: ApiKey, count_queries: QueryCounter
) -> None:
    def items(count: int, prefix: str) -> list[dict[str, Any]]:
        pledgers = [["CAN"], ["MEX", "USA"], ["unhcr", "CAN"]]
        forums = [("MIRPS-SP", SOLIDARITY_2022), ("RCM", ...), ("MIRPS", ...)]
        return [
            pledge_body(
                pledgers=pledgers[n % 3],
                forum=forums[n % 3][0],
                event=forums[n % 3][1],
                external_ref=f"{prefix}-{n}",
            )
            for n in range(count)
        ]

    count_queries.statements.clear()
    small = await pledge_writes.submit_batch(session, writer, items(3, "small"))
    small_statements = list(count_queries.statements)
    count_queries.statements.clear()
    large = await pledge_writes.submit_batch(session, writer, items(60, "large"))
    large_statements = list(count_queries.statements)

    assert (small.result.created, large.result.created) == (3, 60)
    assert [r.pledge.forum for r in large.result.results[:3] if r.pledge] == [
        "MIRPS-SP",
        "RCM",
        "MIRPS",
    ]
    assert read_whole(small_statements + large_statements) == set()
    # The actors, the forums, the events and their forums: one statement, whatever the count.
    assert len(reference_reads(small_statements)) == len(reference_reads(large_statements)) == 1


# --- what a write resolves and refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "resolved"),
    [
        ({"pledgers": ["CAN", "unhcr"]}, (["CAN", "unhcr"], "MIRPS-SP", SOLIDARITY_2022)),
        (
            {"pledgers": ["can", "UNHCR", "Mexico"]},
            (["CAN", "unhcr", "MEX"], "MIRPS-SP", SOLIDARITY_2022),
        ),
        (
            {"pledgers": ["International Organization for Migration"]},
            (["iom"], "MIRPS-SP", SOLIDARITY_2022),
        ),
        ({"forum": "rcm", "event": ...}, (["CAN"], "RCM", None)),
        ({"forum": "CRM", "event": ...}, (["CAN"], "RCM", None)),
        ({"forum": "conferencia regional sobre migracion", "event": ...}, (["CAN"], "RCM", None)),
        ({"forum": "Proceso Puebla", "event": ...}, (["CAN"], "RCM", None)),
        ({"forum": ..., "event": SOLIDARITY_2022.upper()}, (["CAN"], "MIRPS-SP", SOLIDARITY_2022)),
    ],
)
async def test_codes_in_any_case_names_and_aliases_resolve_to_their_codes(
    session: AsyncSession,
    writer: ApiKey,
    overrides: dict[str, Any],
    resolved: tuple[list[str], str, str | None],
) -> None:
    write = await submit(session, writer, **overrides)

    pledge = write.pledge
    assert ([p.id for p in pledge.pledgers], pledge.forum, pledge.event) == resolved


# The problem bodies as they were when every write read every name.
REFUSALS: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = [
    (
        {"pledgers": ["CAN", "MEXX"]},
        "unknown_reference",
        [
            {
                "field": "pledgers.1",
                "value": "MEXX",
                "detail": "no actor matches 'MEXX'; did you mean MEX, eu, CHE?",
                "suggestions": ["MEX", "eu", "CHE"],
            }
        ],
    ),
    (
        {"pledgers": ["Canadaa", "unhcrr", "USA"]},
        "unknown_reference",
        [
            {
                "field": "pledgers.0",
                "value": "Canadaa",
                "detail": "no actor matches 'Canadaa'; did you mean CAN, irb-canada, PAN?",
                "suggestions": ["CAN", "irb-canada", "PAN"],
            },
            {
                "field": "pledgers.1",
                "value": "unhcrr",
                "detail": "no actor matches 'unhcrr'; did you mean unhcr, CRI, NIC?",
                "suggestions": ["unhcr", "CRI", "NIC"],
            },
        ],
    ),
    (
        {"forum": "RMC", "event": ...},
        "unknown_reference",
        [
            {
                "field": "forum",
                "value": "RMC",
                "detail": "no forum matches 'RMC'; did you mean RCM, CIREFCA, M5?",
                "suggestions": ["RCM", "CIREFCA", "M5"],
            }
        ],
    ),
    (
        {"forum": "Puebla Proces", "event": ...},
        "unknown_reference",
        [
            {
                "field": "forum",
                "value": "Puebla Proces",
                "detail": "no forum matches 'Puebla Proces'; did you mean RCM, SELA, C-A4?",
                "suggestions": ["RCM", "SELA", "C-A4"],
            }
        ],
    ),
    (
        {"event": "mirps-sp-solidarity-event-2023"},
        "unknown_reference",
        [
            {
                "field": "event",
                "value": "mirps-sp-solidarity-event-2023",
                "detail": "no event matches 'mirps-sp-solidarity-event-2023'; did you mean "
                "mirps-sp-solidarity-event-2022, mirps-solidarity-event-2021, "
                "mirps-sp-signature-event-2022?",
                "suggestions": [
                    "mirps-sp-solidarity-event-2022",
                    "mirps-solidarity-event-2021",
                    "mirps-sp-signature-event-2022",
                ],
            }
        ],
    ),
    (
        {"pledgers": ["Canada", "CAN"]},
        "validation_failed",
        [
            {
                "field": "pledgers.1",
                "detail": "pledger 'CAN' is actor 'CAN', already listed as pledgers.0",
            }
        ],
    ),
    (
        {"pledgers": ["CAN", "MEX"], "forum": "rcm"},
        "validation_failed",
        [
            {
                "field": "event",
                "detail": f"event '{SOLIDARITY_2022}' belongs to forum 'MIRPS-SP', not 'RCM'",
            }
        ],
    ),
]


@pytest.mark.parametrize(("overrides", "code", "errors"), REFUSALS)
async def test_a_refused_submission_keeps_its_problems_and_suggestions(
    session: AsyncSession,
    writer: ApiKey,
    overrides: dict[str, Any],
    code: str,
    errors: list[dict[str, Any]],
) -> None:
    with pytest.raises(InvalidPayload) as refused:
        await submit(session, writer, **overrides)

    assert (refused.value.code, refused.value.errors) == (code, errors)
    assert refused.value.detail == "; ".join(f"{e['field']}: {e['detail']}" for e in errors)


async def test_a_batch_refuses_each_bad_pledge_as_a_submission_does(
    session: AsyncSession, writer: ApiKey
) -> None:
    items = [pledge_body(external_ref="exact")] + [
        pledge_body(**overrides) for overrides, _, _ in REFUSALS
    ]

    write = await pledge_writes.submit_batch(session, writer, items)

    first, *refused = write.result.results
    assert (first.outcome, first.pledge and first.pledge.external_ref) == ("created", "exact")
    assert [(r.outcome, r.code) for r in refused] == [("rejected", c) for _, c, _ in REFUSALS]
    assert [[e.model_dump(exclude_none=True) for e in r.errors or []] for r in refused] == [
        errors for _, _, errors in REFUSALS
    ]


# --- the lookups ----------------------------------------------------------------------------

KINDS: list[tuple[str, InstrumentedAttribute[str], str]] = [
    ("actor", Actor.id, "Canada"),
    ("forum", Forum.code, "Puebla Process"),
    ("event", Event.id, SOLIDARITY_2022.upper()),
]


@pytest.mark.parametrize(("kind", "key", "name"), KINDS)
async def test_a_lookup_of_exact_codes_resolves_each_as_every_name_does(
    session: AsyncSession, kind: str, key: InstrumentedAttribute[str], name: str
) -> None:
    codes = sorted(await session.scalars(select(key)))
    step = references.MAX_EXACT

    every_name = await references.lookup(session, kind, [name])
    exact = [
        await references.lookup(session, kind, codes[i : i + step])
        for i in range(0, len(codes), step)
    ]

    assert every_name.complete
    assert not any(lookup.complete for lookup in exact)
    # Each code is its own among every name: no two codes differ only in case or accents.
    assert [every_name.code(code) for code in codes] == codes
    assert [
        lookup.code(code)
        for i, lookup in enumerate(exact)
        for code in codes[i * step : (i + 1) * step]
    ] == codes


async def test_a_lookup_of_more_codes_than_it_asks_for_reads_every_name(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(references, "MAX_EXACT", 2)

    few = await references.lookup(session, "actor", ["CAN", "MEX"])
    many = await references.lookup(session, "actor", ["CAN", "MEX", "USA"])

    assert (few.complete, many.complete) == (False, True)
    assert [many.code(value) for value in ("CAN", "MEX", "USA", "Canada")] == [
        "CAN",
        "MEX",
        "USA",
        "CAN",
    ]


async def test_a_lookup_of_no_values_asks_nothing(
    session: AsyncSession, count_queries: QueryCounter
) -> None:
    count_queries.statements.clear()

    lookup = await references.lookup(session, "forum", [])

    assert (lookup.complete, dict(lookup.names)) == (False, {})
    assert count_queries.statements == []


@pytest.mark.parametrize(
    ("values", "found", "complete"),
    [(["CAN", "MEX"], {"CAN", "MEX"}, False), (["CAN", "Mexico"], {"CAN"}, True)],
)
async def test_a_lookup_given_the_codes_found_asks_only_when_a_value_is_not_one(
    session: AsyncSession,
    count_queries: QueryCounter,
    values: list[str],
    found: set[str],
    complete: bool,
) -> None:
    """What a write's first statement found (``found``) stands for the exact question: all
    found, nothing is read; one missing, every name of the kind is, for its suggestions."""
    count_queries.statements.clear()

    lookup = await references.lookup(session, "actor", values, found=found)

    assert lookup.complete is complete
    assert bool(count_queries.statements) is complete
    assert [lookup.code(value) for value in values] == [
        "CAN",
        "MEX",
    ]
