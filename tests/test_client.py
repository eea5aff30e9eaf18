"""The submission client: reading files, retrying what is worth retrying, reporting."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import client as submit_client
from app.cli.client import Row

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


def test_quoted_line_breaks_and_commas_survive_and_rows_say_where_they_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pledges.csv"
    path.write_bytes(
        b"pledgers,forum,kind,title,description\r\n"
        b'CAN,RCM,technical,"Shelters, north","First line\r\nsecond line\nthird"\r\n'
        b"MEX,RCM,technical,Plain,one line\r\n"
    )

    rows = submit_client.read_rows(path)

    assert [(r.number, r.where) for r in rows] == [(1, "line 2"), (2, "line 5")]
    assert rows[0].pledge["title"] == "Shelters, north"
    assert rows[0].pledge["description"] == "First line\r\nsecond line\nthird"
    assert rows[1].pledge["description"] == "one line"


def test_a_chunk_key_depends_on_its_rows_content_and_order_only() -> None:
    one, two = Row(1, "item 1", {"a": 1, "b": 2}), Row(2, "item 2", {"a": 2})
    same = [Row(7, "line 8", {"b": 2, "a": 1}), Row(9, "line 10", {"a": 2})]
    key = submit_client.chunk_idempotency_key([one, two])
    assert key == submit_client.chunk_idempotency_key(same)
    assert key != submit_client.chunk_idempotency_key([two, one])
    assert key.startswith("batch-")


def _scripted(answers: list[Any], seen: list[httpx.Request]) -> httpx.MockTransport:
    pending = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = pending.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)  # type: ignore[no-any-return]
        return answer  # type: ignore[no-any-return]

    return httpx.MockTransport(handle)


def _batch_answer(request: httpx.Request, **headers: str) -> httpx.Response:
    """What the batch endpoint answers: each pledge titled "bad" rejected, the rest created."""
    pledges = json.loads(request.content)["pledges"]
    results = []
    for index, pledge in enumerate(pledges):
        if pledge.get("title") == "bad":
            results.append(
                {
                    "index": index,
                    "outcome": "rejected",
                    "status": 422,
                    "code": "validation_failed",
                    "errors": [{"field": "title", "detail": "too bad"}],
                }
            )
        else:
            pledge_id = 100 + int(pledge["title"].removeprefix("p"))
            results.append(
                {"index": index, "outcome": "created", "status": 201, "pledge": {"id": pledge_id}}
            )
    return httpx.Response(200, json={"results": results}, headers=headers)


def _problem(status: int, code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "code": code, "detail": code, **extra})


def _rows(*titles: str) -> list[Row]:
    return [Row(n, f"item {n}", {**GOOD, "title": t}) for n, t in enumerate(titles, start=1)]


async def test_rows_go_in_chunks_through_the_batch_endpoint_with_a_result_each() -> None:
    seen: list[httpx.Request] = []
    transport = _scripted([_batch_answer] * 3, seen)
    rows = _rows("p1", "bad", "p3", "p4", "p5")

    report = await submit_client.submit_rows(
        "http://migov.test", "secret", rows, chunk=2, concurrency=1, transport=transport
    )

    assert [r.url.path for r in seen] == ["/v1/pledges/batch"] * 3
    sent = [[p["title"] for p in json.loads(r.content)["pledges"]] for r in seen]
    assert sent == [["p1", "bad"], ["p3", "p4"], ["p5"]]
    keys = [r.headers["idempotency-key"] for r in seen]
    assert keys == [submit_client.chunk_idempotency_key(rows[i : i + 2]) for i in (0, 2, 4)]
    assert {r.headers["authorization"] for r in seen} == {"Bearer secret"}
    assert [(o.row.number, o.accepted, o.status, o.pledge_id) for o in report.outcomes] == [
        (1, True, 201, 101),
        (2, False, 422, None),
        (3, True, 201, 103),
        (4, True, 201, 104),
        (5, True, 201, 105),
    ]
    assert report.outcomes[1].reasons == ["title: too bad"]
    assert (len(report.created), report.stopped) == (4, None)


async def test_a_replayed_batch_is_accepted_but_not_created_again() -> None:
    transport = _scripted(
        [lambda request: _batch_answer(request, **{"Idempotent-Replayed": "true"})], []
    )
    report = await submit_client.submit_rows(
        "http://migov.test", "secret", _rows("p1"), transport=transport
    )
    (outcome,) = report.outcomes
    assert (outcome.accepted, outcome.created, outcome.replayed) == (True, False, True)


async def test_identical_rows_are_sent_once_and_share_the_result() -> None:
    seen: list[httpx.Request] = []
    rows = _rows("p1", "p2", "p1")
    report = await submit_client.submit_rows(
        "http://migov.test", "secret", rows, transport=_scripted([_batch_answer], seen)
    )
    assert [p["title"] for p in json.loads(seen[0].content)["pledges"]] == ["p1", "p2"]
    assert [(o.row.number, o.pledge_id, o.created) for o in report.outcomes] == [
        (1, 101, True),
        (2, 102, True),
        (3, 101, False),
    ]


@pytest.mark.parametrize(("status", "code"), [(401, "api_key_invalid"), (403, "scope_missing")])
async def test_a_refused_key_stops_the_run_at_the_first_answer(status: int, code: str) -> None:
    seen: list[httpx.Request] = []
    transport = _scripted([_problem(status, code)], seen)

    report = await submit_client.submit_rows(
        "http://migov.test",
        "secret",
        _rows("p1", "p2", "p3", "p4", "p5"),
        chunk=2,
        concurrency=1,
        backoff=0,
        transport=transport,
    )

    assert len(seen) == 1  # nothing after the refusal
    assert report.stopped is not None
    assert f"refused the API key ({status})" in report.stopped
    assert "MIGOV_API_KEY" in report.stopped
    assert [(o.row.number, o.status, o.sent) for o in report.outcomes] == [
        (1, status, True),
        (2, status, True),
        (3, None, False),
        (4, None, False),
        (5, None, False),
    ]
    assert report.to_json()["not_sent"] == 3
    assert report.outcomes[2].reasons[0].startswith("not sent: the server refused the API key")


async def test_server_errors_timeouts_and_429_are_retried_with_one_key() -> None:
    seen: list[httpx.Request] = []
    transport = _scripted(
        [
            _problem(503, "unavailable"),
            httpx.ConnectTimeout("slow"),
            httpx.Response(429, json={"code": "rate_limited"}, headers={"Retry-After": "0"}),
            _problem(409, "idempotency_key_in_flight"),
            _batch_answer,
        ],
        seen,
    )
    rows = _rows("p42")

    report = await submit_client.submit_rows(
        "http://migov.test", "secret", rows, backoff=0, transport=transport
    )

    (outcome,) = report.outcomes
    assert (outcome.accepted, outcome.pledge_id, outcome.attempts) == (True, 142, 5)
    assert {r.headers["idempotency-key"] for r in seen} == {
        submit_client.chunk_idempotency_key(rows)
    }


async def test_retry_after_is_honoured_up_to_the_maximum(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    later = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3600), usegmt=True)
    transport = _scripted(
        [
            httpx.Response(429, json={"code": "rate_limited"}, headers={"Retry-After": "45"}),
            httpx.Response(503, json={"code": "unavailable"}, headers={"Retry-After": later}),
        ],
        [],
    )

    report = await submit_client.submit_rows(
        "http://migov.test",
        "secret",
        _rows("p1"),
        max_retry_after=60,
        backoff=0,
        transport=transport,
    )

    assert slept == [45.0]  # a 45 s wait was within the maximum; it was not cut short
    (outcome,) = report.rejected
    assert outcome.attempts == 2
    assert outcome.reasons[0].startswith("the server asked to wait 3")
    assert "more than --max-retry-after 60 s" in outcome.reasons[0]


async def test_a_refusal_of_the_whole_chunk_is_final_and_reported_with_its_reasons() -> None:
    seen: list[httpx.Request] = []
    refusal = _problem(413, "payload_too_large")
    report = await submit_client.submit_rows(
        "http://migov.test",
        "secret",
        _rows("p1", "p2"),
        backoff=0,
        transport=_scripted([refusal], seen),
    )
    assert [(o.status, o.attempts) for o in report.rejected] == [(413, 1), (413, 1)]
    assert report.rejected[0].reasons == [
        "payload_too_large: payload_too_large",
        "send fewer rows a request (--chunk)",
    ]
    assert len(seen) == 1


async def test_retries_give_up_and_say_so() -> None:
    transport = _scripted([_problem(502, "bad_gateway")] * 3, [])

    report = await submit_client.submit_rows(
        "http://migov.test", "secret", _rows("p1"), retries=2, backoff=0, transport=transport
    )

    (outcome,) = report.rejected
    assert outcome.attempts == 3
    assert outcome.reasons == ["gave up after 3 attempts", "bad_gateway: bad_gateway"]
    assert report.to_json()["rejected"] == 1


async def test_a_row_that_is_not_an_object_is_refused_without_sending_it() -> None:
    seen: list[httpx.Request] = []
    rows = [Row(1, "item 1", ["not", "an", "object"]), Row(2, "item 2", GOOD | {"title": "p2"})]
    report = await submit_client.submit_rows(
        "http://migov.test", "secret", rows, transport=_scripted([_batch_answer], seen)
    )
    assert [p["title"] for p in json.loads(seen[0].content)["pledges"]] == ["p2"]
    assert [(o.row.number, o.accepted) for o in report.outcomes] == [(1, False), (2, True)]
    assert report.outcomes[0].reasons == ["not a JSON object: a pledge has named fields"]
