"""What every REST endpoint shares: conditional GETs, CSV/HXL, languages, paging, errors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Participation
from app.models.enums import ChangeAction, ChangeOrigin, Entity
from app.services import changes as change_service
from tests.api.helpers import get_json, walk

LIST_PATHS = [
    "/v1/forums",
    "/v1/forums/RCM/participants",
    "/v1/actors",
    "/v1/participations",
    "/v1/funding-shares",
    "/v1/events",
    "/v1/pledges",
    "/v1/sources",
]


@pytest.mark.parametrize("path", [*LIST_PATHS, "/v1/forums/RCM", "/v1/meta"])
async def test_etag_revalidation_answers_304(client: httpx.AsyncClient, path: str) -> None:
    first = await client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    assert "last-modified" in first.headers
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


async def test_etag_changes_with_the_data_and_the_representation(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await client.get("/v1/forums")
    as_csv = await client.get("/v1/forums", params={"format": "csv"})
    spanish = await client.get("/v1/forums", headers={"Accept-Language": "es"})
    assert len({first.headers["etag"], as_csv.headers["etag"], spanish.headers["etag"]}) == 3

    await change_service.record(
        session,
        [change_service.ChangeRecord(Entity.FORUM, "RCM", ChangeAction.UPDATED)],
        origin=ChangeOrigin.CURATED,
    )
    stale = await client.get("/v1/forums", headers={"If-None-Match": first.headers["etag"]})
    assert stale.status_code == 200
    assert stale.headers["etag"] != first.headers["etag"]


async def test_if_modified_since(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/events")
    later = await client.get(
        "/v1/events", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert later.status_code == 304
    earlier = await client.get(
        "/v1/events", headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}
    )
    assert earlier.status_code == 200
    garbage = await client.get("/v1/events", headers={"If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200


@pytest.mark.parametrize("path", LIST_PATHS)
async def test_every_list_renders_csv_with_a_header_row(
    client: httpx.AsyncClient, path: str
) -> None:
    as_json = await get_json(client, path, limit=5)
    response = await client.get(path, params={"limit": 5}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    header, body = rows[0], rows[1:]
    assert len(body) == len(as_json["items"])
    assert all(len(row) == len(header) for row in body)
    first_json_id = as_json["items"][0].get("id", as_json["items"][0].get("code"))
    key = "id" if "id" in header else "code"
    assert body[0][header.index(key)] == str(first_json_id)


async def test_csv_flattens_nested_objects_and_adds_hxl(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/forums/MIRPS-SP/participants",
        params={"format": "csv", "hxl": "true", "role": "chair", "as_of": "2022-01-01"},
    )
    header, tags, *rows = list(csv.reader(io.StringIO(response.text)))
    assert tags[header.index("actor_iso3")] == "#country+code"
    assert tags[header.index("start")] == "#date+start"
    assert tags[header.index("actor_name")] == "#org+name"
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    assert record["actor_id"] == "CAN"
    assert record["start"] == "2021-07"
    assert record["end"] == "2022-09-21"
    assert record["disputed"] == "false"
    sources = [c["source_id"] for c in json.loads(record["citations_json"])]
    assert "canada-mirps-sp-chair-report-2022" in sources


async def test_summary_renders_csv(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/pledges/summary", params={"group_by": "currency", "format": "csv"}
    )
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    records = {r[header.index("currency")]: r for r in rows}
    assert set(records) == {"CAD", "USD"}
    assert records["CAD"][header.index("amount_usd")] == "10104502.84"


async def test_hxl_implies_csv_unless_json_is_asked_for(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums", params={"hxl": "true"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[1].startswith("#group+code")
    as_json = await client.get("/v1/forums", params={"hxl": "true", "format": "json"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["items"]


async def test_names_in_spanish(client: httpx.AsyncClient) -> None:
    by_param = await get_json(client, "/v1/actors/CAN", lang="es")
    assert by_param["name"] == "Canadá"
    response = await client.get("/v1/forums/RCM", headers={"Accept-Language": "fr, es;q=0.8"})
    assert response.json()["name"] == "Conferencia Regional sobre Migración"
    english = await client.get("/v1/forums/RCM", headers={"Accept-Language": "es;q=0.1, en"})
    assert english.json()["name"] == "Regional Conference on Migration"
    assert (await get_json(client, "/v1/forums/RCM", lang="en"))["name"] == (
        "Regional Conference on Migration"
    )


async def test_link_header_points_at_the_next_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/actors", params={"limit": 3, "kind": "state"})
    body = response.json()
    link = response.links["next"]["url"]
    assert f"cursor={body['next_cursor']}" in link
    assert "kind=state" in link
    last = await client.get("/v1/actors", params={"limit": 500})
    assert "next" not in last.links
    # Every page, the last too, links the same request pinned to its data version.
    version = last.headers["migov-data-version"]
    assert last.links["cite-as"]["url"] == f"/v1/actors?limit=500&version={version}"


@pytest.mark.parametrize("path", LIST_PATHS)
async def test_walking_small_pages_yields_each_row_once(
    client: httpx.AsyncClient, path: str
) -> None:
    everything = (await get_json(client, path, limit=500))["items"]
    walked = await walk(client, path, limit=3)
    key = "id" if "id" in everything[0] else "code"
    assert [i[key] for i in walked] == [i[key] for i in everything]


async def test_a_walk_stays_exact_while_rows_are_added(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = (await get_json(client, "/v1/participations", limit=500))["items"]
    seen: list[int] = []
    body = await get_json(client, "/v1/participations", limit=10)
    seen.extend(i["id"] for i in body["items"])
    # New rows sort both before and after the cursor: neither may disturb the walk.
    session.add_all(
        [
            Participation(key="test/AAA", forum_code="C-A4", actor_id="BLZ", role="observer"),
            Participation(key="test/ZZZ", forum_code="SICA", actor_id="MEX", role="observer"),
        ]
    )
    await session.flush()
    while body["next_cursor"]:
        body = await get_json(client, "/v1/participations", limit=10, cursor=body["next_cursor"])
        seen.extend(i["id"] for i in body["items"])
    assert len(seen) == len(set(seen))
    assert {i["id"] for i in before} <= set(seen)


async def test_unknown_query_parameters_are_named(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/pledges", params={"forum": "RCM", "colour": "red", "a": 1})
    assert response.status_code == 400
    assert response.json() == {
        "type": "http://test/problems/unknown_parameter",
        "title": "Unknown parameter",
        "status": 400,
        "detail": "Unknown query parameter(s): a, colour.",
        "instance": "/v1/pledges",
        "code": "unknown_parameter",
        "errors": [
            {"field": "a", "detail": "not a parameter of this endpoint"},
            {"field": "colour", "detail": "not a parameter of this endpoint"},
        ],
    }


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/participations", {"as_of": "2021-02-30"}, "as_of"),
        ("/v1/participations", {"role": "emperor"}, "role"),
        ("/v1/pledges", {"gcm_objective": 24}, "gcm_objective"),
        ("/v1/pledges", {"currency": "cadx"}, "currency"),
        ("/v1/pledges", {"amount_min": "abc"}, "amount_min"),
        ("/v1/events", {"start_from": "2022-01-01", "start_to": "2021-01-01"}, "start_to"),
        ("/v1/pledges", {"amount_min": "5", "amount_max": "1"}, "amount_max"),
        ("/v1/actors", {"limit": 501}, "limit"),
        ("/v1/forums", {"lang": "fr"}, "lang"),
        ("/v1/forums", {"format": "xml"}, "format"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert field in [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/forums/NOPE", "forum_not_found"),
        ("/v1/forums/NOPE/participants", "forum_not_found"),
        ("/v1/actors/XXX", "actor_not_found"),
        ("/v1/events/nope", "event_not_found"),
        ("/v1/pledges/999999", "pledge_not_found"),
        ("/v1/sources/nope", "source_not_found"),
        ("/v1/nothing", "route_not_found"),
    ],
)
async def test_missing_things_are_404_problems(
    client: httpx.AsyncClient, path: str, code: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/forums")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_405_lists_every_method_the_path_serves(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/pledges")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    one = await client.delete("/v1/pledges/1")
    assert one.headers["allow"] == "GET, HEAD, PATCH"
    batch = await client.patch("/v1/pledges/batch")
    assert batch.status_code == 405
    assert batch.headers["allow"] == "POST"
