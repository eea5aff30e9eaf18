"""The operator CLI from any directory: where its database is, what it says when that
database or the server is not there, and what its help tells.

Each command runs as an operator runs it, ``python -m app`` in a fresh process, from a
directory that is not the repository's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import REPO_ROOT, Settings
from tests.live_server import spare_port

ROOT = Path(__file__).resolve().parents[1]
ROWS = "pledgers,forum,kind,title\nCAN,RCM,policy_legal,A pledge\n"


def _migov(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}


def test_a_relative_sqlite_path_is_read_from_the_repository() -> None:
    relative = Settings(_env_file=None, database_url="sqlite+aiosqlite:///./var/some.db")
    absolute = Settings(_env_file=None, database_url="sqlite+aiosqlite:////tmp/some.db")
    memory = Settings(_env_file=None, database_url="sqlite+aiosqlite://")

    assert relative.database_url == f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'some.db'}"
    assert absolute.database_url == "sqlite+aiosqlite:////tmp/some.db"
    assert memory.database_url == "sqlite+aiosqlite://"
    assert Path(Settings(_env_file=None).export_dir) == REPO_ROOT / "var" / "exports"


def test_keys_work_from_another_directory(
    live_database_url: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "MIGOV_DATABASE_URL": live_database_url}
    created = _migov(
        env, tmp_path, "keys", "create", "--name", "elsewhere", "--scope", "pledges:write",
        "--pledger", "CAN",
    )  # fmt: skip
    listed = _migov(env, tmp_path, "keys", "list")

    assert created.returncode == 0, created.stderr
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split()[:3] == ["id", "prefix", "state"]
    assert "may pledge for" in header
    assert any("elsewhere" in line for line in lines)


def test_a_missing_database_is_one_line_and_no_empty_file(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "migov.db"
    env = {**clean_env, "MIGOV_DATABASE_URL": f"sqlite+aiosqlite:///{missing}"}

    run = _migov(env, tmp_path, "keys", "create", "--name", "x", "--scope", "pledges:write")

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert f"no database at {missing}" in run.stderr
    assert "migov migrate" in run.stderr
    assert len(run.stderr.splitlines()) <= 3
    assert not missing.exists()
    assert not missing.parent.exists()


def test_an_unmigrated_database_is_told_without_a_traceback(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    env = {**clean_env, "MIGOV_DATABASE_URL": f"sqlite+aiosqlite:///{empty}"}

    run = _migov(env, tmp_path, "keys", "list")

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "migov migrate" in run.stderr


def test_version_and_help(clean_env: dict[str, str], tmp_path: Path) -> None:
    from app import __version__

    version = _migov(clean_env, tmp_path, "--version")
    top = _migov(clean_env, tmp_path, "--help")
    submit = _migov(clean_env, tmp_path, "pledges", "submit", "--help")

    assert (version.returncode, version.stdout.strip()) == (0, f"migov {__version__}")
    assert top.returncode == 0
    assert "``" not in top.stdout
    assert submit.returncode == 0
    for column in ("pledgers", "forum", "event", "kind", "amount", "currency", "announced_on",
                   "title", "gcm_objectives", "external_ref"):  # fmt: skip
        assert column in submit.stdout, column
    assert "4 the server" in " ".join(submit.stdout.split())


def test_an_unreachable_server_is_not_a_rejection(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    rows = tmp_path / "pledges.csv"
    rows.write_text(ROWS, encoding="utf-8")
    port = spare_port(range(8900, 8999))  # nothing listens there
    env = {**clean_env, "MIGOV_API_KEY": "mgv_nothing"}

    run = _migov(
        env, tmp_path, "pledges", "submit", str(rows), "--url", f"http://127.0.0.1:{port}",
        "--retries", "1", "--backoff", "0",
    )  # fmt: skip

    assert run.returncode == 4, run.stdout + run.stderr
    assert "could not reach the server" in run.stderr
    assert "rejected row" not in run.stdout
    assert "status None" not in run.stdout + run.stderr
    assert "1 not sent" in run.stdout


@pytest.mark.parametrize("name", ["pledges.xlsx", "pledges-saved-as-xlsx.csv"])
def test_a_spreadsheet_workbook_is_refused_in_words(
    clean_env: dict[str, str], tmp_path: Path, name: str
) -> None:
    workbook = tmp_path / name
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip, as .xlsx files are
    env = {**clean_env, "MIGOV_API_KEY": "mgv_nothing"}

    run = _migov(env, tmp_path, "pledges", "submit", str(workbook), "--url", "http://127.0.0.1:9")

    assert run.returncode == 2
    assert "spreadsheet workbook" in run.stderr
    assert "CSV" in run.stderr
    assert "JSON" in run.stderr
    assert "not valid JSON" not in run.stderr
