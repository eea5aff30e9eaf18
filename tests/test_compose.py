"""compose.yaml: PostgreSQL, a migrate-and-load job, two migov replicas behind nginx.

``docker compose config`` (or the older ``docker-compose config``) validates it
against the Compose schema where either exists; the structural checks below run
everywhere and hold the file to what docs/deploying.md promises.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx.conf"


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy is not None else None


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    found: dict[str, Any] = document["services"]
    return found


def test_docker_compose_accepts_the_file() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    run = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr


def _replicas(services: dict[str, Any]) -> list[str]:
    return sorted(
        name for name, s in services.items() if "app serve" in " ".join(s.get("command", []))
    )


def test_the_pieces_are_all_there(services: dict[str, Any]) -> None:
    assert {"db", "migrate", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["proxy"]["image"].startswith("nginx:")
    assert len(_replicas(services)) >= 2


def test_long_running_services_have_health_checks(services: dict[str, Any]) -> None:
    long_running = [name for name in services if name != "migrate"]
    assert [name for name in long_running if "healthcheck" not in services[name]] == []
    for name in _replicas(services):
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])


def test_start_order_migrates_before_serving(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert "migrate" in migrate["command"][-1]
    assert "data load" in migrate["command"][-1]
    assert migrate["restart"] == "no"
    for name in _replicas(services):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
    assert {n: c["condition"] for n, c in services["proxy"]["depends_on"].items()} == {
        name: "service_healthy" for name in _replicas(services)
    }


def test_replicas_share_the_database_and_only_the_proxy_is_published(
    services: dict[str, Any],
) -> None:
    for name in [*_replicas(services), "migrate"]:
        env = services[name]["environment"]
        assert "@db:5432/migov" in env["MIGOV_DATABASE_URL"]
        assert env["MIGOV_CACHE"] == "true"  # no channel between replicas: none is needed
    published = sorted(name for name, s in services.items() if s.get("ports"))
    assert published == ["proxy"]


def test_the_proxy_sends_to_every_replica_and_hides_metrics(services: dict[str, Any]) -> None:
    config = NGINX.read_text(encoding="utf-8")
    upstreams = re.findall(r"^\s*server\s+([\w-]+):8000\b", config, re.MULTILINE)
    assert sorted(upstreams) == _replicas(services)
    assert re.search(r"location = /metrics \{\s*return 404;", config)
    mount = services["proxy"]["volumes"][0]
    assert mount.startswith("./deploy/nginx.conf:")
