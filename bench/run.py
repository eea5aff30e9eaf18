"""Load benchmark: migov against a hand-written baseline, driven by wrk, in one run.

    python -m bench.run [--duration 10] [--connections 32] [--workers 2] [--cache off,on]
                        [--only W1,W4] [--reuse-data] [--port 8310] [--no-peer]

1. Loads ``bench.data`` (the curated dataset plus 200,000 synthetic pledges and
   the rest) into its own PostgreSQL database, ``migov_bench`` on the machine's
   server unless ``MIGOV_BENCH_DATABASE_URL`` names another (never the test
   database); ``--reuse-data`` keeps a database an earlier run loaded (with the
   pledges earlier runs submitted). Creates an API key granted the actors the
   submissions name.
2. Starts migov as production runs it (``migov serve``: uvicorn, production
   settings, loopback) once per cache setting, and ``bench/baseline.py`` under
   the same uvicorn options and worker count; ``--port`` moves both. For GraphQL
   W1, W2 and W4 also PostGraphile v5 as a peer (``bench.peer``: installed from npm
   with its Node 22 into ``bench/postgraphile`` on first use, one process, on the
   port after the baseline's); when it cannot be installed or started, the run
   says why and leaves only its column empty.
3. For each workload and API, pre-renders a few thousand varied requests into a
   wrk Lua script, checks that both servers answer the first reads with the same
   JSON and the same submission alike (each under its own external_ref, compared
   without ids and refs; then a repeated external_ref and an Idempotency-Key on
   each), warms both (with migov's cache on, by asking each distinct read once,
   as a server in service would have), then runs wrk against the baseline and
   migov back to back (then PostGraphile, once its rows equal the baseline's), so
   machine noise falls on all alike. W4 draws from 1,000 pledges, W1 and W2 from
   every forum, W3 from the 16 years.
4. Prints a markdown table; ratio = migov req/s / baseline req/s of the same
   pass, and PostGraphile's likewise. Each server's CPU ms is the CPU time (user
   and system) its processes spent during its timed run over the requests it
   answered, and CPU ratio the baseline's over migov's: what a request costs a
   server, which another load on a shared machine moves less than req/s. Notes
   under it give resident memory per migov worker after the run, the time to a
   first answer, any answer that differed, and for each workload that writes,
   every server's answers per status.
   With the cache off, one note gives each server's fixed cost: what it answers a
   second to a request that reads nothing (``GET /healthz``, and over GraphQL
   ``{ __typename }``, which the baseline cannot answer: it dispatches on the
   operation's name and parses no document). A workload's ratio cannot pass
   migov's fixed rate over the baseline's rate for that workload.

Workloads: W1 a page of 100 pledges of one forum, newest first, with pledger
names; W2 one forum's current participants with their names; W3 pledge totals
per forum for one year, in USD; W4 one pledge by id; W5 the reads of W1-W4 mixed
with 5 % pledge submissions; W6 pledge submissions alone; W7 the busiest forum's
W1 page, which every client watches, with 5 % of requests submitting pledges to that
forum (each one changes the page). Each runs over REST (``POST /v1/pledges``) and
GraphQL (the ``submitPledge`` mutation).

Every submission stores a new pledge: its external_ref is made as wrk sends it,
from a prefix unique to the run, the server and the wrk run, the wrk thread and a
counter, so no two submissions ever share one (both servers write into the same
database with the same key). req/s counts 2xx answers only (and for GraphQL,
only those without errors).

wrk keeps every connection busy (a new request as soon as the last answer
arrives), so p99 includes queueing in the server; each connection walks the
pre-rendered list from its own offset.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import data, peer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = data.DEFAULT_URL
REQUESTS_PER_WORKLOAD = 4_000
HOT_PLEDGES = 1_000
# Ports from the benchmark's own range, so a run never collides with a dev server
# (--port moves both, for a second run on the same machine).
MIGOV_PORT = 8310
AS_OF = "2025-06-30"
# The actors the benchmark's key may pledge for (and its submissions name).
PLEDGERS = ("CAN", "MEX", "USA")

GRAPHQL = {
    "W1": "query W1($forum: [String!]!, $first: Int!) { pledges(filter: {forum: $forum}, "
    "sort: ANNOUNCED_DESC, first: $first) { totalCount edges { node { id title kind status "
    "amount currency amountUsd announcedOn pledgers { id name } } } "
    "pageInfo { hasNextPage endCursor } } }",
    "W2": "query W2($code: String!, $asOf: Date!) { forum(code: $code) { code name "
    "participants(asOf: $asOf) { role start end actor { id name } } } }",
    "W3": "query W3($from: String!, $to: String!) { pledgeSummary(groupBy: [FORUM], "
    "filter: {announcedFrom: $from, announcedTo: $to}) { group { forum } count amountUsd "
    "countWithoutUsd } }",
    "W4": "query W4($id: Int!) { pledge(id: $id) { id title kind scope status amount currency "
    "amountUsd announcedOn gcmObjectives forumCode eventId version pledgers { id name } } }",
    "SubmitPledge": "mutation SubmitPledge($input: PledgeInput!, $idempotencyKey: String) { "
    "submitPledge(input: $input, idempotencyKey: $idempotencyKey) { created replayed "
    "pledge { id title kind scope status amount currency amountUsd announcedOn gcmObjectives "
    "forumCode eventId externalRef version pledgers { id name } } } }",
}
# Where a submission's external_ref goes: the wrk script fills in one never used before
# (its run's prefix, its thread, a counter), so every submission stores a new pledge.
REF_SLOT = "@EXTERNAL_REF@"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.body is not None and REF_SLOT in self.body

    def with_ref(self, ref: str, idempotency_key: str | None = None) -> Call:
        """This submission under ``ref`` (and ``idempotency_key``, when given)."""
        assert self.body is not None
        body, headers = self.body.replace(REF_SLOT, ref), dict(self.headers)
        if idempotency_key is not None and self.path == "/graphql":
            document = json.loads(body)
            document["variables"]["idempotencyKey"] = idempotency_key
            body = json.dumps(document)
        elif idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return Call(self.method, self.path, body, headers)


@dataclass
class Figures:
    rps: float
    p99_ms: float
    requests: int
    errors: int
    # Answers per HTTP status, and 2xx GraphQL answers carrying errors (scripts that write).
    statuses: dict[int, int] = field(default_factory=dict)
    graphql_errors: int = 0
    # CPU milliseconds (user and system) the server's processes spent per request of the
    # run (``timed_wrk``): what a request costs the server, less sensitive to a shared
    # machine's other load than req/s. None when not measured.
    cpu_ms: float | None = None

    def tally(self) -> str:
        """Answers per status, then those that failed: non-2xx, socket errors, GraphQL errors."""
        counts = ", ".join(f"{code}: {n:,}" for code, n in sorted(self.statuses.items()))
        failed = sum(n for code, n in self.statuses.items() if not 200 <= code < 300)
        unanswered = self.errors - sum(n for code, n in self.statuses.items() if code >= 400)
        return (
            f"{counts or 'none'}; non-2xx {failed:,}, socket errors {max(0, unanswered):,}, "
            f"2xx with GraphQL errors {self.graphql_errors:,}"
        )


class Refs:
    """Prefixes for external_refs, one per wrk run and server, unique across runs: both
    servers write into the same database with the same API key."""

    def __init__(self) -> None:
        self.run = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
        self.count = 0

    def next(self, server: str) -> str:
        self.count += 1
        return f"bench-{self.run}-{server}-{self.count}"


@dataclass
class Row:
    workload: str
    api: str
    cache: str
    migov: Figures
    baseline: Figures | None
    # PostGraphile, where it answers the workload (GraphQL W1, W2, W4) and was installed.
    peer: Figures | None = None


class Plan:
    """Varied requests per workload, drawn from the loaded data with a fixed seed."""

    def __init__(self, facts: Facts, key: str) -> None:
        self.rng = random.Random(12)
        self.forums = facts.forums
        self.pledge_ids = facts.pledge_ids
        self.busiest = facts.busiest
        self.key = key

    def _graphql(self, name: str, variables: dict[str, Any]) -> Call:
        body = json.dumps({"query": GRAPHQL[name], "variables": variables, "operationName": name})
        return Call("POST", "/graphql", body, {"Content-Type": "application/json"})

    def _page(self, forum: str, api: str) -> Call:
        """W1: the first 100 pledges of ``forum``, newest first."""
        if api == "REST":
            return Call("GET", f"/v1/pledges?forum={forum}&sort=-announced_on&limit=100")
        return self._graphql("W1", {"forum": forum, "first": 100})

    def calls(self, workload: str, api: str, count: int = REQUESTS_PER_WORKLOAD) -> list[Call]:
        rng = self.rng
        out: list[Call] = []
        for n in range(count):
            forum = rng.choice(self.forums)
            year = rng.randint(2010, 2025)
            pledge_id = rng.choice(self.pledge_ids)
            match workload, api:
                case "W1", _:
                    out.append(self._page(forum, api))
                case "W2", "REST":
                    out.append(Call("GET", f"/v1/forums/{forum}/participants?as_of={AS_OF}"))
                case "W2", "GraphQL":
                    out.append(self._graphql("W2", {"code": forum, "asOf": AS_OF}))
                case "W3", "REST":
                    out.append(
                        Call(
                            "GET",
                            f"/v1/pledges/summary?group_by=forum&announced_from={year}-01-01"
                            f"&announced_to={year}-12-31",
                        )
                    )
                case "W3", "GraphQL":
                    out.append(
                        self._graphql("W3", {"from": f"{year}-01-01", "to": f"{year}-12-31"})
                    )
                case "W4", "REST":
                    out.append(Call("GET", f"/v1/pledges/{pledge_id}"))
                case "W4", "GraphQL":
                    out.append(self._graphql("W4", {"id": pledge_id}))
                case "W5", _:
                    if n % 20 == 19:
                        out.append(self._submission(n, forum, year, api))
                    else:
                        out.append(self.calls(f"W{n % 4 + 1}", api, 1)[0])
                case "W6", _:
                    out.append(self._submission(n, forum, year, api))
                case "W7", _:
                    if n % 20 == 19:
                        out.append(self._submission(n, self.busiest, year, api))
                    else:
                        out.append(self._page(self.busiest, api))
                case _:
                    raise ValueError(f"no {workload} over {api}")
        return out

    def _submission(self, n: int, forum: str, year: int, api: str) -> Call:
        """A new pledge, as a partner's script sends it; its external_ref left to fill in."""
        pledge = {
            "pledgers": [PLEDGERS[0]] if n % 3 else list(PLEDGERS[1:]),
            "forum": forum,
            "kind": "financial",
            "amount": f"{self.rng.randint(10_000, 5_000_000)}.00",
            "currency": "USD" if n % 2 else "EUR",
            "announced_on": f"{year}-0{n % 9 + 1}-15",
            "title": f"Benchmark submission {n}",
            "gcm_objectives": [n % 23 + 1],
            "external_ref": REF_SLOT,
        }
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"}
        if api == "REST":
            return Call("POST", "/v1/pledges", json.dumps(pledge), headers)
        graphql_input = {
            "pledgers": pledge["pledgers"],
            "forum": forum,
            "kind": "FINANCIAL",
            "amount": pledge["amount"],
            "currency": pledge["currency"],
            "announcedOn": pledge["announced_on"],
            "title": pledge["title"],
            "gcmObjectives": pledge["gcm_objectives"],
            "externalRef": REF_SLOT,
        }
        body = json.dumps(
            {
                "query": GRAPHQL["SubmitPledge"],
                "variables": {"input": graphql_input},
                "operationName": "SubmitPledge",
            }
        )
        return Call("POST", "/graphql", body, headers)


