"""The submission client: reading files, retrying what is worth retrying, reporting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import client as submit_client
from app.client import Row

GOOD = {"pledgers": ["CAN"], "forum": "RCM", "kind": "policy_legal", "title": "A"}


def test_csv_rows_split_lists_and_drop_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "pledges.csv"
    path.write_text(
        "pledgers,forum,kind,amount,currency,title,gcm_objectives\n"
        "USA; MEX,RCM,technical,,,Joint pathways,5;23\n"
        "CAN,RCM,financial,10.50,CAD,Grant,x\n",
        encoding="utf-8",
    )

    rows = submit_client.read_rows(path)

    assert [(r.number, r.where) for r in rows] == [(1, "line 2"), (2, "line 3")]
    assert rows[0].pledge == {
        "pledgers": ["USA", "MEX"],
        "forum": "RCM",
        "kind": "technical",
        "title": "Joint pathways",
        "gcm_objectives": [5, 23],
    }
    # Left for the server to refuse, with its reason.
    assert rows[1].pledge["gcm_objectives"] == ["x"]
    assert rows[1].pledge["amount"] == "10.50"


def test_json_files_hold_a_list_or_an_object_with_pledges(tmp_path: Path) -> None:
    listed = tmp_path / "a.json"
    listed.write_text(json.dumps([GOOD, GOOD]), encoding="utf-8")
    wrapped = tmp_path / "b.json"
    wrapped.write_text(json.dumps({"pledges": [GOOD]}), encoding="utf-8")
    broken = tmp_path / "c.json"
    broken.write_text("{", encoding="utf-8")

    assert [r.where for r in submit_client.read_rows(listed)] == ["item 1", "item 2"]
    assert [r.pledge for r in submit_client.read_rows(wrapped)] == [GOOD]
    with pytest.raises(submit_client.FileError):
        submit_client.read_rows(broken)


def test_the_idempotency_key_depends_on_content_only() -> None:
    one = Row(1, "item 1", {"a": 1, "b": 2})
    same = Row(9, "line 10", {"b": 2, "a": 1})
    other = Row(1, "item 1", {"a": 1, "b": 3})
    assert one.idempotency_key == same.idempotency_key != other.idempotency_key
    assert one.idempotency_key.startswith("row-")


def _scripted(answers: list[Any], seen: list[httpx.Request]) -> httpx.MockTransport:
    pending = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = pending.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    return httpx.MockTransport(handle)


def _created(pledge_id: int, **headers: str) -> httpx.Response:
    return httpx.Response(201, json={"id": pledge_id}, headers=headers)


def _problem(status: int, code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "code": code, "detail": code, **extra})


async def test_server_errors_timeouts_and_429_are_retried_with_one_key() -> None:
    seen: list[httpx.Request] = []
    transport = _scripted(
        [
            _problem(503, "unavailable"),
            httpx.ConnectTimeout("slow"),
            httpx.Response(429, json={"code": "rate_limited"}, headers={"Retry-After": "0"}),
            _problem(409, "idempotency_key_in_flight"),
            _created(42, **{"Idempotent-Replayed": "true"}),
        ],
        seen,
    )
    row = Row(1, "item 1", GOOD)

    report = await submit_client.submit_rows(
        "http://migov.test", "secret", [row], backoff=0, transport=transport
    )

    (outcome,) = report.outcomes
    assert (outcome.accepted, outcome.pledge_id, outcome.attempts) == (True, 42, 5)
    assert (outcome.created, outcome.replayed) == (False, True)
    assert {r.headers["idempotency-key"] for r in seen} == {row.idempotency_key}
    assert {r.headers["authorization"] for r in seen} == {"Bearer secret"}


async def test_a_refusal_is_final_and_reported_with_its_reasons() -> None:
    seen: list[httpx.Request] = []
    refusal = _problem(
        422,
        "validation_failed",
        errors=[{"field": "currency", "detail": "'ZZZ' is not an ISO 4217 currency code"}],
    )
    transport = _scripted([refusal], seen)

    report = await submit_client.submit_rows(
        "http://migov.test", "secret", [Row(1, "item 1", GOOD)], backoff=0, transport=transport
    )

    (outcome,) = report.rejected
    assert (outcome.status, outcome.attempts) == (422, 1)
    assert outcome.reasons == ["currency: 'ZZZ' is not an ISO 4217 currency code"]
    assert len(seen) == 1


async def test_retries_give_up_and_say_so() -> None:
    transport = _scripted([_problem(502, "bad_gateway")] * 3, [])

    report = await submit_client.submit_rows(
        "http://migov.test",
        "secret",
        [Row(1, "item 1", GOOD)],
        retries=2,
        backoff=0,
        transport=transport,
    )

    (outcome,) = report.rejected
    assert outcome.attempts == 3
    assert outcome.reasons == ["gave up after 3 attempts", "bad_gateway: bad_gateway"]
    assert report.to_json()["rejected"] == 1
