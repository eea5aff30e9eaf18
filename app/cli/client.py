"""Submitting a file of pledges to a migov server, as a partner script would.

Used by ``migov pledges submit``. Safe to run again and again:

* Rows go to ``POST /v1/pledges/batch`` in chunks (``chunk`` rows a request, at
  most 1,000), each chunk with an Idempotency-Key derived from its content (the
  SHA-256 of its rows' canonical JSON). A re-run with the same chunk size, or a
  retry after a lost answer, replays the stored answer instead of storing the
  pledges again. Identical rows are sent once and share one result. The server
  remembers keys for at least 24 hours; give rows an ``external_ref`` to stay
  duplicate-free beyond that, or across runs with another chunk size.
* Each row gets its own result from the batch answer: created, already stored
  (``existing``), or rejected with the server's reasons.
* Server errors (5xx), 429, a request still in flight (409
  ``idempotency_key_in_flight``), timeouts and connection errors are retried with
  exponential backoff and jitter; a ``Retry-After`` (seconds or an HTTP date) is
  honoured up to ``max_retry_after`` seconds, and a server asking for longer ends
  that chunk's tries with the reason.
* A 401 or 403 stops the run at once: the key is wrong, revoked or lacks
  ``pledges:write``, and every further request would be refused too. The report
  says so, and rows not sent are listed as such.
* A server that cannot be reached at all (every try of a chunk failed to connect)
  stops the run too: nothing was sent, which is not a rejection of the data, and
  the report says so in ``unreachable``.

Files are JSON (a list of pledge objects, or ``{"pledges": [...]}``) or CSV with
one column per field of ``POST /v1/pledges``, read with the csv module (quoted
cells may hold commas and line breaks); in CSV, ``pledgers`` and
``gcm_objectives`` hold several values separated by ``;``, and empty cells are
left out.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

import httpx

FileFormat = Literal["csv", "json"]
LIST_COLUMNS = ("pledgers", "gcm_objectives")
RETRY_STATUSES = {429, 500, 502, 503, 504}
KEY_REFUSED = {401, 403}
MAX_BACKOFF = 30.0
MAX_CHUNK = 1000  # the batch endpoint's limit
BATCH_PATH = "/v1/pledges/batch"


class FileError(ValueError):
    """The file cannot be read as pledges at all."""


@dataclass(frozen=True)
class Row:
    number: int  # 1-based position among the file's pledges
    where: str  # "line 4" for CSV (where the row starts), "item 3" for JSON
    pledge: Any  # a JSON object, or whatever the file held (the server says what is wrong)

    @property
    def content_key(self) -> str:
        return hashlib.sha256(canonical_json(self.pledge).encode()).hexdigest()


@dataclass
class Outcome:
    row: Row
    accepted: bool
    status: int | None
    pledge_id: int | None = None
    created: bool = False
    replayed: bool = False
    sent: bool = True
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
            "sent": self.sent,
            "attempts": self.attempts,
            "reasons": self.reasons,
        }


@dataclass
class Report:
    outcomes: list[Outcome]
    stopped: str | None = None  # why the run stopped early (the key was refused)
    unreachable: str | None = None  # the server could not be reached: why

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.accepted]

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.accepted and o.sent]

    @property
    def unsent(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.sent]

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.created]

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "created": len(self.created),
            "rejected": len(self.rejected),
            "not_sent": len(self.unsent),
            "stopped": self.stopped,
            "unreachable": self.unreachable,
            "rows": [o.to_json() for o in self.outcomes],
        }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chunk_idempotency_key(rows: Sequence[Row]) -> str:
    """The same rows in the same order always make the same key."""
    digest = hashlib.sha256(canonical_json([row.pledge for row in rows]).encode()).hexdigest()
    return f"batch-{digest}"


SPREADSHEETS = {".xlsx", ".xls", ".xlsm", ".ods", ".numbers"}


def read_rows(path: Path, file_format: FileFormat | None = None) -> list[Row]:
    """The pledges in ``path``; the format comes from the extension unless given.

    A spreadsheet workbook (.xlsx, .ods ...) is refused in words: it is neither CSV nor
    JSON, and read as either it would only fail obscurely.
    """
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS or _is_workbook(path):
        raise FileError(
            f"{path}: a spreadsheet workbook, not CSV or JSON. Save it as CSV (UTF-8) "
            "from the spreadsheet (File > Save as > CSV UTF-8) and submit that file."
        )
    if file_format is None and suffix not in (".csv", ".json"):
        raise FileError(
            f"{path}: cannot tell CSV from JSON by the extension {suffix or '(none)'!r}; "
            "name the file .csv or .json, or pass --format csv|json."
        )
    chosen = file_format or ("csv" if suffix == ".csv" else "json")
    try:
        # newline="": the csv module handles line ends itself, inside quoted cells too.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _csv_rows(handle) if chosen == "csv" else _json_rows(path, handle.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(f"{path}: cannot be read: {exc}") from exc
    except csv.Error as exc:
        raise FileError(f"{path}: not valid CSV: {exc}") from exc


def _is_workbook(path: Path) -> bool:
    """A zip (xlsx, ods) or OLE2 (xls) file, whatever its name says."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))


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