def lua_script(calls: list[Call]) -> str:
    """A wrk script that replays ``calls`` in order, each thread from its own offset.

    A submission's body is kept in two parts around ``REF_SLOT``; each request joins
    them around a new external_ref: the run's prefix (wrk's argument), the thread and a
    counter. A script that writes also counts answers per status, and the 2xx GraphQL
    answers that carry errors.
    """

    def quote(text: str) -> str:
        return "[==[" + text + "]==]"

    entries = []
    for call in calls:
        headers = (
            "{" + ", ".join(f"[ {quote(k)} ] = {quote(v)}" for k, v in call.headers.items()) + "}"
        )
        if call.writes:
            assert call.body is not None
            head, tail = call.body.split(REF_SLOT)
            body = f"{quote(head)}, {quote(tail)}"
        else:
            body = quote(call.body) if call.body is not None else "nil"
        entries.append(f"{{{quote(call.method)}, {quote(call.path)}, {headers}, {body}}}")
    counting = any(call.writes for call in calls)
    return (
        "local calls = {\n"
        + ",\n".join(entries)
        + """
}
local rendered = {}
local position = 0
local threads = 0
local all_threads = {}
local prefix = "ref"
local submitted = 0
statuses = {}
graphql_errors = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
  table.insert(all_threads, thread)
end

function init(args)
  prefix = (args[1] or "ref") .. "-" .. (thread_number or 0) .. "-"
  for i, c in ipairs(calls) do
    if c[5] == nil then
      rendered[i] = wrk.format(c[1], c[2], c[3], c[4])
    end
  end
  position = (thread_number or 0) * 997 % #calls
end

function request()
  position = position % #calls + 1
  local ready = rendered[position]
  if ready then
    return ready
  end
  local c = calls[position]
  submitted = submitted + 1
  return wrk.format(c[1], c[2], c[3], c[4] .. prefix .. submitted .. c[5])
end
"""
        + (
            """
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 300 and body and string.find(body, '"errors"%s*:') then
    graphql_errors = graphql_errors + 1
  end
end
"""
            if counting
            else ""
        )
        + """
function done(summary, latency, requests)
  local errors = summary.errors
  local totals = {}
  local with_errors = 0
  for _, thread in ipairs(all_threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      totals[status] = (totals[status] or 0) + n
    end
    with_errors = with_errors + (thread:get("graphql_errors") or 0)
  end
  local counted = {}
  for status, n in pairs(totals) do
    table.insert(counted, string.format('"%d": %d', status, n))
  end
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p99_us": %d, "errors": %d, ' ..
    '"statuses": {%s}, "graphql_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    table.concat(counted, ", "), with_errors))
end
"""
    )


