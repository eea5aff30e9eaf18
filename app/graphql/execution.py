"""Executing a query without graphql-core's per-field machinery for plain leaf fields.

A page of 100 pledges asks for about 1,300 fields, and more than eight in ten of them are
plain leaves: a scalar or an enum (or a list of them) read off the object strawberry
built, with no resolver of ours and no arguments. graphql-core runs each of those
through the whole path any field takes: a resolve info built, argument values looked
up, the resolver called through strawberry's wrapper, the value completed through the
type dispatch of ``complete_value``. ``LeanExecutionContext`` answers such a field in
one step: the same basic resolver, then the same ``coerce_output_value`` of its type.

Anything else is graphql-core's own path, unchanged: a field with a resolver or
arguments, an object or a list of objects, ``__typename``, a field carrying a directive
other than ``@skip``/``@include`` (those are applied before execution), and any value
that would not complete cleanly (null in a non-null field, a value its type refuses, an
exception, an awaitable). Such a field is then executed again by graphql-core from the
start, so its error, its path and the nulls it spreads are graphql-core's, as before;
reading a plain attribute twice has no effect of its own. ``tests/graphql/
test_lean_execution.py`` checks that the answers, errors included, are byte for byte
graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# What a leaf's completion returns when graphql-core must execute the field instead.
_SLOW: Any = object()
# Directives applied while collecting fields, before any is executed.
_COLLECTION_DIRECTIVES = frozenset({"skip", "include"})

Complete = Callable[[Any], Any]


def _leaf_completion(output_type: GraphQLOutputType) -> Complete | None:
    """How to complete a value of ``output_type`` as ``complete_value`` would, or None
    when the type is not a leaf or a list of leaves."""
    if isinstance(output_type, GraphQLNonNull):
        inner = _leaf_completion(output_type.of_type)
        if inner is None:
            return None

        def non_null(value: Any) -> Any:
            completed = _SLOW if value is None else inner(value)
            return _SLOW if completed is None else completed

        return non_null
    if isinstance(output_type, GraphQLList):
        item = _leaf_completion(output_type.of_type)
        if item is None:
            return None

        def listed(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            # Lists and tuples only: generators, async iterables and strings are
            # graphql-core's to judge.
            if type(value) not in (list, tuple):
                return _SLOW
            completed = [item(each) for each in value]
            return _SLOW if any(each is _SLOW for each in completed) else completed

        return listed
    if isinstance(output_type, GraphQLScalarType | GraphQLEnumType):
        coerce = output_type.coerce_output_value

        def leaf(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, Exception):
                return _SLOW
            coerced = coerce(value)
            return _SLOW if coerced is Undefined or coerced is None else coerced

        return leaf
    return None


def _is_basic(resolve: Any) -> bool:
    """strawberry's resolver for a field with no resolver, permission or extension of its
    own: it reads the attribute and ignores the resolve info."""
    return (
        getattr(resolve, "_is_default", False) is True
        and getattr(resolve, "__name__", "") == "_get_basic_result"
    )


# One plan per selection set: (response name, its fields, the leaf's resolver and
# completion, or None for graphql-core's path).
Step = tuple[str, Any, Callable[..., Any] | None, Complete | None]


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, answering plain leaf fields in one step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the selection set's identity; the set itself is kept alive beside its
        # plan, so its id cannot be reused while this request runs.
        self._plans: dict[tuple[str, int], tuple[Any, list[Step] | None]] = {}
        manager = self.middleware_manager
        self._lean = manager is None or not manager.middlewares

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Step] | None:
        key = (parent_type.name, id(grouped_field_set))
        known = self._plans.get(key)
        if known is not None:
            return known[1]
        steps: list[Step] = []
        for response_name, field_details_list in grouped_field_set.items():
            resolve: Callable[..., Any] | None = None
            complete: Complete | None = None
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            if (
                field_def is not None
                and not field_def.args
                and _is_basic(field_def.resolve)
                and all(
                    not details.node.arguments
                    and all(
                        directive.name.value in _COLLECTION_DIRECTIVES
                        for directive in details.node.directives or ()
                    )
                    for details in field_details_list
                )
            ):
                complete = _leaf_completion(field_def.type)
                if complete is not None:
                    resolve = field_def.resolve
            steps.append((response_name, field_details_list, resolve, complete))
        plan = steps if any(step[3] is not None for step in steps) else None
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set) if self._lean else None
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, resolve, complete in plan:
                if resolve is not None and complete is not None:
                    try:
                        completed = complete(resolve(source_value, None))
                    except Exception:  # graphql-core's path raises it again, located
                        completed = _SLOW
                    if completed is not _SLOW:
                        results[response_name] = completed
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    async def _gathered(self, results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        """``execute_fields``'s own way of awaiting the fields that are awaitable."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results
