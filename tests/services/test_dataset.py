"""The dataset loader: validation, sync semantics, idempotency."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dataset import check as dataset_checks
from app.dataset import load as dataset_service
from app.dataset import read as dataset_read
from app.dataset.files import DATASET_FILES, Dataset
from app.dataset.sync import LoadReport
from app.errors import InvalidInput
from app.models import Citation, ExchangeRate, Forum, Participation, Pledge
from app.models.enums import ExchangeRateProvider

CITE = [{"source": "doc-a", "locator": "p. 1"}]

BASE: dict[str, Any] = {
    "sources": [
        {"id": "doc-a", "title": "A", "publisher": "P", "published": "2021-10"},
        {"id": "doc-b", "title": "B", "publisher": "P", "published": 2022},
    ],
    "forums": [
        {
            "code": "AAA",
            "name": "Forum A",
            "kind": "regional_framework",
            "scope": "regional",
            "founded": "2017",
            "description": "A test forum.",
            "citations": CITE,
        },
        {
            "code": "AAA-SP",
            "name": "Forum A platform",
            "kind": "support_platform",
            "scope": "regional",
            "parent": "AAA",
            "description": "Its platform.",
            "citations": CITE,
        },
    ],
    "actors": [
        {"id": "SLV", "kind": "state"},
        {"id": "CAN", "kind": "state"},
        {"id": "unhcr", "kind": "un_entity", "name": "UNHCR"},
    ],
    "participations": [
        {
            "forum": "AAA",
            "role": "member",
            "actors": ["SLV"],
            "start": "2017",
            "dispute": "slv-start",
            "citations": CITE,
        },
        {
            "forum": "AAA",
            "role": "member",
            "actors": ["SLV"],
            "start": "2019",
            "dispute": "slv-start",
            "citations": [{"source": "doc-b"}],
        },
        {
            "forum": "AAA-SP",
            "role": "chair",
            "actors": ["CAN"],
            "start": "2021-07",
            "end": "2022-09-21",
            "citations": CITE,
        },
        {"forum": "AAA", "role": "secretariat", "actors": ["unhcr"], "citations": CITE},
    ],
    "disputes": [
        {
            "id": "slv-start",
            "subject": {"entity": "participation", "id": "AAA/SLV/member", "field": "start"},
            "summary": "When SLV joined.",
            "claims": [
                {"value": "2017", "citations": CITE},
                {"value": "2019", "citations": [{"source": "doc-b"}]},
            ],
        }
    ],
    "exchange_rates": [
        {
            "currency": "CAD",
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "usd_per_unit": "0.75",
            "basis": "test rate",
            "citations": CITE,
        },
    ],
    "events": [
        {
            "id": "solidarity-2022",
            "forum": "AAA-SP",
            "name": "Solidarity",
            "kind": "solidarity_event",
            "start": "2022-09-21",
            "hosts": [{"actor": "CAN", "role": "co_host"}],
            "announced_total": {"amount": "210000000", "currency": "USD", "qualifier": "at_least"},
            "citations": CITE,
        },
    ],
    "pledges": [
        {
            "key": "can-2022",
            "pledgers": ["CAN"],
            "event": "solidarity-2022",
            "forum": "AAA-SP",
            "kind": "financial",
            "amount": {"amount": "13150000", "currency": "CAD"},
            "announced": "2022-09-21",
            "title": "Humanitarian assistance",
            "citations": CITE,
        },
        {
            "key": "can-2023",
            "pledgers": ["CAN"],
            "forum": "AAA-SP",
            "kind": "financial",
            "amount": {"amount": "100", "currency": "CRC"},
            "announced": "2023",
            "title": "No rate for this currency",
            "citations": CITE,
        },
    ],
}


def dataset(**changes: Any) -> Dataset:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    return Dataset.model_validate(raw)


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_load_then_reload_changes_nothing(session: AsyncSession) -> None:
    first = await dataset_service.load_dataset(session, dataset())
    assert first.created["forums"] == 2
    assert first.created["participations"] == 4
    assert first.created["pledges"] == 2
    second = await dataset_service.load_dataset(session, dataset())
    assert second.changes == 0
    assert await _count(session, Participation) == 4


async def test_usd_equivalent_only_where_a_rate_covers_the_date(session: AsyncSession) -> None:
    await dataset_service.load_dataset(session, dataset())
    pledges = {p.key: p for p in await session.scalars(select(Pledge))}
    assert pledges["can-2022"].amount_usd == Decimal("9862500.00")
    assert pledges["can-2023"].amount_usd is None
    assert pledges["can-2023"].amount_usd_note == "the ECB publishes no euro reference rate for CRC"


async def test_a_curated_amount_no_cited_rate_covers_gets_an_ecb_rate(
    session: AsyncSession,
) -> None:
    changed = copy.deepcopy(BASE)
    changed["pledges"][1]["amount"] = {"amount": "100", "currency": "EUR"}
    await dataset_service.load_dataset(session, Dataset.model_validate(changed))
    pledges = {p.key: p for p in await session.scalars(select(Pledge))}
    # The cited CAD rate still gives the CAD pledge its equivalent.
    assert pledges["can-2022"].amount_usd == Decimal("9862500.00")
    eur = pledges["can-2023"]
    rate = await session.get(ExchangeRate, eur.exchange_rate_id)
    assert rate is not None
    assert (rate.provider, rate.period_start, rate.period_end) == (
        ExchangeRateProvider.ECB,
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    assert eur.amount_usd == (Decimal(100) * rate.usd_per_unit).quantize(Decimal("0.01"))
    # A reload keeps the ECB rate and its source, and changes nothing.
    again = await dataset_service.load_dataset(session, Dataset.model_validate(changed))
    assert again.changes == 0


async def test_a_changed_field_and_a_removed_fact_are_synced(session: AsyncSession) -> None:
    await dataset_service.load_dataset(session, dataset())
    changed = copy.deepcopy(BASE)
    changed["forums"][0]["name"] = "Forum A renamed"
    del changed["participations"][2]  # Canada's chair term
    report = await dataset_service.load_dataset(session, Dataset.model_validate(changed))
    assert report.updated["forums"] == 1
    assert report.deleted["participations"] == 1
    forum = await session.get(Forum, "AAA")
    assert forum is not None
    assert forum.name == "Forum A renamed"
    assert await _count(session, Participation) == 3


async def test_citations_follow_the_files(session: AsyncSession) -> None:
    await dataset_service.load_dataset(session, dataset())
    changed = copy.deepcopy(BASE)
    changed["forums"][0]["citations"] = [{"source": "doc-b", "locator": "s. 2"}]
    await dataset_service.load_dataset(session, Dataset.model_validate(changed))
    rows = (await session.scalars(select(Citation).where(Citation.forum_code == "AAA"))).all()
    assert [(c.source_id, c.locator) for c in rows] == [("doc-b", "s. 2")]


def test_check_reports_broken_references_and_share_sums() -> None:
    broken = copy.deepcopy(BASE)
    broken["participations"].append(
        {"forum": "ZZZ", "role": "member", "actors": ["MEX"], "citations": [{"source": "nope"}]}
    )
    broken["funding_shares"] = [
        {
            "forum": "AAA",
            "basis": "core budget",
            "shares": {"CAN": "50", "SLV": "1.77"},
            "citations": CITE,
        }
    ]
    report = dataset_checks.check_dataset(Dataset.model_validate(broken))
    assert "participations entry 4 (ZZZ member): unknown forum 'ZZZ'" in report.problems
    assert "participations entry 4 (ZZZ member): unknown actor 'MEX'" in report.problems
    assert "participations entry 4 (ZZZ member): cites unknown source 'nope'" in report.problems
    assert [(s.forum, s.total_pct) for s in report.share_sums] == [("AAA", Decimal("51.77"))]


def test_a_dispute_needs_two_sources() -> None:
    lonely = copy.deepcopy(BASE)
    lonely["participations"][1]["citations"] = CITE
    report = dataset_checks.check_dataset(Dataset.model_validate(lonely))
    assert report.problems == [
        "dispute 'slv-start': a dispute needs claims from at least two sources"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actors": [{"id": "SLV", "kind": "state", "name": "Salvador"}]}, "pycountry"),
        ({"exchange_rates": [{**BASE["exchange_rates"][0], "usd_per_unit": 0.75}]}, "quoted"),
        ({"forums": [{**BASE["forums"][0], "citations": []}]}, "at least 1 item"),
        ({"forums": [{**BASE["forums"][0], "founded": "2017-13"}]}, "not a real date"),
    ],
)
def test_schema_errors_are_refused(change: dict[str, Any], message: str) -> None:
    raw = {**copy.deepcopy(BASE), **change}
    with pytest.raises(ValueError, match=message):
        Dataset.model_validate(raw)


async def test_an_invalid_dataset_is_not_loaded(session: AsyncSession) -> None:
    before = await _count(session, Forum)
    broken = copy.deepcopy(BASE)
    broken["forums"][1]["parent"] = "MISSING"
    with pytest.raises(InvalidInput) as raised:
        await dataset_service.load_dataset(session, Dataset.model_validate(broken))
    assert raised.value.errors == [{"detail": "forum AAA-SP: unknown forum 'MISSING'"}]
    assert await _count(session, Forum) == before


async def test_the_shipped_dataset_reloads_without_changes(
    session: AsyncSession, curated: LoadReport
) -> None:

    assert curated.created["forums"] >= 9
    again = await dataset_service.load_dataset(session, dataset_read.read_dataset())
    assert again.changes == 0, (again.created, again.updated, again.deleted)


def test_the_day_the_data_last_changed_may_not_be_in_the_future() -> None:
    raw = {**copy.deepcopy(BASE), "updated": "2030-01-02"}
    dataset = Dataset.model_validate(raw)
    future = "dataset.yaml: updated 2030-01-02 is in the future (today is 2030-01-01)"
    assert dataset_checks.check_dataset(dataset, today=dt.date(2030, 1, 1)).problems == [future]
    assert dataset_checks.check_dataset(dataset, today=dt.date(2030, 1, 2)).problems == []


def test_the_shipped_dataset_says_when_it_last_changed() -> None:
    dataset = dataset_read.read_dataset()
    assert dataset.updated is not None
    assert dataset.updated <= dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize(
    ("text", "message"),
    [('updated: "2026-13-01"\n', "is not a day"), ("updated: 3\n", "is not a day")],
)
def test_a_malformed_updated_day_is_refused(tmp_path: Path, text: str, message: str) -> None:
    for name in DATASET_FILES:
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(BASE.get(name, [])), encoding="utf-8")
    (tmp_path / "dataset.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        dataset_read.read_dataset(tmp_path)
