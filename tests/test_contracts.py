"""The committed interface documents equal what the code serves."""

from __future__ import annotations

import json
import re

from openapi_spec_validator import validate

from app import contracts
from app.config import Settings


def test_openapi_document_is_current() -> None:
    committed = contracts.OPENAPI_JSON.read_text(encoding="utf-8")
    assert committed == contracts.render_openapi(), "run `make openapi` and commit openapi/"


def test_graphql_schema_is_current() -> None:
    committed = contracts.SCHEMA_GRAPHQL.read_text(encoding="utf-8")
    assert committed == contracts.render_graphql(), "run `make openapi` and commit openapi/"


def test_openapi_document_is_valid() -> None:
    validate(json.loads(contracts.OPENAPI_JSON.read_text(encoding="utf-8")))


def test_the_settings_documents_are_current() -> None:
    for path in (contracts.ENV_EXAMPLE, contracts.DEPLOYING):
        committed = path.read_text(encoding="utf-8")
        assert committed == contracts.documents()[path], f"run `make openapi`: {path.name}"


def test_every_setting_says_what_it_does() -> None:
    assert [name for name, f in Settings.model_fields.items() if not f.description] == []


def test_the_readme_names_the_settings_and_defaults_the_code_has() -> None:
    """Every `MIGOV_*` the README names in a table row is a setting (or a variable of the
    image or the client), and a default it states is the setting's own."""
    readme = (contracts.ROOT / "README.md").read_text(encoding="utf-8")
    known = {contracts.setting_name(n, f): f for n, f in Settings.model_fields.items()}
    outside = {"MIGOV_WORKERS", "MIGOV_API_KEY", "MIGOV_URL", "MIGOV_TEST_DATABASE_URL"}
    outside |= {"MIGOV_BENCH_DATABASE_URL"}
    named = set(re.findall(r"\bMIGOV_[A-Z_]+[A-Z]\b", readme))
    assert named - known.keys() - outside == set()
    for name, default in re.findall(r"^\| `(MIGOV_[A-Z_]+)` \| ([^|]+?) \|", readme, re.MULTILINE):
        assert default.strip("` ") == contracts.setting_default(known[name]), name


def test_the_generated_documents_read_the_same_from_any_checkout() -> None:
    """No generated document names a path of this machine: a default resolved from where
    the repository sits is shown as written, or CI's clone would find every document stale."""
    here = f"{contracts.ROOT.parent}/"
    for path, text in contracts.documents().items():
        assert here not in text, path.name


def test_every_operation_is_summed_up_in_its_own_words() -> None:
    document = json.loads(contracts.render_openapi())
    generated = [
        (path, method, operation["summary"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["summary"]
        == " ".join(word.capitalize() for word in operation["operationId"].split("_"))
        or (operation["summary"].startswith(("Get ", "Head ")) and operation["summary"].istitle())
    ]
    assert generated == []
