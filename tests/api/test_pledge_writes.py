"""Submitting and updating pledges over REST: auth, validation, idempotency, preconditions.

The write rules themselves are tested once at the service
(tests/services/test_pledge_writes.py); these check what REST adds: status codes,
problem bodies, headers (Location, ETag, If-Match, Idempotency-Key, Idempotent-Replayed),
body limits and rate limits. The cases both adapters share run once through each, in
tests/test_write_parity.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models import Pledge
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service
from tests.conftest import build_app, client_for
from tests.factories import Key, make_api_key, pledge_body, submitted

PROBLEM = "application/problem+json"
TITLE = "Protection programmes in Central America"


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(f"/{code}")
    return body


async def submit(
    client: httpx.AsyncClient,
    key: Key,
    body: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> httpx.Response:
    headers = {**key.headers}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return await client.post("/v1/pledges", json=body or pledge_body(), headers=headers)


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="ministry script")


@pytest.fixture
async def admin(session: AsyncSession) -> Key:
    return await make_api_key(session, name="steward", scopes=(ApiScope.PLEDGES_ADMIN,))


# --- submitting -----------------------------------------------------------------------------


async def test_submit_answers_201_with_the_stored_pledge(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    response = await submit(
        client, writer, pledge_body(description="Shelters and legal aid.", external_ref="gac-1")
    )

    assert response.status_code == 201, response.text
    body = response.json()
    pledge_id = body["id"]
    assert response.headers["location"] == f"/v1/pledges/{pledge_id}"
    assert response.headers["etag"] == f'"p{pledge_id}-v1"'
    assert "idempotent-replayed" not in response.headers
    assert body == {
        "id": pledge_id,
        "pledgers": [{"id": "CAN", "iso3": "CAN", "name": "Canada", "kind": "state"}],
        "forum": "MIRPS-SP",
        "event": "mirps-sp-solidarity-event-2022",
        "kind": "financial",
        "scope": "regional",
        "amount": "1000000.00",
        "amount_qualifier": "exact",
        "currency": "CAD",
        # 1,000,000 x 0.7684032580 (the curated CAD rate for 2022), to the cent.
        "amount_usd": "768403.26",
        "usd_conversion": {
            "currency": "CAD",
            "usd_per_unit": "0.7684032580",
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "basis": body["usd_conversion"]["basis"],
            "provider": "cited",
            "citations": [
                {
                    "source_id": "frb-g5a-annual-2024-02-01",
                    "locator": "Table, CANADA DOLLAR, column 2022 (1.3014)",
                    "passage": None,
                }
            ],
        },
        "amount_usd_note": None,
        "announced_on": "2022-09-21",
        "announced_precision": "day",
        "status": "announced",
        "gcm_objectives": [2, 23],
        "title": TITLE,
        "description": "Shelters and legal aid.",
        "external_ref": "gac-1",
        "curated": False,
        "version": 1,
        "citations": [],
        "inferred": [],
        "currency_assumed": False,
    }
    stored = await client.get(response.headers["location"])
    assert stored.json() == body
    assert stored.headers["etag"] == response.headers["etag"]
    row = await session.get(Pledge, pledge_id)
    assert row is not None
    assert row.api_key_id == writer.id


async def test_a_joint_pledge_with_only_an_event_is_filed_under_the_events_forum(
    client: httpx.AsyncClient, writer: Key
) -> None:
    body = pledge_body(
        pledgers=["MEX", "CAN"],
        forum=...,
        kind="technical",
        amount=...,
        currency=...,
        announced_on="2022",
        gcm_objectives=[],
    )
    response = await submit(client, writer, body)

    assert response.status_code == 201, response.text
    pledge = response.json()
    assert [p["id"] for p in pledge["pledgers"]] == ["MEX", "CAN"]
    assert pledge["forum"] == "MIRPS-SP"
    assert pledge["announced_on"] == "2022"
    assert pledge["announced_precision"] == "year"
    assert (pledge["amount"], pledge["currency"], pledge["amount_usd"]) == (None, None, None)
    assert pledge["amount_qualifier"] is None


@pytest.mark.parametrize(
    ("currency", "announced_on", "amount_usd", "provider"),
    [
        ("USD", "2019-12", "1000000.00", None),  # USD is its own equivalent
        ("CAD", "2022-05", "768403.26", "cited"),  # a month inside the cited 2022 rate's year
        # No cited CAD rate for 2023: the ECB's rates of the Friday before that Sunday.
        ("CAD", "2023-01-15", "746101.84", "ecb"),
        ("EUR", "2022-09-21", "990600.00", "ecb"),  # the ECB's USD per EUR that day
        ("GBP", "2022", "1236038.42", "ecb"),  # a year: the mean of its daily rates
    ],
)
async def test_usd_equivalents_come_from_the_rates_table(
    client: httpx.AsyncClient,
    writer: Key,
    currency: str,
    announced_on: str,
    amount_usd: str,
    provider: str | None,
) -> None:
    response = await submit(
        client, writer, pledge_body(currency=currency, announced_on=announced_on)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount_usd"] == amount_usd
    assert body["amount_usd_note"] is None
    conversion = body["usd_conversion"]
    assert (conversion and conversion["provider"]) == provider


async def test_a_pledge_in_eur_gets_an_ecb_rate_stored_with_its_source_and_basis(
    client: httpx.AsyncClient, writer: Key
) -> None:
    first = await submit(client, writer, pledge_body(currency="EUR", announced_on="2022-09-21"))
    second = await submit(
        client, writer, pledge_body(currency="EUR", announced_on="2022-09-21", amount="10.00")
    )
    assert first.json()["usd_conversion"] == {
        "currency": "EUR",
        "usd_per_unit": "0.9906000000",
        "period_start": "2022-09-21",
        "period_end": "2022-09-21",
        "basis": "ECB euro reference rates of 2022-09-21: USD per EUR, rounded to 10 decimal "
        "places.",
        "provider": "ecb",
        "citations": [
            {
                "source_id": "ecb-euro-reference-rates",
                "locator": "eurofxref-hist, 2022-09-21, columns USD and EUR",
                "passage": None,
            }
        ],
    }
    # The rate is stored once and reused.
    assert second.json()["usd_conversion"] == first.json()["usd_conversion"]
    assert second.json()["amount_usd"] == "9.91"


@pytest.mark.parametrize(
    ("currency", "announced_on", "note"),
    [
        ("CRC", "2022-09-21", "the ECB publishes no euro reference rate for CRC"),
        ("EUR", "2998", "the ECB rates shipped with this release end on"),
        ("EUR", ..., "no announced date to take an exchange rate for"),
    ],
)
async def test_an_amount_no_rate_covers_has_no_usd_and_says_why(
    client: httpx.AsyncClient, writer: Key, currency: str, announced_on: Any, note: str
) -> None:
    response = await submit(
        client, writer, pledge_body(currency=currency, announced_on=announced_on)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["amount_usd"], body["usd_conversion"]) == (None, None)
    assert body["amount_usd_note"].startswith(note)


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"amount": 1000000.5},
            [("amount", 'send the amount as a decimal string, e.g. "1500000.00"')],
        ),
        ({"amount": ...}, [("amount", "a financial pledge needs an amount")]),
        ({"currency": ...}, [("currency", "an amount needs its ISO 4217 currency")]),
        (
            {"kind": "material", "amount": ...},
            [("currency", "a currency needs an amount")],
        ),
        ({"currency": "ZZZ"}, [("currency", "'ZZZ' is not an ISO 4217 currency code")]),
        ({"currency": "cad"}, [("currency", None)]),
        ({"amount": "0"}, [("amount", None)]),
        ({"amount": "12.345"}, [("amount", None)]),
        ({"forum": ..., "event": ...}, [("event", "a pledge needs a forum, an event, or both")]),
        ({"gcm_objectives": [0, 24]}, [("gcm_objectives.0", None), ("gcm_objectives.1", None)]),
        ({"gcm_objectives": [3, 3]}, [("gcm_objectives", "objective 3 is listed twice")]),
        ({"pledgers": []}, [("pledgers", None)]),
        ({"pledgers": ["CAN", "CAN"]}, [("pledgers", "pledger 'CAN' is listed twice")]),
        ({"pledgers": ["canada\u202e"]}, [("pledgers.0", None)]),
        ({"kind": "cash"}, [("kind", None)]),
        ({"title": "   "}, [("title", None)]),
        ({"announced_on": "2022-02-30"}, [("announced_on", "'2022-02-30' is not a real date")]),
        ({"donor": "CAN"}, [("donor", "Extra inputs are not permitted")]),
    ],
)
async def test_invalid_bodies_are_422_naming_each_field(
    client: httpx.AsyncClient,
    session: AsyncSession,
    writer: Key,
    overrides: dict[str, Any],
    errors: list[tuple[str, str | None]],
) -> None:
    response = await submit(client, writer, pledge_body(**overrides))

    body = problem(response, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field for field, _ in errors]
    for item, (_, detail) in zip(body["errors"], errors, strict=True):
        if detail is not None:
            assert item["detail"] == detail
    assert await submitted(session, writer) == 0


async def test_a_repeated_external_ref_answers_the_stored_pledge(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    first = await submit(client, writer, pledge_body(external_ref="ref-7"))
    again = await submit(client, writer, pledge_body(external_ref="ref-7", title="Edited title"))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert await submitted(session, writer) == 1


# --- idempotency ----------------------------------------------------------------------------


async def test_the_same_idempotency_key_and_body_replays_the_first_answer(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    first = await submit(client, writer, idempotency_key="order-1")
    # The same content with its keys in another order is the same request.
    reordered = dict(reversed(list(pledge_body().items())))
    replay = await submit(client, writer, reordered, idempotency_key="order-1")

    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["etag"] == first.headers["etag"]
    assert await submitted(session, writer) == 1


async def test_a_replay_repeats_the_first_answer_even_after_updates(
    client: httpx.AsyncClient, writer: Key
) -> None:
    first = await submit(client, writer, idempotency_key="order-1")
    updated = await client.patch(
        first.headers["location"],
        json={"status": "in_progress"},
        headers={**writer.headers, "If-Match": first.headers["etag"]},
    )
    replay = await submit(client, writer, idempotency_key="order-1")

    assert updated.json()["version"] == 2
    assert replay.status_code == 201
    assert replay.json()["version"] == 1
    assert replay.content == first.content


async def test_an_overlong_idempotency_key_is_400(client: httpx.AsyncClient, writer: Key) -> None:
    response = await submit(client, writer, idempotency_key="k" * 256)
    body = problem(response, 400, "invalid_parameter")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]


# --- auth -----------------------------------------------------------------------------------


async def test_the_auth_matrix(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key, admin: Key
) -> None:
    revoked = await make_api_key(session, name="old script")
    await api_key_service.revoke_api_key(session, revoked.id)
    await session.commit()
    target = (await submit(client, writer)).json()["id"]

    credentials: dict[str, dict[str, str]] = {
        "none": {},
        "malformed": {"Authorization": "Bearer not-a-migov-key"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "wrong secret": {"Authorization": f"Bearer {writer.secret[:-4]}AAAA"},
        "revoked": revoked.headers,
        "write": writer.headers,
        "admin": admin.headers,
    }

    async def call(endpoint: str, headers: dict[str, str]) -> httpx.Response:
        if endpoint == "submit":
            return await client.post("/v1/pledges", json=pledge_body(), headers=headers)
        if endpoint == "batch":
            return await client.post(
                "/v1/pledges/batch", json={"pledges": [pledge_body()]}, headers=headers
            )
        if endpoint == "update":
            etag = (await client.get(f"/v1/pledges/{target}")).headers["etag"]
            return await client.patch(
                f"/v1/pledges/{target}",
                json={"progress_note": "on track"},
                headers={**headers, "If-Match": etag},
            )
        if endpoint == "audit":
            return await client.get("/v1/audit", headers=headers)
        return await client.get("/v1/pledges", headers=headers)

    endpoints = ["submit", "batch", "update", "audit", "read"]
    seen: dict[tuple[str, str], tuple[int, str | None]] = {}
    for name, headers in credentials.items():
        for endpoint in endpoints:
            response = await call(endpoint, headers)
            code = response.json().get("code") if response.status_code >= 400 else None
            seen[(name, endpoint)] = (response.status_code, code)
            if response.status_code == 401:
                assert response.headers["www-authenticate"] == 'Bearer realm="migov"'

    missing = (401, "api_key_missing")
    invalid = (401, "api_key_invalid")
    expected: dict[tuple[str, str], tuple[int, str | None]] = {}
    for endpoint in endpoints:
        expected[("none", endpoint)] = missing
        for name in ("malformed", "basic", "wrong secret", "revoked"):
            expected[(name, endpoint)] = invalid
        expected[("write", endpoint)] = (200, None)
        expected[("admin", endpoint)] = (200, None)
    for name in credentials:
        expected[(name, "read")] = (200, None)  # reads stay open, whatever is sent
    expected[("write", "submit")] = expected[("admin", "submit")] = (201, None)
    expected[("write", "audit")] = (403, "scope_missing")
    assert seen == expected


async def test_only_the_submitting_key_or_an_admin_updates_a_pledge(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key, admin: Key
) -> None:
    other = await make_api_key(session, name="another ministry")
    created = await submit(client, writer)
    location, etag = created.headers["location"], created.headers["etag"]

    refused = await client.patch(
        location, json={"status": "in_progress"}, headers={**other.headers, "If-Match": etag}
    )
    allowed = await client.patch(
        location, json={"status": "in_progress"}, headers={**admin.headers, "If-Match": etag}
    )

    problem(refused, 403, "pledge_not_owned")
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "in_progress"


# --- updates --------------------------------------------------------------------------------


async def patch(
    client: httpx.AsyncClient, key: Key, location: str, body: dict[str, Any], etag: str | None
) -> httpx.Response:
    headers = {**key.headers, **({"If-Match": etag} if etag is not None else {})}
    return await client.patch(location, json=body, headers=headers)


@pytest.fixture
async def created(client: httpx.AsyncClient, writer: Key) -> httpx.Response:
    response = await submit(client, writer)
    assert response.status_code == 201
    return response


async def test_an_update_needs_if_match(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location = created.headers["location"]
    without = await patch(client, writer, location, {"status": "in_progress"}, None)
    star = await patch(client, writer, location, {"status": "in_progress"}, "*")

    problem(without, 428, "pledge_version_required")
    problem(star, 428, "pledge_version_required")
    assert (await client.get(location)).json()["version"] == 1


async def test_a_stale_if_match_is_412(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    first = await patch(client, writer, location, {"status": "in_progress"}, etag)
    stale = await patch(client, writer, location, {"title": "Renamed"}, etag)
    weak = await patch(client, writer, location, {"title": "Renamed"}, f"W/{first.headers['etag']}")

    assert first.status_code == 200
    assert first.headers["etag"] != etag
    body = problem(stale, 412, "pledge_version_conflict")
    assert "version 2, not version 1" in body["detail"]
    problem(weak, 412, "pledge_version_conflict")
    current = await client.get(location)
    assert current.json()["title"] == TITLE
    assert current.headers["etag"] == first.headers["etag"]


async def test_updating_an_unknown_pledge_is_404(client: httpx.AsyncClient, writer: Key) -> None:
    response = await patch(
        client, writer, "/v1/pledges/999999", {"status": "fulfilled"}, '"p999999-v1"'
    )
    problem(response, 404, "pledge_not_found")


async def test_curated_pledges_are_not_updated_through_the_api(
    client: httpx.AsyncClient, admin: Key
) -> None:
    curated = (await client.get("/v1/pledges", params={"curated": "true"})).json()["items"][0]
    location = f"/v1/pledges/{curated['id']}"
    etag = (await client.get(location)).headers["etag"]

    response = await patch(client, admin, location, {"status": "fulfilled"}, etag)

    problem(response, 409, "pledge_curated")


async def test_status_moves_only_forward_and_withdrawn_is_final(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]

    fulfilled = await patch(client, writer, location, {"status": "fulfilled"}, etag)
    etag = fulfilled.headers["etag"]
    backwards = await patch(client, writer, location, {"status": "in_progress"}, etag)
    withdrawn = await patch(client, writer, location, {"status": "withdrawn"}, etag)
    etag = withdrawn.headers["etag"]
    after = await patch(client, writer, location, {"progress_note": "reinstated?"}, etag)

    assert fulfilled.json()["status"] == "fulfilled"  # skipping in_progress is still forward
    body = problem(backwards, 409, "invalid_status_transition")
    assert body["errors"] == [{"field": "status", "detail": body["detail"]}]
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    problem(after, 409, "pledge_withdrawn")
    assert (await client.get(location)).json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({}, "body", "The body names no field to change."),
        ({"amount": None}, "amount", "a financial pledge needs an amount"),
        ({"status": None}, "status", "cannot be null"),
        ({"title": None}, "title", "cannot be null"),
        ({"status": "cancelled"}, "status", None),
        ({"currency": "ZZZ"}, "currency", "'ZZZ' is not an ISO 4217 currency code"),
        ({"pledgers": ["USA"]}, "pledgers", "Extra inputs are not permitted"),
    ],
)
async def test_invalid_updates_are_422_naming_the_field(
    client: httpx.AsyncClient,
    writer: Key,
    created: httpx.Response,
    body: dict[str, Any],
    field: str,
    detail: str | None,
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    response = await patch(client, writer, location, body, etag)

    problem_body = problem(response, 422, "validation_failed")
    assert [e["field"] for e in problem_body["errors"]] == [field]
    if detail is not None:
        assert problem_body["errors"][0]["detail"] == detail
    assert (await client.get(location)).json()["version"] == 1


async def test_an_update_changes_fields_and_recomputes_the_usd_equivalent(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    response = await patch(
        client,
        writer,
        location,
        {"amount": "2000000", "description": "Doubled.", "gcm_objectives": [7, 2]},
        etag,
    )

    assert response.status_code == 200, response.text
    pledge = response.json()
    assert pledge["amount"] == "2000000.00"
    assert pledge["amount_usd"] == "1536806.52"
    assert pledge["description"] == "Doubled."
    assert pledge["gcm_objectives"] == [2, 7]
    assert pledge["version"] == 2
    assert response.headers["etag"] == f'"p{pledge["id"]}-v2"'
    cleared = await patch(client, writer, location, {"description": None}, response.headers["etag"])
    assert cleared.json()["description"] is None


async def test_an_update_that_changes_nothing_writes_nothing(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    response = await patch(client, writer, location, {"status": "announced", "title": TITLE}, etag)

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response.headers["etag"] == etag
    history = (await client.get(f"{location}/history")).json()
    assert [item["action"] for item in history["items"]] == ["pledge.created"]


async def test_an_update_retried_with_its_idempotency_key_is_replayed_not_refused(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    headers = {**writer.headers, "If-Match": etag, "Idempotency-Key": "progress-1"}
    first = await client.patch(location, json={"status": "in_progress"}, headers=headers)
    retry = await client.patch(location, json={"status": "in_progress"}, headers=headers)

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert (await client.get(location)).json()["version"] == 2


async def test_get_honours_if_none_match_with_the_pledge_etag(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    fresh = await client.get(location)
    not_modified = await client.get(location, headers={"If-None-Match": etag})
    await patch(client, writer, location, {"status": "in_progress"}, etag)
    changed = await client.get(location, headers={"If-None-Match": etag})

    assert fresh.headers["etag"] == etag
    assert fresh.headers["cache-control"] == "no-cache"
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == etag
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


# --- history and audit ----------------------------------------------------------------------


async def test_history_lists_every_version_with_who_when_and_what(
    client: httpx.AsyncClient, writer: Key, created: httpx.Response
) -> None:
    location, etag = created.headers["location"], created.headers["etag"]
    second = await patch(
        client, writer, location, {"status": "in_progress", "progress_note": "First tranche."}, etag
    )
    await patch(
        client, writer, location, {"progress_note": "Second tranche."}, second.headers["etag"]
    )

    response = await client.get(f"{location}/history")

    assert response.status_code == 200
    history = response.json()
    assert history["pledge_id"] == created.json()["id"]
    summary = [
        (i["version"], i["action"], i["api_key"], i["status"], i["note"], i["changes"])
        for i in history["items"]
    ]
    prefix = writer.prefix
    assert summary == [
        (1, "pledge.created", prefix, "announced", None, []),
        (
            2,
            "pledge.updated",
            prefix,
            "in_progress",
            "First tranche.",
            [{"field": "status", "before": "announced", "after": "in_progress"}],
        ),
        (3, "pledge.updated", prefix, "in_progress", "Second tranche.", []),
    ]
    times = [item["at"] for item in history["items"]]
    assert times == sorted(times)


async def test_history_of_an_unknown_pledge_is_404(client: httpx.AsyncClient) -> None:
    problem(await client.get("/v1/pledges/999999/history"), 404, "pledge_not_found")


async def test_the_audit_log_records_key_action_and_before_after(
    client: httpx.AsyncClient, writer: Key, admin: Key, created: httpx.Response
) -> None:
    pledge_id = created.json()["id"]
    await patch(
        client,
        writer,
        created.headers["location"],
        {"status": "withdrawn"},
        created.headers["etag"],
    )

    response = await client.get(
        "/v1/audit",
        params={"entity": "pledge", "entity_id": str(pledge_id)},
        headers=admin.headers,
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["pledge.created", "pledge.withdrawn"]
    assert {e["api_key"]["prefix"] for e in entries} == {writer.prefix}
    assert entries[0]["before"] is None
    assert entries[0]["after"]["status"] == "announced"
    assert entries[1]["before"]["status"] == "announced"
    assert entries[1]["after"]["status"] == "withdrawn"
    assert [e["entity_version"] for e in entries] == [1, 2]


async def test_the_audit_log_pages_and_shows_operator_actions(
    client: httpx.AsyncClient, admin: Key, writer: Key
) -> None:
    first = await client.get(
        "/v1/audit", params={"entity": "api_key", "limit": 1}, headers=admin.headers
    )
    second = await client.get(
        "/v1/audit",
        params={"entity": "api_key", "limit": 1, "cursor": first.json()["next_cursor"]},
        headers=admin.headers,
    )

    items = first.json()["items"] + second.json()["items"]
    assert [(e["action"], e["entity_id"], e["api_key"]) for e in items] == [
        ("api_key.created", str(key_id), None) for key_id in sorted([writer.id, admin.id])
    ]
    prefixes = {writer.id: writer.prefix, admin.id: admin.prefix}
    assert [e["after"]["prefix"] for e in items] == [prefixes[int(e["entity_id"])] for e in items]
    assert "secret" not in json.dumps(items)


# --- batches --------------------------------------------------------------------------------


async def test_a_batch_stores_the_good_pledges_and_reports_the_bad_ones(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    pledges = [
        pledge_body(external_ref="b-1"),
        pledge_body(currency="ZZZ"),
        pledge_body(external_ref="b-1", title="Same ref again"),
        pledge_body(pledgers=["nobody-here"]),
        pledge_body(external_ref="b-2"),
    ]
    response = await client.post(
        "/v1/pledges/batch", json={"pledges": pledges}, headers=writer.headers
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["atomic"], result["created"], result["existing"], result["rejected"]) == (
        False,
        2,
        1,
        2,
    )
    outcomes = [(r["index"], r["outcome"], r["status"], r["code"]) for r in result["results"]]
    assert outcomes == [
        (0, "created", 201, None),
        (1, "rejected", 422, "validation_failed"),
        (2, "existing", 200, None),
        (3, "rejected", 422, "unknown_reference"),
        (4, "created", 201, None),
    ]
    results = result["results"]
    assert results[1]["errors"] == [
        {"field": "currency", "detail": "'ZZZ' is not an ISO 4217 currency code"}
    ]
    assert [(e["field"], e["value"]) for e in results[3]["errors"]] == [
        ("pledgers.0", "nobody-here")
    ]
    assert results[3]["errors"][0]["suggestions"]
    assert results[2]["pledge"]["id"] == results[0]["pledge"]["id"]
    assert await submitted(session, writer) == 2


async def test_an_atomic_batch_with_one_bad_pledge_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    pledges = [pledge_body(), pledge_body(currency="ZZZ"), pledge_body(forum="NOPE", event=...)]
    response = await client.post(
        "/v1/pledges/batch",
        params={"atomic": "true"},
        json={"pledges": pledges},
        headers=writer.headers,
    )

    body = problem(response, 422, "validation_failed")
    assert body["detail"] == "2 of 3 pledges were refused; nothing was stored."
    assert body["errors"][0] == {
        "field": "pledges.1.currency",
        "detail": "'ZZZ' is not an ISO 4217 currency code",
    }
    assert (body["errors"][1]["field"], body["errors"][1]["value"]) == ("pledges.2.forum", "NOPE")
    assert len(body["errors"]) == 2
    assert await submitted(session, writer) == 0


async def test_an_atomic_batch_of_good_pledges_stores_them_all(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    pledges = [pledge_body(title=f"Pledge {n}") for n in range(3)]
    response = await client.post(
        "/v1/pledges/batch",
        params={"atomic": "true"},
        json={"pledges": pledges},
        headers={**writer.headers, "Idempotency-Key": "batch-1"},
    )
    replay = await client.post(
        "/v1/pledges/batch",
        params={"atomic": "true"},
        json={"pledges": pledges},
        headers={**writer.headers, "Idempotency-Key": "batch-1"},
    )

    assert response.status_code == 200
    assert [r["pledge"]["title"] for r in response.json()["results"]] == [
        "Pledge 0",
        "Pledge 1",
        "Pledge 2",
    ]
    assert replay.content == response.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert await submitted(session, writer) == 3


async def test_a_batch_holds_at_most_1000_pledges(client: httpx.AsyncClient, writer: Key) -> None:
    small = {"kind": "policy_legal", "pledgers": ["CAN"], "forum": "RCM", "title": "t"}
    response = await client.post(
        "/v1/pledges/batch", json={"pledges": [small] * 1001}, headers=writer.headers
    )
    body = problem(response, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["pledges"]


# --- limits ---------------------------------------------------------------------------------


async def test_a_body_over_1_mib_is_413(client: httpx.AsyncClient, writer: Key) -> None:
    huge = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/v1/pledges",
        content=huge,
        headers={**writer.headers, "Content-Type": "application/json"},
    )
    body = problem(response, 413, "payload_too_large")
    assert body["instance"] == "/v1/pledges"


async def test_a_streamed_body_over_1_mib_is_413_without_content_length(
    client: httpx.AsyncClient, writer: Key
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):  # 17 x 64 KiB = 1.06 MiB
            yield b" " * 65536

    request = client.build_request(
        "POST",
        "/v1/pledges",
        content=chunks(),
        headers={**writer.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    response = await client.send(request)
    problem(response, 413, "payload_too_large")


async def test_a_body_just_under_the_cap_is_read(client: httpx.AsyncClient, writer: Key) -> None:
    body = json.dumps(pledge_body(description="x" * 9000)).encode()
    padded = body + b" " * (1024 * 1024 - len(body))
    response = await client.post(
        "/v1/pledges",
        content=padded,
        headers={**writer.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_writes_beyond_the_rate_limit_are_429_per_key(
    settings: Settings, session: AsyncSession, writer: Key
) -> None:
    other = await make_api_key(session, name="another ministry")
    limited = build_app(settings.model_copy(update={"rate_limit_per_minute": 2}), session)
    async with client_for(limited) as client:
        statuses = [
            (await submit(client, writer, pledge_body(title=f"Pledge {n}"))).status_code
            for n in range(2)
        ]
        refused = await submit(client, writer, pledge_body(title="One too many"))
        invalid_too = await submit(client, writer, pledge_body(currency="ZZZ"))
        others = await submit(client, other)
        reads = [(await client.get("/v1/pledges")).status_code for _ in range(5)]

    assert statuses == [201, 201]
    body = problem(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert writer.prefix in body["detail"]
    problem(invalid_too, 429, "rate_limited")
    assert others.status_code == 201
    assert reads == [200] * 5
    assert await submitted(session, writer) == 2
