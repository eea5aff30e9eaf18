"""The benchmark's bare app (``bench/baseline.py``) logs a submission as migov does.

W5 and W7 time migov's response cache while pledges arrive, and the baseline's own
submissions land in the same database between migov's runs. migov's cache reads the
change log to learn what a new version changed: a change row that names the parts its
pledge is in (its forum, its year) drops only the answers that read those parts, and a
row without them empties the whole cache. The baseline once wrote its change rows
without parts, so every one of its submissions emptied migov's cache and each of
migov's timed W5 runs began cold. This test submits through each app and checks the
change row each writes.

It runs in the suite's PostgreSQL pass: the baseline reads PostgreSQL only.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.reads import PLEDGE_FAMILY
from app.main import create_app
from app.models import Change
from app.services.changes import Written, current_version, written_between
from bench import baseline
from bench.data import dsn
from tests.app_settings import app_settings
from tests.conftest import client_for, setup_engine
from tests.factories import make_api_key, pledge_body


async def _latest_change(url: str) -> tuple[list[Any], Written | None]:
    """The change rows of the current data version (all but their ids, version and time),
    and what migov's cache learns from them."""
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine) as session:
            version = (await current_version(session)).version
            rows = (await session.scalars(select(Change).where(Change.version == version))).all()
            written = await written_between(session, version - 1, version)
    finally:
        await engine.dispose()
    return [(str(r.entity), str(r.action), str(r.origin), r.parts) for r in rows], written


async def test_the_baseline_logs_a_submission_as_migov_does(
    database_url: str, live_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("the baseline reads PostgreSQL only: runs in the PostgreSQL pass")
    engine = setup_engine(live_database_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            key = await make_api_key(session, name="bench")
    finally:
        await engine.dispose()
    headers = {"Authorization": f"Bearer {key.secret}"}
    body = pledge_body(event=..., scope=..., forum="RCM", announced_on="2019-06")
    monkeypatch.setenv("BENCH_DSN", dsn(live_database_url))
    for name, app in (
        ("baseline", baseline.app),
        ("migov", create_app(app_settings(live_database_url))),
    ):
        async with client_for(app) as client:
            answer = await client.post(
                "/v1/pledges", json={**body, "external_ref": f"{name}-1"}, headers=headers
            )
        assert answer.status_code == 201, answer.text
        rows, written = await _latest_change(live_database_url)
        # The same row from each app.
        assert rows == [("pledge", "created", "api", [["forum", "RCM"], ["year", "2019"]])]
        # What migov's cache learns from the row: that pledge and its two parts, not
        # "unknown" (None), which empties it.
        assert written is not None
        assert written.rows[PLEDGE_FAMILY] == {
            answer.json()["id"],
            ("forum", "RCM"),
            ("year", "2019"),
        }
