"""Reading a whole request body (``app.http.bodies``), as the body-size limit and the
response cache both do: a client that hangs up mid-body is a disconnect, never a body."""

from __future__ import annotations

import pytest
from starlette.types import Message, Receive

from app.http.bodies import BodyTooLarge, read_body


def _client(*messages: Message) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    return receive


def _chunk(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_a_body_in_chunks_is_handed_on_whole_in_one_message() -> None:
    body, receive = await read_body(_client(_chunk(b'{"query":', True), _chunk(b' "{x}"}', False)))
    assert body == b'{"query": "{x}"}'
    assert await receive() == _chunk(b'{"query": "{x}"}', False)


async def test_a_client_that_hangs_up_mid_body_is_passed_on_as_a_disconnect() -> None:
    """A short body handed on as complete could parse, be answered and be cached."""
    body, receive = await read_body(
        _client(_chunk(b'{"query": "{forums', True), {"type": "http.disconnect"})
    )
    assert body is None
    assert await receive() == {"type": "http.disconnect"}


async def test_a_body_past_the_cap_stops_the_read() -> None:
    receive = _client(_chunk(b"x" * 600, True), _chunk(b"x" * 600, True), _chunk(b"never", False))
    with pytest.raises(BodyTooLarge):
        await read_body(receive, max_bytes=1000)
    assert await receive() == _chunk(b"never", False)  # nothing was read past the cap
