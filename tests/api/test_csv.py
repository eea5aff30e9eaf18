"""CSV that reads back: every list written as CSV, read with the csv module, equals its JSON.

Lists and maps travel as JSON in ``*_json`` columns, text that a spreadsheet would
run as a formula gets a leading ``'`` (and only text), the file comes as an
attachment named for the resource, and ``all=true`` streams every row of a
filtered list in one answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.rendering import _csv_lines, csv_columns
from app.schemas.common import csv_cell
from tests.api.helpers import walk
from tests.bulk import insert_pledges
from tests.factories import make_api_key, pledge_body

# Every list that offers CSV, with a filter where the list takes one.
LISTS = [
    ("/v1/forums", {}, "forums"),
    ("/v1/forums", {"kind": "regional_consultative_process"}, "forums"),
    ("/v1/forums/MIRPS-SP/participants", {}, "MIRPS-SP-participants"),
    ("/v1/actors", {}, "actors"),
    ("/v1/actors", {"member_of": "MIRPS", "as_of": "2022-01-01"}, "actors"),
    ("/v1/participations", {}, "participations"),
    ("/v1/participations", {"as_of": "2022-01-01"}, "participations"),
    ("/v1/funding-shares", {}, "funding-shares"),
    ("/v1/events", {}, "events"),
    ("/v1/pledges", {}, "pledges"),
    ("/v1/pledges", {"sort": "-id", "forum": "MIRPS-SP"}, "pledges"),
    ("/v1/sources", {}, "sources"),
    ("/v1/disputes", {}, "disputes"),
    ("/v1/programmes", {}, "programmes"),
    ("/v1/money-records", {}, "money-records"),
    ("/v1/governance-changes", {}, "governance-changes"),
    ("/v1/participant-counts", {}, "participant-counts"),
]


def read_text_cell(cell: str) -> str:
    """A text cell as the value it holds: drop the one quote that neutralised it."""
    return cell[1:] if cell.startswith("'") else cell


def flatten(item: dict[str, Any], header: set[str], prefix: str = "") -> dict[str, Any]:
    """The JSON item by CSV column: nested objects by prefix, lists and maps as ``_json``.

    A nested object that is null maps each of its columns to None.
    """
    flat: dict[str, Any] = {}
    for key, value in item.items():
        column = f"{prefix}{key}"
        if f"{column}_json" in header:
            flat[f"{column}_json"] = value
        elif isinstance(value, dict):
            flat.update(flatten(value, header, f"{column}_"))
        elif value is None and column not in header:
            flat.update(dict.fromkeys((c for c in header if c.startswith(f"{column}_")), None))
        else:
            flat[column] = value
    return flat


def assert_row_is_item(header: list[str], row: list[str], item: dict[str, Any]) -> None:
    flat = flatten(item, set(header))
    assert set(flat) == set(header), set(flat) ^ set(header)
    for column, cell in zip(header, row, strict=True):
        expected = flat[column]
        if expected is None:  # also a list inside an object that is null
            assert cell == "", column
        elif column.endswith("_json"):
            assert json.loads(cell) == expected, column
        elif isinstance(expected, bool):
            assert cell == ("true" if expected else "false"), column
        elif isinstance(expected, int | float):
            assert Decimal(cell) == Decimal(str(expected)), column
        else:
            assert read_text_cell(cell) == expected, column


def parse(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    if importlib.util.find_spec("pandas") is not None:  # read it as pandas does too
        import pandas as pd  # type: ignore[import-not-found,import-untyped,unused-ignore]

        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        assert list(frame.columns) == header
        assert frame.to_numpy().tolist() == rows
    return header, rows


@pytest.mark.parametrize(("path", "params", "filename"), LISTS)
async def test_every_list_round_trips_through_csv(
    client: httpx.AsyncClient, path: str, params: dict[str, str], filename: str
) -> None:
    items = await walk(client, path, **params, limit=7)
    response = await client.get(path, params={**params, "format": "csv", "all": "true"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}.csv"'
    header, rows = parse(response.text)
    assert len(rows) == len(items) > 0
    for row, item in zip(rows, items, strict=True):
        assert_row_is_item(header, row, item)


async def test_a_locator_holding_the_old_separator_survives(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums", params={"format": "csv", "all": "true"})
    (record,) = [r for r in csv.DictReader(io.StringIO(response.text)) if r["code"] == "GCR"]
    citations = json.loads(record["citations_json"])
    assert any("; " in (c["locator"] or "") for c in citations)
    assert citations == (await client.get("/v1/forums/GCR")).json()["citations"]


HOSTILE = {
    "title": '=HYPERLINK("http://attacker.example","open me")',
    "description": "-2+3 and\na second line\r\nand a third",
    "external_ref": "@SUM(A1:A9)",
}


async def test_formulas_are_neutralised_and_read_back(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    key = await make_api_key(session, name="hostile")
    submitted = await client.post("/v1/pledges", json=pledge_body(**HOSTILE), headers=key.headers)
    assert submitted.status_code == 201, submitted.text
    pledge_id = submitted.json()["id"]
    response = await client.get("/v1/pledges", params={"format": "csv", "all": "true"})
    header, rows = parse(response.text)
    (row,) = [r for r in rows if r[header.index("id")] == str(pledge_id)]
    record = dict(zip(header, row, strict=True))
    assert record["title"] == "'" + HOSTILE["title"]
    assert record["description"] == "'" + HOSTILE["description"]
    assert record["external_ref"] == "'" + HOSTILE["external_ref"]
    # Numbers and dates are never prefixed; the pledge reads back whole.
    assert record["amount"] == "1000000.00"
    assert_row_is_item(header, row, submitted.json())


class Ledger(BaseModel):
    balance: Decimal
    year: int
    note: str | None
    tags: list[str]
    at: dt.datetime | None = None


def test_only_text_cells_are_neutralised() -> None:
    rows = [
        Ledger(balance=Decimal("-12.50"), year=-1, note="-12.50", tags=["=1+1"]),
        Ledger(balance=Decimal("3"), year=2, note="'quoted", tags=[]),
        Ledger(balance=Decimal("4"), year=3, note="\tTab", tags=[]),
        Ledger(balance=Decimal("5"), year=4, note="plain - text", tags=[]),
    ]
    text = "".join(_csv_lines(rows, csv_columns(Ledger), False, {}))
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["balance", "year", "note", "tags_json", "at"],
        ["-12.50", "-1", "'-12.50", '["=1+1"]', ""],
        ["3", "2", "''quoted", "[]", ""],
        ["4", "3", "'\tTab", "[]", ""],
        ["5", "4", "plain - text", "[]", ""],
    ]


def test_a_time_is_iso_8601_as_in_the_data_package() -> None:
    """One cell format serves the CSV answers and the data package's files."""
    at = dt.datetime(2022, 9, 21, 10, 30, tzinfo=dt.UTC)
    row = Ledger(balance=Decimal("1"), year=1, note=None, tags=[], at=at)
    text = "".join(_csv_lines([row], csv_columns(Ledger), False, {}))
    cell = list(csv.reader(io.StringIO(text, newline="")))[1][-1]
    assert cell == "2022-09-21T10:30:00+00:00" == csv_cell(at, guard=False)


