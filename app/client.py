"""Submitting a file of pledges to a migov server, as a partner script would.

Used by ``migov pledges submit``. Safe to run again and again:

* Each row is sent with an Idempotency-Key derived from the row's content (the
  SHA-256 of its canonical JSON), so a re-run, or a retry after a lost answer,
  replays the stored answer instead of creating a second pledge. Two identical
  rows are one pledge. The server remembers keys for at least 24 hours; give
  rows an ``external_ref`` to stay duplicate-free beyond that.
* Server errors (5xx), 429 (after its Retry-After), a request still in flight
  (409 ``idempotency_key_in_flight``), timeouts and connection errors are
  retried with exponential backoff and jitter. Any other answer is final: 200
  and 201 accept the row, the rest reject it with the server's reasons.

Files are JSON (a list of pledge objects, or ``{"pledges": [...]}``) or CSV with
one column per field of ``POST /v1/pledges``; in CSV, ``pledgers`` and
``gcm_objectives`` hold several values separated by ``;``, and empty cells are
left out.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

FileFormat = Literal["csv", "json"]
LIST_COLUMNS = ("pledgers", "gcm_objectives")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_BACKOFF = 30.0


class FileError(ValueError):
    """The file cannot be read as pledges at all."""


@dataclass(frozen=True)
class Row:
    number: int  # 1-based position among the file's pledges
    where: str  # "line 4" for CSV, "item 3" for JSON
    pledge: Any  # a JSON object, or whatever the file held (the server says what is wrong)

    @property
    def idempotency_key(self) -> str:
        return "row-" + hashlib.sha256(canonical_json(self.pledge).encode()).hexdigest()


@dataclass
class Outcome:
    row: Row
    accepted: bool
    status: int | None
    pledge_id: int | None = None
    created: bool = False
    replayed: bool = False
    attempts: int = 0
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row.number,
            "where": self.row.where,
            "accepted": self.accepted,
            "status": self.status,
            "pledge_id": self.pledge_id,
            "created": self.created,
            "replayed": self.replayed,
            "attempts": self.attempts,
            "reasons": self.reasons,
        }


@dataclass
class Report:
    outcomes: list[Outcome]

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.accepted]

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.accepted]

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.created]

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "created": len(self.created),
            "rejected": len(self.rejected),
            "rows": [o.to_json() for o in self.outcomes],
        }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_rows(path: Path, file_format: FileFormat | None = None) -> list[Row]:
    """The pledges in ``path``; the format comes from the extension unless given."""
    chosen = file_format or ("csv" if path.suffix.lower() == ".csv" else "json")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(f"{path}: cannot be read: {exc}") from exc
    return _csv_rows(text) if chosen == "csv" else _json_rows(path, text)


def _json_rows(path: Path, text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(f"{path}: not valid JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("pledges"), list):
        data = data["pledges"]
    if not isinstance(data, list):
        raise FileError(f'{path}: expected a list of pledges or {{"pledges": [...]}}')
    return [Row(index + 1, f"item {index + 1}", item) for index, item in enumerate(data)]


def _csv_cell(column: str, value: str) -> Any:
    if column not in LIST_COLUMNS:
        return value
    parts = [part.strip() for part in value.split(";") if part.strip()]
    if column == "gcm_objectives":
        return [int(part) if part.isdigit() else part for part in parts]
    return parts


def _csv_rows(text: str) -> list[Row]:
    reader = csv.DictReader(text.splitlines())
    rows = []
    for index, record in enumerate(reader):
        pledge = {
            column.strip(): _csv_cell(column.strip(), value.strip())
            for column, value in record.items()
            if column is not None and isinstance(value, str) and value.strip()
        }
        rows.append(Row(index + 1, f"line {reader.line_num}", pledge))
    return rows


def _reasons(response: httpx.Response) -> list[str]:
    try:
        problem = response.json()
    except ValueError:
        return [f"HTTP {response.status_code}: {response.text[:200]}"]
    if not isinstance(problem, dict):
        return [f"HTTP {response.status_code}"]
    errors = problem.get("errors") or []
    if errors:
        return [f"{e.get('field', '?')}: {e.get('detail', '')}" for e in errors]
    return [f"{problem.get('code', response.status_code)}: {problem.get('detail', '')}"]


def _retryable(response: httpx.Response) -> bool:
    if response.status_code in RETRY_STATUSES:
        return True
    if response.status_code == 409:
        try:
            return bool(response.json().get("code") == "idempotency_key_in_flight")
        except (ValueError, AttributeError):
            return False
    return False


def _delay(attempt: int, backoff: float, response: httpx.Response | None) -> float:
    if response is not None:
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return min(float(retry_after), MAX_BACKOFF)
    return float(min(backoff * 2**attempt, MAX_BACKOFF) * (0.5 + random.random() / 2))


async def submit_row(
    client: httpx.AsyncClient,
    row: Row,
    *,
    retries: int,
    backoff: float,
) -> Outcome:
    outcome = Outcome(row=row, accepted=False, status=None)
    headers = {"Idempotency-Key": row.idempotency_key}
    for attempt in range(retries + 1):
        outcome.attempts = attempt + 1
        response: httpx.Response | None = None
        try:
            response = await client.post("/v1/pledges", json=row.pledge, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            outcome.reasons = [f"{type(exc).__name__}: {exc}".rstrip(": ")]
        else:
            outcome.status = response.status_code
            if response.status_code in (200, 201):
                body = response.json()
                outcome.accepted = True
                outcome.pledge_id = body.get("id")
                outcome.replayed = response.headers.get("idempotent-replayed") == "true"
                outcome.created = response.status_code == 201 and not outcome.replayed
                outcome.reasons = []
                return outcome
            outcome.reasons = _reasons(response)
            if not _retryable(response):
                return outcome
        if attempt < retries:
            await asyncio.sleep(_delay(attempt, backoff, response))
    outcome.reasons = [f"gave up after {outcome.attempts} attempts", *outcome.reasons]
    return outcome


async def submit_rows(
    url: str,
    api_key: str,
    rows: Sequence[Row],
    *,
    concurrency: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    request_timeout: float = 30.0,
    on_done: Callable[[Outcome], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """Send every row (``concurrency`` at a time); the report keeps the file's order."""
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        base_url=url.rstrip("/"),
        headers={"Authorization": f"Bearer {api_key}", "User-Agent": "migov-cli"},
        timeout=request_timeout,
        transport=transport,
    ) as client:

        async def one(row: Row) -> Outcome:
            async with semaphore:
                outcome = await submit_row(client, row, retries=retries, backoff=backoff)
            if on_done is not None:
                on_done(outcome)
            return outcome

        outcomes = await asyncio.gather(*(one(row) for row in rows))
    return Report(list(outcomes))
