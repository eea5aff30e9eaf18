"""The rules `migov data validate` enforces on what the documents say about time, each
shown failing on a deliberately broken data file with its file, line and reason:

* an event is ``held`` only when a cited passage reports it held, by a document that
  may postdate it;
* a part or occurrence lies within its parent's bounds;
* an item listed under a term lies within that term;
* a programme is not in effect before it was first proposed;
* a start's bounds never lie after its end's;
* (a source's date bounds come from its text: ``test_passages``;)
* what the files mark inferred is a value of the entry.
"""

from __future__ import annotations

from pathlib import Path

from app.dataset import check as dataset_checks
from app.dataset import read as dataset_read
from tests.services.cited import citation, source_texts
from tests.services.data_files import append_entry

REPORT = "canada-mirps-sp-chair-report-2022"
ROADMAP = "unnm-lac-imrf-roadmap-2021"
WRMC = "wrmc-2021-regional-cooperation"
MEETINGS = "5 Technical Meetings conducted between MIRPS Support Platform members."
PAIM = "endorsed “the necessity of establishing a regional instrument"


def _append(data_dir: Path, name: str, text: str) -> tuple[int, int]:
    """Append an entry to ``name``.yaml: the line it starts on, and its index."""
    entries = len(getattr(dataset_read.read_dataset(data_dir), name))
    return append_entry(data_dir, name, text), entries


def _problems(data_dir: Path) -> list[str]:
    dataset = dataset_read.read_dataset(data_dir)
    return dataset_checks.check_dataset(dataset, source_texts()).problems


def _event(event_id: str, *lines: str, cited: str) -> str:
    body = "".join(f"  {line}\n" for line in lines)
    return (
        f"- id: {event_id}\n  forum: MIRPS-SP\n  name: A fixture\n  kind: technical_meeting\n"
        f"{body}  citations:\n    - {cited}\n"
    )


def test_the_shipped_files_keep_every_rule() -> None:
    assert dataset_checks.check_dataset(dataset_read.read_dataset(), source_texts()).ok


def test_an_event_held_without_a_passage_reporting_it_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "events",
        _event("broken-held", "status: held", 'start: "2022-05"', cited=citation(REPORT, MEETINGS)),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 4} entry {index} (broken-held): held, but no cited passage "
        "reports it held (mark the citation whose passage does with states: [status], or "
        "make it announced)"
    ]


def test_an_event_held_by_a_document_that_predates_it_is_refused(data_dir: Path) -> None:
    cited = citation(ROADMAP, "Date of the IMRF: 17 to 20 May 2022")[:-1] + ", states: [status]}"
    line, index = _append(
        data_dir,
        "events",
        _event("broken-forum", "status: held", 'start: "2022-05-17"', cited=cited),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 4} entry {index} (broken-forum): held, but {ROADMAP}, which "
        "reports it, dates from 2021-09-30 at the latest, before the event's earliest day "
        "(2022-05-17): a document cannot report as held what had not begun"
    ]


def test_an_occurrence_bounded_outside_its_series_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "events",
        _event(
            "broken-occurrence",
            "parent: mirps-sp-technical-workshops-2022",
            'not_before: "2022-07"',
            cited=citation(REPORT, MEETINGS),
        ),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 5} entry {index} (broken-occurrence): dated 2022-07-01 to …, "
        "outside its series mirps-sp-technical-workshops-2022 (2022-03-01 to 2022-06-30)"
    ]


def test_an_item_listed_under_a_term_but_dated_outside_it_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "events",
        _event(
            "broken-term",
            "term: {forum: MIRPS-SP, actor: CAN, role: chair}",
            'start: "2020-03"',
            cited=citation(REPORT, MEETINGS),
        ),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 5} entry {index} (broken-term): dated 2020-03-01 to 2020-03-31, "
        "outside the term of CAN as chair of MIRPS-SP (2021-07-01 to 2022-09-21), under "
        "which it is listed"
    ]


