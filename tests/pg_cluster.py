"""A throwaway PostgreSQL cluster for fault tests: initdb, start, stop, kill, start again.

Fault tests stop and kill their database on purpose, so they never touch the
machine's shared server: each builds a cluster of its own with the machine's
PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``), in a scratch
directory, listening on a spare loopback port in 55400-55499. PostgreSQL refuses
to run as root, so under root the cluster belongs to the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.live_server import spare_port

PORTS = range(55400, 55500)


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries on the machine; an error if there are none."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")


class Cluster:
    """One scratch cluster; ``url`` reaches its ``postgres`` database as superuser."""

    def __init__(self, ports: range = PORTS) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="migov-pg-"))
        self.data = self.root / "data"
        self.port = spare_port(ports)
        self._as_postgres = os.geteuid() == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    def init_replica_of(self, primary: Cluster) -> None:
        """A streaming standby of ``primary``: a base backup with ``-R`` (standby.signal and
        primary_conninfo written for it). initdb's pg_hba trusts loopback replication."""
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "-X", "stream", "-R", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=on -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast`` disconnects clients and shuts down cleanly; ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def destroy(self) -> None:
        if self.data.exists() and self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted afterwards whatever happens."""
    started = Cluster()
    try:
        started.init()
        started.start()
        yield started
    finally:
        started.destroy()


def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.05)
    return False
