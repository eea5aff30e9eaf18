"""`migov serve` says where to open the browser on stdout, and logs to stderr: one JSON
object per line when stderr is not a terminal (each access line with its request id),
readable lines on a terminal."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from app import __version__
from app.config import Settings
from app.telemetry.logs import resolved_format
from tests.live_server import spare_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]


def test_serve_logs_json_lines_with_request_ids(live_database_url: str, tmp_path: Path) -> None:
    port = spare_port(range(8700, 8800))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}
    # No MIGOV_LOG_FORMAT: `auto`, and stderr is a file, so JSON.
    env |= {"MIGOV_DATABASE_URL": live_database_url}
    stderr_path = tmp_path / "stderr.log"
    stdout_path = tmp_path / "stdout.log"
    with stderr_path.open("w") as stderr, stdout_path.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stderr=stderr,
            stdout=stdout,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(process, url, log=stderr_path)
            response = httpx.get(f"{url}/v1/forums/MIRPS", headers={"X-Request-ID": "live-1"})
            assert response.headers["X-Request-ID"] == "live-1"
        finally:
            process.terminate()
            process.wait(timeout=15)
    lines = [json.loads(line) for line in stderr_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "migov.access"]
    assert {k: v for k, v in access[-1].items() if k not in ("time", "duration_ms")} == {
        "level": "INFO",
        "logger": "migov.access",
        "message": "GET /v1/forums/MIRPS 200",
        "request_id": "live-1",
        "method": "GET",
        "path": "/v1/forums/MIRPS",
        "status": 200,
        "api_key": None,
        "client": "127.0.0.1",
    }
    # uvicorn's own lines (startup, shutdown) are JSON too, outside any request.
    assert any(
        line["logger"].startswith("uvicorn") and line["request_id"] is None for line in lines
    )
    # Nothing an operator does not act on, and no terminal colours inside JSON.
    assert not [line for line in lines if line["logger"].startswith("alembic")]
    assert not [line for line in lines if "color_message" in line]
    assert "\x1b" not in stderr_path.read_text()
    # The address to open, plainly, first.
    assert (
        stdout_path.read_text()
        .splitlines()[0]
        .startswith(f"migov {__version__}: open http://127.0.0.1:{port}/ in a browser")
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_logs_read_as_text_on_a_terminal_and_json_elsewhere() -> None:
    assert resolved_format("auto", _Terminal()) == "text"
    assert resolved_format("auto", io.StringIO()) == "json"
    assert resolved_format("json", _Terminal()) == "json"
    assert resolved_format("text", io.StringIO()) == "text"
    assert Settings(_env_file=None).log_format == "auto"