def _csv_rows(lines: Any) -> list[Row]:
    reader = csv.DictReader(lines)
    rows = []
    ended = 1  # the header's last line
    for index, record in enumerate(reader):
        pledge = {
            column.strip(): _csv_cell(column.strip(), value.strip())
            for column, value in record.items()
            if column is not None and isinstance(value, str) and value.strip()
        }
        rows.append(Row(index + 1, f"line {ended + 1}", pledge))
        ended = reader.line_num
    return rows


def _reasons(response: httpx.Response) -> list[str]:
    try:
        problem = response.json()
    except ValueError:
        return [f"HTTP {response.status_code}: {response.text[:200]}"]
    if not isinstance(problem, dict):
        return [f"HTTP {response.status_code}"]
    return _problem_reasons(problem, response.status_code)


def _problem_reasons(problem: dict[str, Any], status: int | None) -> list[str]:
    errors = problem.get("errors") or []
    if errors:
        return [f"{e.get('field', '?')}: {e.get('detail', '')}" for e in errors]
    return [f"{problem.get('code', status)}: {problem.get('detail', '')}"]


def _retryable(response: httpx.Response) -> bool:
    if response.status_code in RETRY_STATUSES:
        return True
    if response.status_code == 409:
        try:
            return bool(response.json().get("code") == "idempotency_key_in_flight")
        except (ValueError, AttributeError):
            return False
    return False


