"""``ReadModel.trusted`` builds the same model ``model_construct`` does, faster."""

from __future__ import annotations

from typing import Any

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