def wrk(
    base: str, script: Path, *, prefix: str, duration: int, connections: int, threads: int
) -> Figures:
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, duration)}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
            "--",
            prefix,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout[-600:]} {result.stderr[-600:]}")
    figures = json.loads(line.removeprefix("WRK_RESULT "))
    statuses = {int(status): count for status, count in figures["statuses"].items()}
    return Figures(
        # Only answers that succeeded count: a 503 shed under load is not throughput.
        rps=_succeeded(figures, statuses) / (figures["duration_us"] / 1e6),
        p99_ms=figures["p99_us"] / 1000,
        requests=figures["requests"],
        errors=figures["errors"],
        statuses=statuses,
        graphql_errors=figures["graphql_errors"],
    )


def timed_wrk(server: Server, script: Path, **load: Any) -> Figures:
    """``wrk`` against ``server``, with the CPU its processes spent per request meanwhile."""
    before = server.cpu_seconds()
    figures = wrk(server.base, script, **load)
    if figures.requests:
        figures.cpu_ms = 1000 * (server.cpu_seconds() - before) / figures.requests
    return figures


def _succeeded(figures: dict[str, Any], statuses: dict[int, int]) -> int:
    """2xx answers without GraphQL errors when the script counted them; otherwise every
    answer wrk did not count as an error (its status errors are those of 400 and over)."""
    if not statuses:
        # wrk may count one failed request under two errors: never below zero.
        return max(0, int(figures["requests"] - figures["errors"]))
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return int(ok - figures["graphql_errors"])


