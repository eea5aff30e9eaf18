"""``ReadModel.trusted`` builds the same model ``model_construct`` does, faster."""

from __future__ import annotations

from typing import Any

import pytest

from app.models.enums import ActorKind
from app.schemas.actor import ActorRead, ActorRef
from app.schemas.common import CitationRead


def test_every_field_given_builds_what_model_construct_builds() -> None:
    values: dict[str, Any] = {"id": "CAN", "iso3": "CAN", "name": "Canada", "kind": ActorKind.STATE}
    fast = ActorRef.trusted(**values)
    slow = ActorRef.model_construct(**values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set == set(values)
    # The values are the model's own, not shared with the caller's dict.
    values["name"] = "changed"
    assert fast.name == "Canada"


def test_a_field_left_out_takes_its_default_as_model_construct_gives_it() -> None:
    values: dict[str, Any] = {
        "id": "CAN",
        "iso3": "CAN",
        "name": "Canada",
        "kind": ActorKind.STATE,
        "short_name": None,
        "forum": None,
        "website": None,
        "citations": [CitationRead.trusted(source_id="s", locator="p. 1")],
    }
    built = ActorRead.trusted(**values)  # certainty left out: it defaults to None
    assert built.certainty is None
    assert built == ActorRead.model_construct(**values)
    assert "certainty" not in built.model_fields_set


def test_by_position_builds_what_trusted_builds_from_one_value_per_field() -> None:
    build = ActorRef.by_position()
    fields = list(ActorRef.model_fields)
    values: list[Any] = ["CAN", "CAN", "Canada", ActorKind.STATE]
    assert len(values) == len(fields)
    built = build(*values)
    named = ActorRef.trusted(**dict(zip(fields, values, strict=True)))
    assert built == named
    assert built.model_dump_json() == named.model_dump_json()
    assert built.model_fields_set == named.model_fields_set
    # Two models built alike share nothing mutable.
    other = build(*values)
    other.model_fields_set.discard("name")
    assert "name" in built.model_fields_set


@pytest.mark.parametrize(
    "values",
    [["CAN", "CAN", "Canada"], ["CAN", "CAN", "Canada", ActorKind.STATE, "x"]],
    ids=["too few", "too many"],
)
def test_by_position_refuses_a_value_too_many_or_too_few(values: list[Any]) -> None:
    with pytest.raises(ValueError, match="zip"):
        ActorRef.by_position()(*values)