async def test_all_rows_cross_internal_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """1,200 pledges of one forum: the stream reads three keyset pages of 500."""
    ids = await insert_pledges(await session.connection(), 1_200, forum="SICA")
    items = await walk(client, "/v1/pledges", forum="SICA", limit=500)
    response = await client.get(
        "/v1/pledges", params={"forum": "SICA", "format": "csv", "all": "true"}
    )
    header, rows = parse(response.text)
    assert len(rows) == len(items) >= 1_200
    assert {int(r[0]) for r in rows} >= set(ids)
    for row, item in zip(rows, items, strict=True):
        assert_row_is_item(header, row, item)


async def test_all_rows_needs_csv(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/pledges", params={"all": "true"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert "format=csv" in body["detail"]


@pytest.mark.parametrize("path", ["/v1/pledges", "/v1/actors", "/v1/funding-shares"])
async def test_limit_beside_all_rows_is_refused_not_ignored(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, params={"format": "csv", "all": "true", "limit": "5"})

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert [(e["field"], e["excluded_by"]) for e in body["errors"]] == [("limit", ["all=true"])]


@pytest.mark.parametrize("extra", [{}, {"all": "true"}])
async def test_bom_true_starts_the_csv_with_a_byte_order_mark_for_excel(
    client: httpx.AsyncClient, extra: dict[str, str]
) -> None:
    plain = await client.get("/v1/forums", params={"format": "csv", **extra})
    marked = await client.get("/v1/forums", params={"format": "csv", "bom": "true", **extra})

    assert marked.status_code == plain.status_code == 200
    assert marked.content.startswith(b"\xef\xbb\xbf")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert marked.content[3:] == plain.content


async def test_all_rows_refuses_a_bad_filter_before_streaming(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/pledges", params={"forum": "NOPE", "format": "csv", "all": "true"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_reference"


async def test_all_rows_streams_pledges_in_id_order_only(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/pledges", params={"sort": "amount_usd", "format": "csv", "all": "true"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert "sort=id" in response.json()["detail"]