class Server:
    """One server (migov, the baseline or PostGraphile) on a loopback port, stopped on exit.

    It is ready when ``probe`` (by default ``GET /healthz``) answers 200.
    """

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        port: int,
        *,
        probe: Call = Call("GET", "/healthz"),
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.port = port
        self.probe = probe
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        # Kept after the run (its name is in any error), so a failed start can be read.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"bench-{name}-", suffix=".log", delete=False
        )
        self.ready_after = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        with socket.socket() as probe:
            # Another server on the port would answer /healthz below in this one's place.
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is taken; pass --port to use others")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = started + 60
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.request(
                    self.probe.method,
                    self.base + self.probe.path,
                    content=self.probe.body,
                    headers=self.probe.headers,
                    timeout=1,
                )
                if answer.status_code == 200:
                    self.ready_after = time.perf_counter() - started
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer within 60 s; see {self.log.name}")

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time, user and system, the server's processes (itself and its workers) have
        used so far."""
        if self.process is None:
            return 0.0
        ticks = 0
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            with contextlib.suppress(OSError):
                # Past the command's closing parenthesis: utime and stime are the 12th
                # and 13th fields (proc(5) numbers them 14 and 15).
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process (or of the server when it has none)."""
        if self.process is None:
            return []
        pids = _descendants(self.process.pid) or [self.process.pid]
        sizes = []
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes


