"""Rate-limit headers on writes, as the IETF draft ``RateLimit header fields for HTTP`` has them.

Every write that was counted against its key's quota (``services.api_keys``)
answers, whatever its status, with:

* ``RateLimit-Policy: "writes";q=<quota>;w=<window seconds>``: the policy;
* ``RateLimit: "writes";r=<remaining>;t=<seconds until the window resets>``.

A refused write (429) carries both, with ``r=0``, beside ``Retry-After``. The
format follows draft-ietf-httpapi-ratelimit-headers-10 (structured fields: a
policy name and its ``q``/``w`` and ``r``/``t`` parameters). With limits off
(``MIGOV_RATE_LIMIT_PER_MINUTE=0``) neither header is sent. Reads are never
limited and carry neither.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.api_keys import RateBudget

POLICY = "writes"
POLICY_HEADER = "RateLimit-Policy"
LIMIT_HEADER = "RateLimit"


def rate_limit_headers(
    *, limit: int, window_seconds: int, remaining: int, reset_seconds: int
) -> dict[str, str]:
    return {
        POLICY_HEADER: f'"{POLICY}";q={limit};w={window_seconds}',
        LIMIT_HEADER: f'"{POLICY}";r={remaining};t={reset_seconds}',
    }


def budget_headers(budget: RateBudget) -> dict[str, str]:
    return rate_limit_headers(
        limit=budget.limit,
        window_seconds=budget.window_seconds,
        remaining=budget.remaining,
        reset_seconds=budget.reset_seconds,
    )


class RateLimitHeadersMiddleware:
    """Adds the headers for the budget the write admission noted (``state.rate_budget``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # The server gives each request a copy of the lifespan state; a test harness
        # may hand them all one dict, so a budget noted for an earlier request is dropped.
        scope.setdefault("state", {}).pop("rate_budget", None)

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                budget: RateBudget | None = scope.get("state", {}).get("rate_budget")
                if budget is not None:
                    headers = MutableHeaders(scope=message)
                    for name, value in budget_headers(budget).items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_budget)
