"""The time model (services.periods) and the rules `migov data validate` checks for it."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dataset import check as dataset_checks
from app.dataset import load as dataset_service
from app.dataset import read as dataset_read
from app.dataset.files import DATASET_FILES, Dataset
from app.dataset.sync import LoadReport
from app.errors import InvalidInput
from app.models import Participation
from app.models.enums import BoundBasis, Certainty
from app.schemas.dates import PartialDate
from app.services import periods
from tests.services.test_dataset import BASE, CITE

D = dt.date
P = PartialDate.parse
NO_SOURCES: dict[str, periods.SourceDates] = {}


def period(**given: Any) -> periods.Period:
    return periods.derive_period(**{"start": None, "end": None, "cited": NO_SOURCES, **given})


@pytest.mark.parametrize(
    ("start", "end", "day", "expected"),
    [
        # A year-precision start: possible during the year, certain after it.
        ("2017", None, D(2017, 1, 1), Certainty.POSSIBLE),
        ("2017", None, D(2016, 12, 31), None),
        # "2019 to 2020": possibly held at the close of 2020, surely over in 2021.
        ("2019", "2020", D(2019, 12, 31), Certainty.CERTAIN),
        ("2019", "2020", D(2020, 12, 31), Certainty.POSSIBLE),
        ("2019", "2020", D(2021, 1, 1), None),
        # A day-precision end is the handover day, which belongs to the successor.
        ("2021-07", "2022-09-21", D(2022, 9, 20), Certainty.CERTAIN),
        ("2021-07", "2022-09-21", D(2022, 9, 21), None),
        ("2021-07", "2022-09-21", D(2021, 7, 1), Certainty.POSSIBLE),
        # A month-precision end: possibly held up to its last day.
        (None, "2021-07", D(2021, 7, 31), Certainty.POSSIBLE),
        (None, "2021-07", D(2021, 8, 1), None),
    ],
)
def test_dates_become_intervals(
    start: str | None, end: str | None, day: dt.date, expected: Certainty | None
) -> None:
    result = period(start=P(start) if start else None, end=P(end) if end else None)
    assert result.certainty_on(day) is expected


def test_open_role_is_known_up_to_its_latest_document() -> None:
    result = period(
        start=P("2019-11"),
        cited={"sheet": periods.source_dates(P("2019"))},
        forum_founded=None,
    )
    assert (result.last_confirmed, result.last_confirmed_source) == (D(2019, 1, 1), "sheet")
    # Announced before it began: never certain, possible from its start on.
    assert result.certainty_on(D(2019, 12, 1)) is Certainty.POSSIBLE
    assert result.certainty_on(D(2026, 1, 1)) is Certainty.POSSIBLE
    assert [(b.edge, b.side, b.basis) for b in result.bounds] == [
        ("start", "not_before", BoundBasis.STATED),
        ("start", "not_after", BoundBasis.STATED),
        ("end", "not_before", BoundBasis.START),
    ]


def test_unknown_start_is_bounded_by_founding_and_first_document() -> None:
    result = period(
        forum_founded=P("1991"),
        cited={
            "report": periods.source_dates(P("2021-10")),
            "page": periods.source_dates(None, not_before=P("2021-07")),
        },
    )
    assert (result.start_earliest, result.start_latest) == (D(1991, 1, 1), D(2021, 10, 31))
    assert (result.last_confirmed, result.last_confirmed_source) == (D(2021, 10, 1), "report")
    assert result.certainty_on(D(1995, 1, 1)) is Certainty.POSSIBLE
    assert result.certainty_on(D(2021, 11, 1)) is Certainty.POSSIBLE
    assert result.certainty_on(D(1990, 12, 31)) is None


def test_documents_written_after_the_forum_ended_confirm_nothing() -> None:
    result = period(
        start=P("1989-05"),
        forum_ended=P("1994"),
        cited={"report": periods.source_dates(P("2021-10"))},
    )
    assert result.last_confirmed is None
    assert result.end_latest == D(1995, 1, 1)
    assert result.certainty_on(D(1996, 1, 1)) is None


def test_stored_rule_matches_the_sql_rule() -> None:
    row = Participation(
        start_earliest=D(2019, 1, 1),
        start_latest=D(2019, 12, 31),
        end_earliest=D(2020, 1, 1),
        end_latest=D(2021, 1, 1),
    )
    assert [
        row.certainty_on(D(y, m, d)) for y, m, d in ((2019, 6, 1), (2019, 12, 31), (2021, 1, 1))
    ] == [
        Certainty.POSSIBLE,
        Certainty.CERTAIN,
        None,
    ]


async def test_sql_and_python_agree_on_every_curated_row(
    session: AsyncSession, curated: LoadReport
) -> None:
    rows = list(await session.scalars(select(Participation)))
    for day in (D(1995, 1, 1), D(2020, 6, 1), D(2022, 9, 21), D(2026, 1, 1)):
        certain = set(
            await session.scalars(
                select(Participation.id).where(periods.in_effect_on(day, Certainty.CERTAIN))
            )
        )
        possible = set(
            await session.scalars(select(Participation.id).where(periods.in_effect_on(day)))
        )
        assert certain == {r.id for r in rows if r.certainty_on(day) is Certainty.CERTAIN}
        assert possible == {r.id for r in rows if r.certainty_on(day) is not None}
        assert certain < possible


# --- validation rules ------------------------------------------------------------------


def check(participation: dict[str, Any], **changes: Any) -> list[str]:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    raw["participations"] = [participation]
    raw["disputes"] = []
    problems = dataset_checks.check_dataset(Dataset.model_validate(raw)).problems
    # BASE's actors are cited only by BASE's participations, replaced here.
    return [p for p in problems if "no cited fact mentions it" not in p]


MEMBER = {"forum": "AAA", "role": "member", "actors": ["CAN"], "citations": CITE}


def test_contradicting_bounds_are_refused() -> None:
    problems = check(
        {
            **MEMBER,
            "start_not_before": {"date": "2021-07", "citations": CITE},
            "start_not_after": {"date": "2020", "citations": CITE},
        }
    )
    assert problems == [
        "participations entry 0 (AAA member): its start bounds contradict each other: "
        "not before 2021-07-01 (explicit), not after 2020-12-31 (explicit)"
    ]


def test_a_start_before_the_forums_founding_is_refused() -> None:
    problems = check({**MEMBER, "start": "2016"})
    assert (
        "participations entry 0 (AAA member): start: 2016-12-31 is before its forum AAA was founded (2017-01-01)"
        in problems
    )


def test_an_explicit_bound_must_cite_a_known_source() -> None:
    problems = check(
        {**MEMBER, "start_not_after": {"date": "2021", "citations": [{"source": "nope"}]}}
    )
    assert problems == ["participations entry 0 (AAA member): cites unknown source 'nope'"]
    with pytest.raises(ValueError, match="at least 1 item"):
        Dataset.model_validate(
            {
                **BASE,
                "participations": [
                    {**MEMBER, "start_not_after": {"date": "2021", "citations": []}}
                ],
            }
        )


def test_a_not_after_bound_cannot_outrun_its_document() -> None:
    # doc-a is dated October 2021: it cannot attest anything about 2023.
    problems = check({**MEMBER, "start_not_after": {"date": "2023-01", "citations": CITE}})
    assert problems == [
        "participations entry 0 (AAA member): start_not_after: 2023-01-01 is later than its "
        "citing document can attest (dated by 2021-10-31 at the latest)"
    ]


def test_an_office_has_actors_or_a_holder_status() -> None:
    with pytest.raises(ValueError, match="has no actors"):
        Dataset.model_validate({**BASE, "participations": [{**MEMBER, "holder": "undecided"}]})
    with pytest.raises(ValueError, match="list the actors"):
        Dataset.model_validate({**BASE, "participations": [{**MEMBER, "actors": []}]})


def test_malformed_bound_in_a_file_names_its_line_and_field(tmp_path: Path) -> None:
    for name in DATASET_FILES:
        entries = [] if name == "participations" else BASE.get(name, [])
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(entries), encoding="utf-8")
    (tmp_path / "participations.yaml").write_text(
        "# header\n"
        "- forum: AAA\n"
        "  role: member\n"
        "  actors: [CAN]\n"
        "  citations: [{source: doc-a}]\n"
        "- forum: AAA\n"
        "  role: chair\n"
        "  actors: [CAN]\n"
        "  start_not_after:\n"
        "    date: 2021-13\n"
        "    citations: [{source: doc-a}]\n"
        "  citations: [{source: doc-a}]\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as raised:
        dataset_read.read_dataset(tmp_path)
    assert raised.value.errors == [
        {
            "detail": "participations.yaml:9 entry 1 start_not_after.date: "
            "Value error, '2021-13' is not a real date"
        }
    ]


async def test_undecided_office_is_loaded_without_an_actor(session: AsyncSession) -> None:
    raw = copy.deepcopy(BASE)
    raw["participations"].append(
        {
            "forum": "AAA-SP",
            "role": "incoming_chair",
            "holder": "undecided",
            "start": "2022-09-21",
            "citations": [{"source": "doc-b"}],
        }
    )
    await dataset_service.load_dataset(session, Dataset.model_validate(raw))
    (office,) = await session.scalars(
        select(Participation).where(
            Participation.role == "incoming_chair", Participation.forum_code == "AAA-SP"
        )
    )
    assert (office.actor_id, office.holder_status, office.key) == (
        None,
        "undecided",
        "AAA-SP/~undecided/incoming_chair/2022-09-21/-",
    )
    again = await dataset_service.load_dataset(session, Dataset.model_validate(raw))
    assert again.changes == 0


def test_disputes_are_checked_both_ways() -> None:
    raw = copy.deepcopy(BASE)
    raw["disputes"][0]["claims"][1]["citations"] = [{"source": "nope"}]
    raw["events"][0]["hosts"][0]["dispute"] = "unrecorded"
    raw["disputes"].append({**raw["disputes"][0], "id": "orphan"})
    problems = dataset_checks.check_dataset(Dataset.model_validate(raw)).problems
    assert problems == [
        "disputes entry 0 (slv-start): cites unknown source 'nope'",
        "disputes entry 1 (orphan): cites unknown source 'nope'",
        "dispute 'unrecorded': not recorded in disputes.yaml",
        "dispute 'orphan': no row is flagged with it",
    ]
    with pytest.raises(ValueError, match="at least 2 items"):
        Dataset.model_validate(
            {
                **BASE,
                "disputes": [{**BASE["disputes"][0], "claims": [BASE["disputes"][0]["claims"][0]]}],
            }
        )
