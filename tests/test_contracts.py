"""The committed interface documents equal what the code serves."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from app import contracts


def test_openapi_document_is_current() -> None:
    committed = contracts.OPENAPI_JSON.read_text(encoding="utf-8")
    assert committed == contracts.render_openapi(), "run `make openapi` and commit openapi/"


def test_graphql_schema_is_current() -> None:
    committed = contracts.SCHEMA_GRAPHQL.read_text(encoding="utf-8")
    assert committed == contracts.render_graphql(), "run `make openapi` and commit openapi/"


def test_openapi_document_is_valid() -> None:
    validate(json.loads(contracts.OPENAPI_JSON.read_text(encoding="utf-8")))
