"""Rate limits per client and per key, and their headers (IETF draft ``RateLimit header
fields for HTTP``, draft-ietf-httpapi-ratelimit-headers-10).

Two quotas, both token buckets (GCRA): at most the quota at once, refilled steadily
over the window, with no window edge where a spent quota comes back whole (fixed
windows let nearly twice the quota through around an edge):

* ``"requests"``: every request of one client (reads and writes alike, REST and
  GraphQL), ``Settings.client_rate_limit_per_minute``. A client is the API key it
  sends when that key is valid (partners behind one address keep their own
  quota), else its address (the proxy's forwarded one with ``--proxy-headers``).
  Kept in each worker's memory (a lookup per request must cost nothing next to a
  2 ms cached page); valid keys are known from a list of their hashes refreshed
  once a minute. With several workers a client may get the quota per worker: a
  proxy in front must hold the shared limit (docs/reliability.md). Health checks
  and ``/metrics`` are not counted.
* ``"writes"``: one API key's writes, each pledge of a batch counting
  (``services.api_keys.count_request``, in the database, shared by every worker).

Every counted answer carries ``RateLimit-Policy: "requests";q=<quota>;w=<window>``
and ``RateLimit: "requests";r=<remaining>;t=<seconds until full>``; a counted
write lists ``"writes"`` after it in both. A request over its quota is answered
429 ``rate_limited`` with ``Retry-After`` and ``r=0``, before any other work:
problem+json, or a GraphQL error body on ``/graphql``. A quota of 0 switches it
off, and its headers with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.api_keys import SECRET_PATTERN, RateBudget, active_key_prefixes

POLICY = "writes"
CLIENT_POLICY = "requests"
POLICY_HEADER = "RateLimit-Policy"
LIMIT_HEADER = "RateLimit"
WINDOW_SECONDS = 60
UNCOUNTED = ("/healthz", "/readyz", "/metrics")


def rate_limit_headers(
    *,
    limit: int,
    window_seconds: int,
    remaining: int,
    reset_seconds: int,
    policy: str = POLICY,
) -> dict[str, str]:
    return {
        POLICY_HEADER: f'"{policy}";q={limit};w={window_seconds}',
        LIMIT_HEADER: f'"{policy}";r={remaining};t={reset_seconds}',
    }


def budget_headers(budget: RateBudget, policy: str = POLICY) -> dict[str, str]:
    return rate_limit_headers(
        limit=budget.limit,
        window_seconds=budget.window_seconds,
        remaining=budget.remaining,
        reset_seconds=budget.reset_seconds,
        policy=policy,
    )


@dataclass(frozen=True)
class Decision:
    """A client's request, taken from its bucket or refused."""

    allowed: bool
    budget: RateBudget
    retry_after: int  # seconds until it would be allowed (0 when it is)


