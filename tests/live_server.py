"""A real migov server in a child process, on a spare loopback port in 8400-8499.

Fault tests need what the in-process ASGI client cannot give: a process that can
be SIGKILLed, real sockets, a pool that outlives a database restart.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from tests.app_settings import LOADED_MACHINE_WAITS, environment

PORTS = range(8400, 8500)
ROOT = Path(__file__).resolve().parents[1]


def spare_port(ports: range = PORTS) -> int:
    """A free loopback port of ``ports``, tried in random order: two suites on one
    machine rarely reach for the same port between the probe and the bind."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no spare loopback port in {ports.start}-{ports.stop - 1}")


def wait_until_serving(
    process: subprocess.Popen[Any],
    base_url: str,
    *,
    path: str = "/healthz",
    ready: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200,
    log: Path | None = None,
    timeout: float = 180,  # a machine loaded by other runs starts slowly
) -> None:
    """Poll ``base_url + path`` until ``ready`` holds for its answer. A server that
    exits fails at once, with the end of its ``log``; one that never gets ready
    fails after ``timeout`` seconds (a bound for a hung start, not a speed check)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log else ""
            raise RuntimeError(f"the server exited ({process.returncode}): {tail}")
        with contextlib.suppress(httpx.HTTPError):
            if ready(httpx.get(base_url + path, timeout=2)):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not get ready at {base_url}{path}")
        time.sleep(0.2)


class Server:
    ports = PORTS  # a test with a range of its own subclasses and sets this

    def __init__(
        self,
        database_url: str,
        log: Path,
        *,
        workers: int = 1,
        waits: Mapping[str, float] = LOADED_MACHINE_WAITS,
        **settings: str,
    ) -> None:
        """A server for ``database_url`` with production's settings but ``waits`` (a
        loaded machine's, unless a test about faults asks for production's with
        ``waits={}``), and ``settings`` over both."""
        self.workers = workers
        self.port = spare_port(self.ports)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "MIGOV_DATABASE_URL": database_url,
            "MIGOV_LOG_LEVEL": "warning",
            **environment(waits),
            **environment(settings),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_until_serving(self.process, self.base_url, log=self.log)
        except RuntimeError:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def serving(
    database_url: str,
    log: Path,
    *,
    workers: int = 1,
    waits: Mapping[str, float] = LOADED_MACHINE_WAITS,
    **settings: str,
) -> Iterator[Server]:
    server = Server(database_url, log, workers=workers, waits=waits, **settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def gauge(metrics: str, name: str) -> float:
    """The value of gauge ``name`` in a ``/metrics`` text (its first series)."""
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", metrics, re.MULTILINE)
    assert match is not None, metrics[:500]
    return float(match.group(1))
