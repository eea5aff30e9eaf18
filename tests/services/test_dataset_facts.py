"""Programmes, money records, counts, governance changes and event series in the data
files: `migov data validate` refuses bad entries naming file, line and reason, and the
curated files load them with their citations."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from app.cli import cli as cli_app
from app.dataset import check as dataset_checks
from app.dataset import read as dataset_read
from app.errors import InvalidInput
from app.models import Event, MoneyRecord, Programme
from tests.services.cited import citation
from tests.services.data_files import append_entry

CAN_REPORT = "canada-mirps-sp-chair-report-2022"
WRMC = "wrmc-2021-regional-cooperation"
# How many entries each file holds: an appended entry is the next one.
ENTRIES = dataset_checks.check_dataset(dataset_read.read_dataset()).counts


def _problems(data_dir: Path) -> list[str]:
    return dataset_checks.check_dataset(dataset_read.read_dataset(data_dir)).problems


def test_the_curated_files_pass() -> None:
    report = dataset_checks.check_dataset(dataset_read.read_dataset())
    assert report.problems == []
    assert report.counts["programmes"] == 36
    assert report.counts["money_records"] == 9


def test_every_curated_entry_has_its_spanish_name_and_description() -> None:
    report = dataset_checks.check_dataset(dataset_read.read_dataset())
    assert report.untranslated == []
    curated = dataset_read.read_dataset()
    assert all(e.name_es and e.description_es for e in curated.events)
    assert all(p.name_es and p.description_es for p in curated.programmes)
    organisations = [a for a in curated.actors if a.kind not in {"state", "person"}]
    assert len(organisations) == 20
    assert all(a.name_es for a in organisations)


def test_an_entry_without_spanish_is_named_and_the_cli_says_so(data_dir: Path) -> None:
    append_entry(
        data_dir,
        "programmes",
        "- id: new-fund\n  name: New fund\n  kind: fund\n  description: A fund.\n"
        f"  citations: [{citation('mirps-sp-web-2021', 'Cities of Solidarity')}]\n",
    )
    events = (data_dir / "events.yaml").read_text(encoding="utf-8")
    first = "  name_es: Primer Foro Mundial sobre los Refugiados\n"
    assert first in events
    (data_dir / "events.yaml").write_text(events.replace(first, "", 1), encoding="utf-8")
    report = dataset_checks.check_dataset(dataset_read.read_dataset(data_dir))
    assert report.untranslated == [
        "event global-refugee-forum-2019: no name_es (its name in Spanish)",
        "programme new-fund: no name_es (its name in Spanish)",
        "programme new-fund: no description_es (its description in Spanish)",
    ]
    result = CliRunner().invoke(cli_app, ["data", "validate", "--data-dir", str(data_dir)])
    assert "programme new-fund: no description_es" in result.output
    assert "3 entries without Spanish" in result.output


def test_a_programme_of_unknown_kind_names_file_line_and_reason(data_dir: Path) -> None:
    line = append_entry(
        data_dir,
        "programmes",
        "- id: new-fund\n  name: New fund\n  kind: piggy_bank\n  description: A fund.\n"
        f"  citations: [{citation('mirps-sp-web-2021', 'Cities of Solidarity')}]\n",
    )
    with pytest.raises(InvalidInput) as raised:
        dataset_read.read_dataset(data_dir)
    details = [str(e["detail"]) for e in raised.value.errors or []]
    assert [d[:60] for d in details] == [
        f"programmes.yaml:{line + 2} entry {ENTRIES['programmes']} kind: Input should be 'programme'"[
            :60
        ]
    ]


def test_a_money_record_without_citations_names_file_line_and_reason(data_dir: Path) -> None:
    line = append_entry(
        data_dir,
        "money_records",
        "- id: new-budget\n  kind: budget\n  forum: RCM\n  description: A budget.\n"
        "  citations: []\n",
    )
    with pytest.raises(InvalidInput) as raised:
        dataset_read.read_dataset(data_dir)
    assert raised.value.errors == [
        {
            "detail": f"money_records.yaml:{line + 4} entry {ENTRIES['money_records']} citations: "
            "List should have at least 1 item after validation, not 0"
        }
    ]


def test_a_child_event_outside_its_series_names_file_line_and_reason(data_dir: Path) -> None:
    line = append_entry(
        data_dir,
        "events",
        "- id: mirps-sp-technical-workshop-2022-extra\n"
        "  forum: MIRPS-SP\n"
        "  parent: mirps-sp-technical-workshops-2022\n"
        "  name: A sixth workshop\n"
        "  kind: technical_workshop\n"
        '  start: "2022-07-05"\n'
        f"  citations: [{citation(CAN_REPORT, '5 Technical Workshops organised')}]\n",
    )
    assert _problems(data_dir) == [
        f"events.yaml:{line + 5} entry {ENTRIES['events']} (mirps-sp-technical-workshop-2022-extra): dated "
        "2022-07-05 to 2022-07-05, outside its series mirps-sp-technical-workshops-2022 "
        "(2022-03-01 to 2022-06-30)"
    ]


def test_a_count_below_zero_names_file_line_and_reason(data_dir: Path) -> None:
    line = append_entry(
        data_dir,
        "participant_counts",
        "- id: rcm-observer-ghosts\n  forum: RCM\n  role: observer\n  count: -2\n"
        "  description: Fewer than none.\n"
        f"  citations: [{citation(WRMC, 'five other countries participate as observers')}]\n",
    )
    assert _problems(data_dir) == [
        f"participant_counts.yaml:{line + 3} entry {ENTRIES['participant_counts']} (rcm-observer-ghosts): count -2 is below zero"
    ]


def test_unknown_references_are_each_named(data_dir: Path) -> None:
    append_entry(
        data_dir,
        "money_records",
        "- id: stray\n  kind: budget\n  programme: no-such-programme\n  payer: nobody\n"
        '  amount: "10"\n  currency: ZZZ\n  description: Stray.\n'
        "  citations: [{source: no-such-source}]\n",
    )
    problems = [p.split(" (stray): ", 1)[1] for p in _problems(data_dir)]
    assert problems == [
        "cites unknown source 'no-such-source'",
        "unknown actor 'nobody'",
        "unknown programme 'no-such-programme'",
        "'ZZZ' is not ISO 4217",
    ]


def test_the_cli_refuses_bad_files_with_exit_code_1(data_dir: Path) -> None:
    append_entry(
        data_dir,
        "participant_counts",
        "- id: negative\n  forum: RCM\n  role: observer\n  count: -1\n"
        "  description: No.\n"
        f"  citations: [{citation(WRMC, 'five other countries participate as observers')}]\n",
    )
    result = CliRunner().invoke(cli_app, ["data", "validate", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "(negative): count -1 is below zero" in result.output


async def test_the_curated_facts_are_loaded_with_their_citations(session: AsyncSession) -> None:
    imcbp = await session.get(Programme, "imcbp")
    assert imcbp is not None
    assert (imcbp.predecessor_id, imcbp.owner_actor_id) == ("mpdp", "CAN")
    children = await session.scalars(
        select(Event.id, Event.topic)
        .where(Event.parent_id == "mirps-sp-technical-workshops-2022")
        .order_by(Event.id)
    )
    assert len(list(children)) == 5
    cirefca = await session.get(MoneyRecord, "cirefca-recorded-funding-1994")
    assert cirefca is not None
    assert (str(cirefca.amount), cirefca.currency, str(cirefca.reported_date)) == (
        "422300000.00",
        "USD",
        "1994-01-01",
    )