def _descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        direct = [int(p) for p in children.read_text().split()]
    except OSError:
        return []
    # uvicorn --workers N: the supervisor's children are the workers; skip helpers
    # such as multiprocessing's resource tracker, which never listen.
    return [p for p in direct if "resource_tracker" not in _cmdline(p)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def server_env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MIGOV_DATABASE_URL": url,
        "BENCH_DSN": data.dsn(url),
        # Production settings: no debug, no GraphiQL, warnings only (no access log).
        "MIGOV_DEBUG": "false",
        "MIGOV_GRAPHQL_IDE": "false",
        "MIGOV_LOG_LEVEL": "warning",
        # W5 and W6 submit hundreds of pledges a second from one key, and wrk asks from one
        # address: neither limit is under test (the baseline has none).
        "MIGOV_RATE_LIMIT_PER_MINUTE": "0",
        "MIGOV_CLIENT_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }


def migov_server(url: str, workers: int, cache: str, port: int = MIGOV_PORT) -> Server:
    command = [
        sys.executable,
        "-m",
        "app",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    env = server_env(url, MIGOV_CACHE="true" if cache == "on" else "false")
    return Server(f"migov-cache-{cache}", command, env, port)


def baseline_server(url: str, workers: int, port: int = MIGOV_PORT + 1) -> Server:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Server("baseline", command, server_env(url), port)


def peer_server(url: str, port: int) -> Server:
    """PostGraphile v5 (bench/postgraphile), one Node process; ready once it answers a query."""
    probe = Call(
        "POST", "/graphql", '{"query": "{ __typename }"}', {"Content-Type": "application/json"}
    )
    env = {**os.environ, **peer.env(data.dsn(url), port)}
    return Server("postgraphile", peer.command(), env, port, probe=probe, cwd=peer.HOME)


def _normalise(payload: Any) -> Any:
    return json.loads(json.dumps(payload, sort_keys=True))


def first_difference(
    left: Any, right: Any, path: str = "", names: tuple[str, str] = ("migov", "baseline")
) -> str | None:
    if type(left) is not type(right):
        return f"{path or '/'}: {left!r:.60} vs {right!r:.60}"
    if isinstance(left, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}/{key}: only in {names[0] if key in left else names[1]}"
            found = first_difference(left[key], right[key], f"{path}/{key}", names)
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items vs {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}/{index}", names)
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r:.60} vs {right!r:.60}"


def visit_each(base: str, calls: list[Call], concurrency: int = 8) -> None:
    """Ask every distinct request once: a warm cache, as a server in service has."""
    distinct = list({(c.method, c.path, c.body): c for c in calls}.values())

    async def run() -> None:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            # The headers wrk sends, so these requests fill the cache entries wrk will hit.
            for name in ("accept", "accept-encoding", "user-agent"):
                client.headers.pop(name, None)
            queue = list(distinct)

            async def worker() -> None:
                while queue:
                    call = queue.pop()
                    await client.request(
                        call.method, call.path, content=call.body, headers=call.headers
                    )

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    asyncio.run(run())


# How often a read is compared again when the data changed while it was being compared.
SETTLE_ATTEMPTS = 10


def compare(migov: str, baseline: str, calls: list[Call], sample: int = 8) -> str | None:
    """The first difference between the two servers' answers to ``calls[:sample]``.

    Each read goes to migov, the baseline, then migov again. When migov's two answers
    differ, the data changed meanwhile (submissions of the run before, which the
    servers finish after wrk has hung up), so the read is compared again once they have
    settled; the two servers are only compared over data that stood still.
    """
    with httpx.Client(timeout=30) as client:

        def answer(base: str, call: Call) -> Any:
            response = client.request(
                call.method, base + call.path, content=call.body, headers=call.headers
            )
            if response.status_code != 200:
                raise _Refused(f"{call.path}: HTTP {response.status_code} from {base}")
            return _normalise(response.json())

        for call in calls[:sample]:
            for attempt in range(SETTLE_ATTEMPTS):
                try:
                    before = answer(migov, call)
                    theirs = answer(baseline, call)
                    after = answer(migov, call)
                except _Refused as refused:
                    return str(refused)
                if before == after:
                    break
                time.sleep(0.5 * (attempt + 1))
            else:
                return f"{call.path}: the data kept changing while it was compared"
            if "errors" in before:
                return f"{call.path}: {before['errors'][0].get('message')}"
            difference = first_difference(before, theirs)
            if difference:
                return f"{call.method} {call.path} {call.body or ''}"[:140] + f" -> {difference}"
    return None


class _Refused(Exception):
    """A read the comparison could not use: a server answered it with an error status."""


# Requests that read nothing: what a server costs before a workload's own work.
HEALTH = Call("GET", "/healthz")
TYPENAME = Call(
    "POST", "/graphql", '{"query": "{ __typename }"}', {"Content-Type": "application/json"}
)
FIXED = "fixed"  # its name for --only


def fixed_cost(
    servers: list[tuple[Server, list[Call]]], scripts: Path, load: dict[str, int]
) -> str:
    """One note: each server's req/s and p99 on each request that reads nothing."""
    figures = []
    for server, calls in servers:
        for call in calls:
            script = scripts / f"fixed-{server.name}-{call.method}.lua"
            script.write_text(lua_script([call]))
            wrk(server.base, script, prefix="fixed", **{**load, "duration": 2})
            measured = wrk(server.base, script, prefix="fixed", **load)
            what = "{ __typename }" if call is TYPENAME else f"{call.method} {call.path}"
            failed = f", {measured.errors} failed" if measured.errors else ""
            figures.append(
                f"{server.name} `{what}` {measured.rps:,.0f} req/s "
                f"(p99 {measured.p99_ms:,.1f} ms{failed})"
            )
    return "fixed cost, a request that reads nothing: " + "; ".join(figures)


def as_peer(call: Call) -> Call:
    """migov's GraphQL request for W1, W2 or W4 as PostGraphile's, with the same variables."""
    assert call.body is not None
    return Call(call.method, call.path, peer.document(call.body), call.headers)


def start_peer(
    servers: contextlib.ExitStack, url: str, port: int, notes: list[str]
) -> Server | None:
    """PostGraphile, installed on first use and started; None (and a note saying why, also
    printed at once) when it cannot be, so only its column is skipped."""
    reason = peer.install()
    server = peer_server(url, port)
    if reason is None:
        try:
            servers.enter_context(server)
        except RuntimeError as exc:
            server.__exit__()  # one that never answered is stopped all the same
            reason = f"it did not start: {exc}"
    if reason is not None:
        note = f"PostGraphile left out (its column is empty): {reason}"
        print(note, file=sys.stderr, flush=True)
        notes.append(note)
        return None
    notes.append(
        f"PostGraphile v5 (bench/postgraphile, Node 22, one process) answered a query "
        f"{server.ready_after:.1f} s after start"
    )
    return server


def compare_peer(
    workload: str, baseline: str, postgraphile: str, calls: list[Call], sample: int = 8
) -> str | None:
    """The first difference between PostGraphile's rows and the baseline's for
    ``calls[:sample]`` (each in its own server's document), or None."""
    with httpx.Client(timeout=30) as client:
        for call in calls[:sample]:
            assert call.body is not None
            answers = []
            for base, body in ((baseline, call.body), (postgraphile, peer.document(call.body))):
                response = client.request(
                    call.method, base + call.path, content=body, headers=call.headers
                )
                if response.status_code != 200:
                    return f"{call.path}: HTTP {response.status_code} from {base}"
                answers.append(response.json())
            try:
                found = _normalise(peer.rows(workload, answers[1]))
            except (ValueError, KeyError, TypeError) as exc:
                return f"PostGraphile: {exc!r}"[:200]
            expected = _normalise(peer.baseline_rows(workload, answers[0]))
            difference = first_difference(found, expected, names=("PostGraphile", "baseline"))
            if difference:
                variables = json.loads(call.body)["variables"]
                return f"{workload} {json.dumps(variables)}"[:100] + f" -> {difference}"
    return None


def _submitted(api: str, response: httpx.Response) -> tuple[Any, bool, bool]:
    """(the pledge answered, created, replayed) from an answer to a submission."""
    if response.status_code not in (200, 201):
        raise ValueError(f"HTTP {response.status_code}: {response.text[:120]}")
    answer = response.json()
    if api == "REST":
        replayed = response.headers.get("idempotent-replayed") == "true"
        return answer, response.status_code == 201, replayed
    payload = (answer.get("data") or {}).get("submitPledge") or {}
    if answer.get("errors") or not payload:
        raise ValueError(f"GraphQL errors: {answer.get('errors')}")
    return payload["pledge"], payload["created"], payload["replayed"]


def _anonymous(pledge: Any) -> Any:
    """A submitted pledge without what differs between two submissions of it."""
    return {k: v for k, v in pledge.items() if k not in ("id", "external_ref", "externalRef")}


def compare_submission(migov: str, baseline: str, call: Call, api: str, refs: Refs) -> str | None:
    """Submits ``call`` to each server under a new external_ref and compares the answers
    without their ids and refs; then checks that each honours a repeated external_ref
    (the stored pledge, not a new one) and an Idempotency-Key (the first answer again,
    marked replayed). The first thing that differs or fails, or None."""
    answers = []
    with httpx.Client(timeout=30) as client:
        for name, base in (("migov", migov), ("baseline", baseline)):

            def send(ref: str, key: str | None = None, base: str = base) -> httpx.Response:
                sent = call.with_ref(ref, key)
                return client.request(
                    sent.method, base + sent.path, content=sent.body, headers=sent.headers
                )

            ref = refs.next(f"{name}-check")
            try:
                first = _submitted(api, send(ref))
                again = _submitted(api, send(ref))
                keyed = _submitted(api, send(ref + "-keyed", ref))
                replay = _submitted(api, send(ref + "-keyed", ref))
            except (ValueError, KeyError) as exc:
                return f"{name} refused a submission: {exc}"[:200]
            if first[1:] != (True, False):
                return f"{name} did not store a new pledge: created, replayed = {first[1:]}"
            if again[1:] != (False, False) or again[0]["id"] != first[0]["id"]:
                return f"{name} answered a repeated external_ref with {again[1:]}, not the pledge"
            if keyed[1:] != (True, False) or replay[1:] != (api == "REST", True):
                return f"{name} Idempotency-Key: {keyed[1:]} then {replay[1:]}"
            if replay[0] != keyed[0]:
                return f"{name} replayed another answer than the first"
            answers.append(_normalise(_anonymous(first[0])))
    difference = first_difference(answers[0], answers[1])
    if difference:
        return f"{call.method} {call.path} (a submission) -> {difference}"
    return None


@dataclass(frozen=True)
class Facts:
    """What the plan draws its requests from: the forums with pledges (by code), the
    pledges partners look up, and the forum with the most pledges."""

    forums: list[str]
    pledge_ids: list[int]
    busiest: str


async def facts(url: str) -> Facts:
    connection = await asyncpg.connect(data.dsn(url))
    try:
        counted = await connection.fetch(
            "SELECT forum_code, count(*) AS pledges FROM pledge WHERE forum_code IS NOT NULL "
            "GROUP BY forum_code ORDER BY forum_code"
        )
        bounds = await connection.fetchrow("SELECT min(id), max(id) FROM pledge")
        rng = random.Random(3)
        # The pledges partners look up: a working set of 1,000, not all 200,000.
        ids = [rng.randint(bounds[0], bounds[1]) for _ in range(HOT_PLEDGES)]
        busiest = max(counted, key=lambda row: (row["pledges"], row["forum_code"]))
        return Facts([row["forum_code"] for row in counted], ids, busiest["forum_code"])
    finally:
        await connection.close()


def api_key(url: str) -> str:
    env = {**os.environ, "MIGOV_DATABASE_URL": url}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "keys",
            "create",
            "--name",
            "bench",
            "--scope",
            "pledges:write",
            *(arg for actor in PLEDGERS for arg in ("--pledger", actor)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def table(rows: list[Row]) -> Iterator[str]:
    """The markdown table; PostGraphile's columns only when it ran somewhere."""
    with_peer = any(row.peer for row in rows)
    yield (
        "| workload | api | cache | migov req/s | baseline req/s | ratio "
        "| migov p99 ms | baseline p99 ms | migov CPU ms | baseline CPU ms | CPU ratio |"
        + (
            " PostGraphile req/s | PostGraphile ratio | PostGraphile p99 ms | PostGraphile CPU ms |"
            if with_peer
            else ""
        )
    )
    yield "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|" + (
        "---:|---:|---:|---:|" if with_peer else ""
    )
    for row in rows:
        base, other = row.baseline, row.peer
        line = (
            f"| {row.workload} | {row.api} | {row.cache} | {row.migov.rps:,.0f} | "
            f"{f'{base.rps:,.0f}' if base else '—'} | {_ratio(row.migov, base)} | "
            f"{row.migov.p99_ms:,.1f} | {f'{base.p99_ms:,.1f}' if base else '—'} | "
            f"{_cpu(row.migov)} | {_cpu(base)} | {_cpu_ratio(row.migov, base)} |"
        )
        if with_peer:
            line += (
                f" {f'{other.rps:,.0f}' if other else '—'} | {_ratio(other, base)} | "
                f"{f'{other.p99_ms:,.1f}' if other else '—'} | {_cpu(other)} |"
            )
        yield line


def _cpu(figures: Figures | None) -> str:
    return f"{figures.cpu_ms:.2f}" if figures and figures.cpu_ms is not None else "—"


def _cpu_ratio(server: Figures | None, base: Figures | None) -> str:
    """The baseline's CPU per request over the server's: like ``ratio``, above 1 is cheaper."""
    if server and base and server.cpu_ms and base.cpu_ms:
        return f"{base.cpu_ms / server.cpu_ms:.2f}"
    return "—"


def _ratio(server: Figures | None, base: Figures | None) -> str:
    return f"{server.rps / base.rps:.2f}" if server and base and base.rps else "—"


COMBINATIONS = [
    ("W1", "REST"),
    ("W1", "GraphQL"),
    ("W2", "REST"),
    ("W2", "GraphQL"),
    ("W3", "REST"),
    ("W3", "GraphQL"),
    ("W4", "REST"),
    ("W4", "GraphQL"),
    ("W5", "REST"),
    ("W5", "GraphQL"),
    ("W6", "REST"),
    ("W6", "GraphQL"),
    ("W7", "REST"),
    ("W7", "GraphQL"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per wrk run.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of warm-up per run.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Worker processes per server (each has its own cache).",
    )
    parser.add_argument("--cache", default="off,on", help="Cache settings to run: off, on.")
    parser.add_argument(
        "--only",
        default="",
        help=f"Workloads to run, e.g. W1,W4; {FIXED!r} is the fixed cost alone (cache off).",
    )
    parser.add_argument("--reuse-data", action="store_true", help="Keep a loaded database.")
    parser.add_argument(
        "--port",
        type=int,
        default=MIGOV_PORT,
        help="migov's port; the baseline's is the next, PostGraphile's the one after.",
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="Leave PostGraphile out (GraphQL W1, W2, W4)."
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` does)")

    url = os.environ.get("MIGOV_BENCH_DATABASE_URL", DEFAULT_URL)
    if make_url(url).database in ("test", "postgres", None):
        raise SystemExit(f"refusing to load benchmark data into {make_url(url).database!r}")
    if not args.reuse_data:
        started = time.perf_counter()
        counts = asyncio.run(data.load(url, fresh=True, seed=2025, pledges=data.PLEDGES))
        print(
            f"loaded {counts['pledge']:,} pledges and the rest in "
            f"{time.perf_counter() - started:.0f} s into {make_url(url).database}",
            flush=True,
        )
    plan = Plan(asyncio.run(facts(url)), api_key(url))
    refs = Refs()
    only = {w.strip() for w in args.only.split(",") if w.strip()}
    combinations = [(w, a) for w, a in COMBINATIONS if not only or w in only]
    scripts = Path(tempfile.mkdtemp(prefix="migov-bench-"))
    rows: list[Row] = []
    notes: list[str] = []
    load = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
    warm = {**load, "duration": args.warmup}
    wants_peer = not args.no_peer and any(
        api == "GraphQL" and workload in peer.WORKLOADS for workload, api in combinations
    )
    with contextlib.ExitStack() as servers:
        baseline = servers.enter_context(baseline_server(url, args.workers, args.port + 1))
        postgraphile = start_peer(servers, url, args.port + 2, notes) if wants_peer else None
        for cache in [c.strip() for c in args.cache.split(",") if c.strip()]:
            with migov_server(url, args.workers, cache, args.port) as migov:
                notes.append(
                    f"migov (cache {cache}) answered /healthz {migov.ready_after:.1f} s after start"
                )
                if cache == "off" and (not only or FIXED in only):
                    fixed: list[tuple[Server, list[Call]]] = [
                        (migov, [HEALTH, TYPENAME]),
                        (baseline, [HEALTH]),
                    ]
                    if postgraphile:
                        fixed.append((postgraphile, [TYPENAME]))
                    notes.append(fixed_cost(fixed, scripts, load))
                    print("fixed cost: done", file=sys.stderr, flush=True)
                for workload, api in combinations:
                    calls = plan.calls(workload, api)
                    script = scripts / f"{workload}-{api}.lua"
                    script.write_text(lua_script(calls))
                    label = f"{workload} {api} (cache {cache})"
                    reads = [call for call in calls if not call.writes]
                    writes = [call for call in calls if call.writes]
                    differences = [
                        compare(migov.base, baseline.base, reads) if reads else None,
                        compare_submission(migov.base, baseline.base, writes[0], api, refs)
                        if writes
                        else None,
                    ]
                    notes += [f"{label} answers differ: {d}" for d in differences if d]
                    if cache == "on" and reads:
                        # W5's reads too: a server in service has seen them before writes
                        # arrive, and what a write leaves standing is the point of W5.
                        visit_each(migov.base, reads)
                    peer_script = None
                    if postgraphile and api == "GraphQL" and workload in peer.WORKLOADS:
                        difference = compare_peer(workload, baseline.base, postgraphile.base, calls)
                        if difference:
                            notes.append(
                                f"{label}: PostGraphile's rows differ from the baseline's, "
                                f"so it was not timed: {difference}"
                            )
                        else:
                            peer_script = scripts / f"{workload}-{api}-postgraphile.lua"
                            peer_script.write_text(lua_script([as_peer(call) for call in calls]))
                    wrk(migov.base, script, prefix=refs.next("migov"), **warm)
                    wrk(baseline.base, script, prefix=refs.next("baseline"), **warm)
                    if postgraphile and peer_script:
                        wrk(postgraphile.base, peer_script, prefix="peer", **warm)
                    base_figures = timed_wrk(baseline, script, prefix=refs.next("baseline"), **load)
                    figures = timed_wrk(migov, script, prefix=refs.next("migov"), **load)
                    peer_figures = None
                    if postgraphile and peer_script:
                        peer_figures = timed_wrk(postgraphile, peer_script, prefix="peer", **load)
                        if peer_figures.errors:
                            notes.append(
                                f"{label}: {peer_figures.errors} of {peer_figures.requests} "
                                "PostGraphile requests failed"
                            )
                    for name, f in (("migov", figures), ("baseline", base_figures)):
                        if writes:
                            notes.append(f"{label} {name} answers: {f.tally()}")
                        elif f.errors:
                            notes.append(
                                f"{label}: {f.errors} of {f.requests} {name} requests failed"
                            )
                    rows.append(Row(workload, api, cache, figures, base_figures, peer_figures))
                    print(f"{workload} {api} cache {cache}: done", file=sys.stderr, flush=True)
                rss = ", ".join(f"{size:.0f}" for size in migov.worker_rss_mb())
                notes.append(
                    f"migov (cache {cache}) resident memory per worker after the run: {rss} MB"
                )
        if postgraphile:
            rss = ", ".join(f"{size:.0f}" for size in postgraphile.worker_rss_mb())
            notes.append(f"PostGraphile resident memory after the run: {rss} MB")
    shutil.rmtree(scripts, ignore_errors=True)
    print()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, {args.workers} workers "
        f"each, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print()
    for line in table(rows):
        print(line)
    print()
    print(
        "- req/s counts only answers that succeeded (2xx or 304; where a workload writes, 2xx "
        "without GraphQL errors); p99 is over every answer"
    )
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
