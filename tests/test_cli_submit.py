"""The operator CLI against a live server: keys, then a file of good and bad rows, twice.

The key comes from MIGOV_API_KEY (never the command line), rows go through the
batch endpoint two at a time, a quoted cell keeps its line breaks, and a revoked
key stops the run at its first refusal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import spare_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]

ROWS = """\
pledgers,forum,event,kind,scope,amount,currency,announced_on,title,gcm_objectives,external_ref
CAN,MIRPS-SP,mirps-sp-solidarity-event-2022,financial,regional,2500000.00,CAD,2022-09-21,Shelter network,2;23,cli-1
USA;MEX,MIRPS,,technical,regional,,,2023,Joint labour pathways,5,
CAN,MIRPS,,financial,national,12.50,ZZZ,2022,Bad currency,,
nobody-here,MIRPS,,policy_legal,national,,,2022,Unknown pledger,,
CAN,MIRPS,,material,local,,,2022-05,"Vehicles for
border shelters, north",,
"""


def _migov(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(live_database_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}
    return {**clean, "MIGOV_DATABASE_URL": live_database_url, "MIGOV_LOG_LEVEL": "warning"}


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    port = spare_port(range(8700, 8800))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, path="/readyz")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _submit(
    env: dict[str, str], url: str, key: str, path: Path, report: Path, *, via_flag: bool = False
) -> tuple[int, str, dict[str, Any]]:
    run = _migov(
        env if via_flag else {**env, "MIGOV_API_KEY": key},
        "pledges",
        "submit",
        str(path),
        *(["--key", key] if via_flag else []),
        "--url",
        url,
        "--chunk",
        "2",
        "--concurrency",
        "1",
        "--report",
        str(report),
        "--backoff",
        "0.05",
    )
    assert key not in run.stdout + run.stderr
    return run.returncode, run.stdout + run.stderr, json.loads(report.read_text(encoding="utf-8"))


def ids(report: dict[str, Any]) -> list[int]:
    return [row["pledge_id"] for row in report["rows"] if row["accepted"]]


def test_keys_then_a_file_submitted_twice_never_duplicates(
    env: dict[str, str], server: str, tmp_path: Path
) -> None:
    created = _migov(
        env, "keys", "create", "--name", "CLI test", "--scope", "pledges:write", "--any-pledger"
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("migov_")
    listed = _migov(env, "keys", "list", "--json")
    keys = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(k["name"], k["revoked_at"]) for k in keys] == [("CLI test", None)]
    assert secret not in listed.stdout

    path = tmp_path / "pledges.csv"
    path.write_text(ROWS, encoding="utf-8")
    code, stdout, first = _submit(env, server, secret, path, tmp_path / "first.json")

    assert code == 1  # rows were rejected
    assert (first["accepted"], first["created"], first["rejected"]) == (3, 3, 2)
    rejected = {row["row"]: row["reasons"] for row in first["rows"] if not row["accepted"]}
    assert rejected == {
        3: ["currency: 'ZZZ' is not an ISO 4217 currency code"],
        4: [
            "pledgers.0: no actor matches 'nobody-here'; "
            "did you mean unhcr, leonir-chiarello, ana-mercedes-saiz?"
        ],
    }
    assert "rejected row 3 (line 4), status 422:" in stdout
    assert "accepted row 5 (line 6)" in stdout
    assert "5 row(s): 3 accepted (3 created, 0 already stored), 2 rejected, 0 not sent" in stdout

    code, stdout, second = _submit(env, server, secret, path, tmp_path / "second.json")

    assert code == 1
    assert (second["accepted"], second["created"], second["rejected"]) == (3, 0, 2)
    assert ids(second) == ids(first)
    assert all(r["replayed"] for r in second["rows"] if r["accepted"])
    submitted = httpx.get(f"{server}/v1/pledges", params={"curated": "false"}).json()
    assert sorted(p["id"] for p in submitted["items"]) == sorted(ids(first))
    assert {p["title"] for p in submitted["items"]} == {
        "Shelter network",
        "Joint labour pathways",
        "Vehicles for\nborder shelters, north",
    }

    good = tmp_path / "good.json"
    good.write_text(
        json.dumps([{"pledgers": ["CAN"], "forum": "RCM", "kind": "technical", "title": "Good"}]),
        encoding="utf-8",
    )
    code, stdout, only_good = _submit(
        env, server, secret, good, tmp_path / "good-report.json", via_flag=True
    )
    assert code == 0, stdout
    assert (only_good["accepted"], only_good["created"], only_good["rejected"]) == (1, 1, 0)

    revoked = _migov(env, "keys", "revoke", str(keys[0]["id"]))
    assert revoked.returncode == 0
    code, output, third = _submit(env, server, secret, path, tmp_path / "third.json")
    assert code == 3
    assert "stopped: the server refused the API key (401)" in output
    # The first chunk (rows 1-2) was refused; nothing more was sent.
    assert [(r["row"], r["status"], r["sent"]) for r in third["rows"]] == [
        (1, 401, True),
        (2, 401, True),
        (3, None, False),
        (4, None, False),
        (5, None, False),
    ]
    assert (third["accepted"], third["rejected"], third["not_sent"]) == (0, 2, 3)