def retry_after_seconds(response: httpx.Response | None) -> float | None:
    """The wait a ``Retry-After`` asks for (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _backoff(attempt: int, backoff: float) -> float:
    return float(min(backoff * 2**attempt, MAX_BACKOFF) * (0.5 + random.random() / 2))


@dataclass
class _Run:
    client: httpx.AsyncClient
    retries: int
    backoff: float
    max_retry_after: float
    stopped: str | None = None
    unreachable: str | None = None


def _item_outcome(row: Row, item: dict[str, Any], *, replayed: bool, attempts: int) -> Outcome:
    status = item.get("status")
    if item.get("outcome") in ("created", "existing"):
        pledge = item.get("pledge") or {}
        return Outcome(
            row=row,
            accepted=True,
            status=status,
            pledge_id=pledge.get("id"),
            created=item["outcome"] == "created" and not replayed,
            replayed=replayed,
            attempts=attempts,
        )
    return Outcome(
        row=row,
        accepted=False,
        status=status,
        replayed=replayed,
        attempts=attempts,
        reasons=_problem_reasons(item, status),
    )


async def _submit_chunk(run: _Run, rows: Sequence[Row]) -> list[Outcome]:
    """One chunk through the batch endpoint, retried as the module docstring says."""
    headers = {"Idempotency-Key": chunk_idempotency_key(rows)}
    body = {"pledges": [row.pledge for row in rows]}
    reasons: list[str] = []
    status: int | None = None
    attempts = 0
    answered = False  # any try reached the server
    for attempt in range(run.retries + 1):
        if run.stopped is not None:
            return [_unsent(row, run.stopped) for row in rows]
        if run.unreachable is not None:
            return [_unsent(row, run.unreachable) for row in rows]
        attempts = attempt + 1
        response: httpx.Response | None = None
        try:
            response = await run.client.post(BATCH_PATH, json=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            reasons = [f"{type(exc).__name__}: {exc}".rstrip(": ")]
            # Connected but no answer in time: the server may have stored the chunk.
            answered = answered or not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        else:
            answered = True
            status = response.status_code
            if status == 200:
                replayed = response.headers.get("idempotent-replayed") == "true"
                results = response.json().get("results", [])
                return [
                    _item_outcome(row, item, replayed=replayed, attempts=attempts)
                    for row, item in zip(rows, results, strict=True)
                ]
            reasons = _reasons(response)
            if status in KEY_REFUSED:
                run.stopped = (
                    f"the server refused the API key ({status}): {'; '.join(reasons)}. "
                    "Nothing more was sent; check MIGOV_API_KEY (or --key) and its "
                    "pledges:write scope."
                )
                return [_rejected(row, status, reasons, attempts) for row in rows]
            if status == 413:
                reasons = [*reasons, "send fewer rows a request (--chunk)"]
            if not _retryable(response):
                return [_rejected(row, status, reasons, attempts) for row in rows]
        if attempt == run.retries:
            break
        asked = retry_after_seconds(response)
        if asked is not None and asked > run.max_retry_after:
            reasons = [
                f"the server asked to wait {asked:.0f} s, more than --max-retry-after "
                f"{run.max_retry_after:g} s",
                *reasons,
            ]
            return [_rejected(row, status, reasons, attempts) for row in rows]
        await asyncio.sleep(asked if asked is not None else _backoff(attempt, run.backoff))
    if not answered:
        run.unreachable = (
            f"could not reach the server at {run.client.base_url} after {attempts} "
            f"attempt(s): {'; '.join(reasons)}"
        )
        return [_unsent(row, run.unreachable) for row in rows]
    reasons = [f"gave up after {attempts} attempts", *reasons]
    return [_rejected(row, status, reasons, attempts) for row in rows]


def _rejected(row: Row, status: int | None, reasons: list[str], attempts: int) -> Outcome:
    return Outcome(row=row, accepted=False, status=status, attempts=attempts, reasons=reasons)


def _unsent(row: Row, why: str) -> Outcome:
    return Outcome(row=row, accepted=False, status=None, sent=False, reasons=[f"not sent: {why}"])


async def submit_rows(
    url: str,
    api_key: str,
    rows: Sequence[Row],
    *,
    chunk: int = 100,
    concurrency: int = 2,
    retries: int = 5,
    backoff: float = 0.5,
    max_retry_after: float = 120.0,
    request_timeout: float = 30.0,
    on_done: Callable[[Outcome], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Report:
    """Send every row, ``chunk`` a request and ``concurrency`` requests at a time.

    The report keeps the file's order, one outcome per row.
    """
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError(f"chunk must be between 1 and {MAX_CHUNK}")
    outcomes: dict[int, Outcome] = {}

    def done(outcome: Outcome) -> None:
        outcomes[outcome.row.number] = outcome
        if on_done is not None:
            on_done(outcome)

    # Identical rows are one pledge: send the first, give the others its result.
    first_of: dict[str, Row] = {}
    copies: dict[int, list[Row]] = {}
    to_send: list[Row] = []
    for row in rows:
        if not isinstance(row.pledge, dict):
            done(_rejected(row, None, ["not a JSON object: a pledge has named fields"], 0))
            continue
        first = first_of.setdefault(row.content_key, row)
        if first is row:
            to_send.append(row)
        else:
            copies.setdefault(first.number, []).append(row)

    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        base_url=url.rstrip("/"),
        headers={"Authorization": f"Bearer {api_key}", "User-Agent": "migov-cli"},
        timeout=request_timeout,
        transport=transport,
    ) as client:
        run = _Run(client, retries, backoff, max_retry_after)

        async def one(rows_of_chunk: Sequence[Row]) -> None:
            async with semaphore:
                results = await _submit_chunk(run, rows_of_chunk)
            for outcome in results:
                done(outcome)
                for copy in copies.get(outcome.row.number, []):
                    done(replace(outcome, row=copy, created=False, replayed=outcome.accepted))

        await asyncio.gather(
            *(one(to_send[start : start + chunk]) for start in range(0, len(to_send), chunk))
        )
    return Report(
        [outcomes[row.number] for row in rows], stopped=run.stopped, unreachable=run.unreachable
    )