class ClientLimiter:
    """Token buckets (GCRA) per client in this process: ``limit`` requests per window.

    Each client's bucket is one number, when it is full again; a full bucket is the
    same as none, so those are dropped first when more than ``max_clients`` are held.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: int = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = float(window_seconds)
        self.step = self.window / limit
        self.clock = clock
        self.max_clients = max_clients
        self._full_at: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._full_at)

    def take(self, client: str, cost: int = 1) -> Decision:
        now = self.clock()
        pushed = max(self._full_at.get(client, now), now) + self.step * cost
        ahead = pushed - now
        if ahead > self.window:
            current = self._full_at.get(client, now) - now
            return Decision(
                False,
                RateBudget(self.limit, int(self.window), 0, max(1, math.ceil(current))),
                max(1, math.ceil(ahead - self.window)),
            )
        self._full_at[client] = pushed
        self._full_at.move_to_end(client)
        if len(self._full_at) > self.max_clients:
            self._forget(now)
        remaining = math.floor((self.window - ahead) / self.step + 1e-9)
        return Decision(
            True, RateBudget(self.limit, int(self.window), remaining, max(1, math.ceil(ahead))), 0
        )

    def _forget(self, now: float) -> None:
        for client in [c for c, full_at in self._full_at.items() if full_at <= now]:
            del self._full_at[client]
        while len(self._full_at) > self.max_clients:
            self._full_at.popitem(last=False)  # the least recently seen


class KnownKeys:
    """Prefixes of the valid (unrevoked) API keys by the SHA-256 of their secrets, read
    from the database at most once a ``refresh_seconds``; a failed read keeps the last."""

    def __init__(
        self, refresh_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._by_hash: dict[str, str] = {}
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def prefix(self, state: Any, secret: str) -> str | None:
        if not SECRET_PATTERN.match(secret):
            return None
        if self._read_at is None or self.clock() - self._read_at > self.refresh_seconds:
            async with self._lock:
                if self._read_at is None or self.clock() - self._read_at > self.refresh_seconds:
                    await self._read(state)
        return self._by_hash.get(hashlib.sha256(secret.encode()).hexdigest())

    async def _read(self, state: Any) -> None:
        self._read_at = self.clock()
        sessionmaker = getattr(state, "sessionmaker", None)
        if sessionmaker is None:
            return
        try:
            async with sessionmaker() as session:
                self._by_hash = await active_key_prefixes(session)
        except Exception:  # a database fault must not refuse the request it would count
            return


def _append(headers: MutableHeaders, values: dict[str, str]) -> None:
    """Add each policy after those already there, as one structured-field list."""
    for name, value in values.items():
        present = headers.get(name)
        headers[name] = value if not present else f"{present}, {value}"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RateLimitHeadersMiddleware:
    """Counts every request against its client's quota (refusing it past the quota), and
    adds the ``requests`` and, for a counted write, ``writes`` headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.limiter: ClientLimiter | None = None
        self.known_keys = KnownKeys()

    def _limiter(self, scope: Scope) -> ClientLimiter | None:
        if self.limiter is None:
            settings = getattr(scope["app"].state, "settings", None) if "app" in scope else None
            limit = getattr(settings, "client_rate_limit_per_minute", 0)
            if not limit:
                return None
            self.limiter = ClientLimiter(limit)
        return self.limiter

    async def _client(self, scope: Scope) -> str:
        authorization = _header(scope, b"authorization") or ""
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() == "bearer" and secret:
            prefix = await self.known_keys.prefix(scope["app"].state, secret.strip())
            if prefix is not None:
                return f"key:{prefix}"
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The server gives each request a copy of the lifespan state; a test harness
        # may hand them all one dict, so a budget noted for an earlier request is dropped.
        scope.setdefault("state", {}).pop("rate_budget", None)
        limiter = None if scope["path"].startswith(UNCOUNTED) else self._limiter(scope)
        client_headers: dict[str, str] = {}
        if limiter is not None:
            decision = limiter.take(await self._client(scope))
            client_headers = budget_headers(decision.budget, CLIENT_POLICY)
            if not decision.allowed:
                await self._refuse(scope, receive, send, decision, client_headers)
                return

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if client_headers:
                    _append(headers, client_headers)
                # A write refused for its quota (429) got its "writes" headers from the
                # problem itself, and noted no budget.
                budget: RateBudget | None = scope.get("state", {}).get("rate_budget")
                if budget is not None:
                    _append(headers, budget_headers(budget))
            await send(message)

        await self.app(scope, receive, send_with_budget)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        decision: Decision,
        headers: dict[str, str],
    ) -> None:
        from app.http.problems import problem_response  # problems imports this module

        detail = (
            f"This client has made its {decision.budget.limit} requests per "
            f"{decision.budget.window_seconds} s; retry after the seconds Retry-After gives."
        )
        headers = {**headers, "Retry-After": str(decision.retry_after)}
        response: JSONResponse
        if scope["path"].startswith("/graphql"):
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": detail,
                            "extensions": {
                                "code": "rate_limited",
                                "retryAfter": decision.retry_after,
                            },
                        }
                    ]
                },
                status_code=429,
                headers=headers,
            )
        else:
            response = problem_response(
                Request(scope),
                status=429,
                code="rate_limited",
                title="Too many requests",
                detail=detail,
                headers=headers,
            )
        await response(scope, receive, send)
