"""`migov serve --workers 2`: a scrape of either worker counts the requests of both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live_server import spare_port, wait_until_serving
from tests.test_serve_logs import ROOT

HEALTHZ = re.compile(
    r'^migov_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$', re.M
)
CAPACITY = re.compile(r"^migov_db_pool_capacity (\S+)$", re.M)


def test_two_workers_share_their_metrics(live_database_url: str, tmp_path: Path) -> None:
    port = spare_port(range(8700, 8800))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIGOV_", "PROMETHEUS_"))}
    env |= {
        "MIGOV_DATABASE_URL": live_database_url,
        "MIGOV_LOG_LEVEL": "warning",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            # Until both workers are up: each holds a pool of 15 (10 + 5 overflow).
            wait_until_serving(
                process,
                url,
                path="/metrics",
                ready=lambda answer: CAPACITY.findall(answer.text) == ["30.0"],
                log=log,
            )
            with httpx.Client(base_url=url, timeout=60) as client:  # a bound for a hang
                for _ in range(10):
                    assert client.get("/healthz").status_code == 200
            # A new connection per scrape, so the scrapes spread over the workers.
            scrapes = [httpx.get(f"{url}/metrics", timeout=60).text for _ in range(6)]
        finally:
            process.terminate()
            process.wait(timeout=30)
    counts = [float(HEALTHZ.findall(text)[0]) for text in scrapes]
    # Every scrape, whichever worker answered it, sees all the requests made before it.
    assert min(counts) >= 10
    assert counts == sorted(counts)
    assert all(float(CAPACITY.findall(text)[0]) == 30 for text in scrapes)