def test_a_term_that_is_not_one_claim_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "events",
        _event(
            "broken-no-term",
            "term: {forum: RCM, actor: CAN, role: chair}",
            cited=citation(REPORT, MEETINGS),
        ),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 4} entry {index} (broken-no-term): its term RCM/CAN/chair "
        "matches 0 participation claims, not one"
    ]


def test_a_part_dated_outside_its_plan_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "programmes",
        "- id: broken-area\n  name: An area\n  kind: action_area\n"
        "  parent: sica-unhcr-action-plan-2018-2019\n"
        '  start: "2016"\n  description: A fixture.\n'
        f"  citations: [{citation(WRMC, '1) regional coordination and cooperation')}]\n",
    )
    assert _problems(data_dir) == [
        f"programmes.yaml:{line} entry {index} (broken-area): its dates (2016-01-01 to …) reach "
        "outside the plan it is part of, sica-unhcr-action-plan-2018-2019 (2018-01-01 to "
        "2019-12-31)"
    ]


def test_a_programme_in_effect_before_it_was_proposed_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "programmes",
        '- id: broken-plan\n  name: A plan\n  kind: proposed_plan\n  proposed: "2018-06"\n'
        '  start: "2017"\n  description: A fixture.\n'
        f"  citations: [{citation(WRMC, PAIM)}]\n",
    )
    assert _problems(data_dir) == [
        f"programmes.yaml:{line + 3} entry {index} (broken-plan): it may start 2017-01-01, "
        "before it was first proposed (2018-06): a programme is not in effect before it is "
        "proposed"
    ]


def test_a_programme_whose_start_may_lie_after_its_end_is_refused(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "programmes",
        '- id: broken-order\n  name: A plan\n  kind: programme\n  start_not_after: "2020"\n'
        '  end: "2019"\n  description: A fixture.\n'
        f"  citations: [{citation(WRMC, PAIM)}]\n",
    )
    assert _problems(data_dir) == [
        f"programmes.yaml:{line} entry {index} (broken-order): its start may be as late as "
        "2020-12-31, but it has ended by 2019-12-31: a start's bounds never lie after its "
        "end's"
    ]


def test_a_role_whose_start_may_lie_after_its_end_is_refused(data_dir: Path) -> None:
    # Spain's chairship as it was served: ended July 2021, yet possibly started as late
    # as 2022-12-31.
    cited = citation(REPORT, "As the second Chair of the MIRPS Support Platform")
    line, index = _append(
        data_dir,
        "participations",
        "- forum: MIRPS-SP\n  role: co_chair\n  actors: [ESP]\n"
        f'  start_not_after: {{date: "2022-12", citations: [{cited}]}}\n'
        '  end: "2021-07"\n'
        f"  citations: [{cited}]\n",
    )
    assert _problems(data_dir) == [
        f"participations.yaml:{line} entry {index} (MIRPS-SP co_chair): start_not_after: its "
        "start may be as late as 2022-12-31, after the latest day it may end (2021-08-01): a "
        "start's bounds never lie after its end's"
    ]


def test_inferred_names_a_value_of_the_entry(data_dir: Path) -> None:
    line, index = _append(
        data_dir,
        "events",
        _event(
            "broken-inferred",
            "inferred: {description: Not a value., end: There is no end.}",
            cited=citation(REPORT, MEETINGS),
        ),
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 4} entry {index} (broken-inferred): inferred names "
        "'description', which is not a value",
        f"events.yaml:{line + 4} entry {index} (broken-inferred): inferred names 'end', "
        "which has no value here",
    ]


def test_a_citation_states_a_value_of_the_entry(data_dir: Path) -> None:
    cited = citation(REPORT, MEETINGS)[:-1] + ", states: [venue]}"
    line, index = _append(data_dir, "events", _event("broken-states", "status: held", cited=cited))
    assert _problems(data_dir) == [
        f"events.yaml:{line + 4} entry {index} (broken-states): held, but no cited passage "
        "reports it held (mark the citation whose passage does with states: [status], or "
        "make it announced)",
        f"events.yaml:{line + 6} entry {index} (broken-states): the citation states 'venue', "
        "which is not a value",
    ]
