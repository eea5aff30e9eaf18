"""Passages in every answer: REST, GraphQL and CSV carry each citation's span and digest,
and the digest is that of the span of the cited source's text."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import httpx

from app.dataset import read as dataset_read
from tests.api.helpers import get_json
from tests.graphql import gql
from tests.services.cited import text_of


def _in_file(kind: str, key: str) -> list[dict[str, Any]]:
    """The citations the data file gives a fact, in the shape the API answers with."""
    dataset = dataset_read.read_dataset()
    entry = next(e for e in getattr(dataset, kind) if getattr(e, "id", None) == key)
    return [
        {
            "source_id": c.source,
            "locator": c.locator,
            "passage": c.passage.model_dump() if c.passage else None,
        }
        for c in entry.citations
    ]


def _recomputes(citation: dict[str, Any]) -> bool:
    passage = citation["passage"]
    piece = text_of(citation["source_id"])[passage["start"] : passage["end"]]
    return bool(piece) and hashlib.sha256(piece.encode()).hexdigest() == passage["sha256"]


def _key(citation: dict[str, Any]) -> tuple[str, str]:
    return citation["source_id"], json.dumps(citation["passage"], sort_keys=True)


async def test_rest_citations_carry_the_passage(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/programmes/sica-unhcr-action-plan-2018-2019")
    assert sorted(body["citations"], key=_key) == sorted(
        _in_file("programmes", "sica-unhcr-action-plan-2018-2019"), key=_key
    )
    assert all(_recomputes(c) for c in body["citations"])


async def test_participation_rows_and_bounds_carry_passages(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/participations", forum="MIRPS-SP", actor="world-bank")
    (row,) = body["items"]
    assert row["citations"]
    assert all(_recomputes(c) for c in row["citations"])
    explicit = [b for b in row["bounds"] if b["basis"] == "explicit"]
    assert [b["side"] for b in explicit] == ["not_before", "not_after"]
    assert all(_recomputes(c) for b in explicit for c in b["citations"])


async def test_dispute_claims_carry_passages(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/v1/disputes/mirps-slv-membership-start")
    cited = [c for claim in body["claims"] for c in claim["citations"]]
    assert len(cited) == 2
    assert all(_recomputes(c) for c in cited)


async def test_graphql_citations_carry_the_passage(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        """query ($id: String!) { programme(id: $id) {
             citations { sourceId locator passage { start end sha256 } } } }""",
        id="sica-unhcr-action-plan-2018-2019",
    )
    cited = [
        {"source_id": c["sourceId"], "locator": c["locator"], "passage": c["passage"]}
        for c in body["data"]["programme"]["citations"]
    ]
    assert sorted(cited, key=_key) == sorted(
        _in_file("programmes", "sica-unhcr-action-plan-2018-2019"), key=_key
    )


async def test_csv_citations_carry_the_passage(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/events", params={"format": "csv", "parent": "gcm-dialogues-on-migration-2022"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    for row in rows:
        (cited,) = json.loads(row["citations_json"])
        assert _recomputes(cited)


async def test_csv_rows_carry_their_inferred_values(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/events", params={"format": "csv", "parent": "gcm-dialogues-on-migration-2022"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    api = await get_json(client, "/v1/events", parent="gcm-dialogues-on-migration-2022")
    assert [json.loads(row["inferred_json"]) for row in rows] == [
        e["inferred"] for e in api["items"]
    ]
    assert [[value["field"] for value in e["inferred"]] for e in api["items"]] == [["latest"]] * 4
