"""Executing a query without graphql-core's per-field machinery for plain fields.

A page of 100 pledges asks for about 1,300 fields, and nearly nine in ten of them are
plain: read off the object strawberry built, with no resolver of ours and no arguments.
graphql-core runs each through the whole path any field takes: a resolve info built,
argument values looked up, the resolver called through strawberry's wrapper, the value
completed through the type dispatch of ``complete_value``. ``LeanExecutionContext``
takes three kinds of field a shorter way:

- a leaf (a scalar or an enum, or a list of them): the attribute strawberry's basic
  resolver reads (``_reader``), then the same ``coerce_output_value`` of its type, in
  one step;
- an object, or a list of objects (``edges``, ``node``, ``pledgers``, a participation's
  ``actor``): the object's selection executed on each value at the same path, with an
  error met there handled at the same place, as ``execute_field`` and
  ``complete_value`` do, without building a resolve info for the field;
- a leaf whose resolver is marked ``context_only`` (``name(lang:)``, ``description(lang:)``):
  its arguments read and converted, and its ``Info`` built, once for all the values of
  the field in one request, then the resolver called directly on each value.

Anything else is graphql-core's own path, unchanged: a field with any other resolver,
``__typename``, a field carrying a directive other than ``@skip``/``@include``
(those are applied before execution), an object type that checks ``is_type_of``, and any
value that would not complete cleanly (null where none may be, a value its type refuses,
an exception, an awaitable, a list that is not a list or tuple). Such a field is then
executed by graphql-core from the start, before anything of it has run, so its error,
its path and the nulls it spreads are graphql-core's; reading a plain attribute twice
has no effect of its own, and a ``context_only`` resolver promises the same.
``tests/graphql/test_lean_execution.py`` checks that the answers, errors included, are
byte for byte graphql-core's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments

# What a leaf's completion returns when graphql-core must execute the field instead.
_SLOW: Any = object()
# Directives applied while collecting fields, before any is executed.
_COLLECTION_DIRECTIVES = frozenset({"skip", "include"})
# Where strawberry keeps a GraphQL field's own definition (its ``StrawberryField``).
_DEFINITION = "strawberry-definition"

Complete = Callable[[Any], Any]
Resolver = TypeVar("Resolver", bound=Callable[..., Any])


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


@dataclass(frozen=True, slots=True)
class Objects:
    """A plain field whose type is an object type, or a list of one, that graphql-core
    would complete by executing the object's selection on each value."""

    field_type: GraphQLOutputType  # as declared, non-null and list wrappers included
    object_type: GraphQLObjectType
    non_null: bool
    item_type: GraphQLOutputType | None  # for a list: its item type as declared
    item_non_null: bool


def _objects(output_type: GraphQLOutputType) -> Objects | None:
    non_null = isinstance(output_type, GraphQLNonNull)
    inner = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    if isinstance(inner, GraphQLObjectType):
        # A type with ``is_type_of`` (an interface's implementation) asks it of each value:
        # graphql-core's to do.
        if inner.is_type_of is None:
            return Objects(output_type, inner, non_null, None, False)
        return None
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        item_non_null = isinstance(item_type, GraphQLNonNull)
        item = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if isinstance(item, GraphQLObjectType) and item.is_type_of is None:
            return Objects(output_type, item, non_null, item_type, item_non_null)
    return None


def _reader(field_def: GraphQLField) -> Callable[[Any], Any]:
    """What strawberry's basic resolver does for ``field_def`` (``StrawberryField.
    get_result`` without a resolver: the configured default resolver, ``getattr`` unless
    configured otherwise, given the field's Python name), without the two calls around
    it."""
    field = (field_def.extensions or {}).get(_DEFINITION)
    resolve = field_def.resolve
    assert resolve is not None
    if field is None or not field.is_basic_field or not isinstance(field.python_name, str):
        return lambda source: resolve(source, None)
    name, default = field.python_name, field.default_resolver
    if default is getattr and "." not in name:
        return attrgetter(name)
    return lambda source: default(source, name)


CONTEXT_ONLY = "__migov_context_only__"


def context_only(resolver: Resolver) -> Resolver:
    """Mark a resolver ``(self, info, **arguments)`` returning a leaf that reads nothing of
    ``info`` but ``info.context``, and may be called twice with the same outcome (what it
    notes on the context, it notes idempotently).

    For the values of one field of one request, the lean path then converts the field's
    arguments and builds its ``Info`` once (the first value's), and calls the resolver
    directly for each value: a forum's 2,700 participants ask their actors' ``name`` with
    the same arguments 2,700 times. No exception handler of the schema and no field
    extension may apply to such a field (the lean path leaves the field to graphql-core
    when one does)."""
    setattr(resolver, CONTEXT_ONLY, True)
    return resolver


@dataclass(slots=True)
class ContextOnly:
    """A field whose resolver is marked ``context_only``: its leaf completion, and, once
    the first value has bound it, the call each value makes (False when binding failed:
    graphql-core then executes every value, and reports what failed)."""

    field_def: GraphQLField
    field: Any  # strawberry's StrawberryField
    info_name: str
    complete: Complete
    call: Callable[[Any], Any] | bool | None = None


# One plan per selection set: (response name, its fields, the plain field's resolver, and
# how to complete it: a leaf's completion, an object's shape, a context-only resolver; or
# None for graphql-core).
Step = tuple[str, Any, Callable[..., Any] | None, Complete | Objects | ContextOnly | None]


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, taking plain fields the short way (module docstring)."""

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
            complete: Complete | Objects | ContextOnly | None = None
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            plain_nodes = all(
                all(
                    directive.name.value in _COLLECTION_DIRECTIVES
                    for directive in details.node.directives or ()
                )
                for details in field_details_list
            )
            if field_def is not None and plain_nodes:
                if (
                    not field_def.args
                    and _is_basic(field_def.resolve)
                    and not any(details.node.arguments for details in field_details_list)
                ):
                    complete = _leaf_completion(field_def.type) or _objects(field_def.type)
                    if complete is not None:
                        resolve = _reader(field_def)
                else:
                    complete = self._context_only(field_def)
            steps.append((response_name, field_details_list, resolve, complete))
        plan = steps if any(step[3] is not None for step in steps) else None
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _context_only(self, field_def: GraphQLField) -> ContextOnly | None:
        """The field's ``ContextOnly`` shape when its resolver is marked ``context_only``
        and nothing else of strawberry's applies to it; else None."""
        field: Any = (field_def.extensions or {}).get(_DEFINITION)
        resolver = getattr(field, "base_resolver", None)
        if (
            resolver is None
            or not getattr(resolver.wrapped_func, CONTEXT_ONLY, False)
            or field.extensions
            or field.is_async
            or resolver.self_parameter is None
            or resolver.parent_parameter is not None
            or resolver.root_parameter is not None
            or resolver.info_parameter is None
            or self._strawberry.exception_handlers
        ):
            return None
        complete = _leaf_completion(field_def.type)
        if complete is None:
            return None
        return ContextOnly(field_def, field, resolver.info_parameter.name, complete)

    @property
    def _strawberry(self) -> Any:
        return self.schema._strawberry_schema  # type: ignore[attr-defined]

    def _bind(
        self,
        shape: ContextOnly,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
    ) -> Callable[[Any], Any] | bool:
        """What strawberry's resolver wrapper does before it calls the resolver (the
        arguments as ``execute_field`` reads them, converted as ``get_arguments`` converts
        them, an ``Info``), done once for every value of this field; False when any of it
        fails."""
        first = field_details_list[0]
        node = first.node
        try:
            raw = (
                get_argument_values(
                    shape.field_def,
                    node,
                    self.variable_values,
                    first.fragment_variable_values,
                    self.hide_suggestions,
                )
                if shape.field_def.args or node.arguments
                else {}
            )
            resolve_info = self.build_resolve_info(
                shape.field_def, [details.node for details in field_details_list], parent_type, path
            )
            converter = self._strawberry.schema_converter
            info = converter.config.info_class(_raw_info=resolve_info, _field=shape.field)
            arguments = convert_arguments(
                raw,
                shape.field.arguments,
                scalar_registry=converter.scalar_registry,
                config=converter.config,
                info=info,
            )
        except Exception:
            return False
        function = shape.field.base_resolver.wrapped_func
        arguments[shape.info_name] = info
        return lambda source: function(source, **arguments)

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
                result = self._short(
                    complete,
                    resolve,
                    source_value,
                    field_details_list,
                    parent_type,
                    path,
                    response_name,
                    position_context,
                )
                if result is _SLOW:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                elif not isinstance(complete, Objects):  # a completed leaf
                    results[response_name] = result
                    continue
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

    def _short(
        self,
        complete: Complete | Objects | ContextOnly | None,
        resolve: Callable[..., Any] | None,
        source_value: Any,
        field_details_list: Any,
        parent_type: GraphQLObjectType,
        path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """The field's value taken the short way (its plan step), or ``_SLOW`` for
        graphql-core's path."""
        if isinstance(complete, Objects):
            assert resolve is not None
            field_path = Path(path, response_name, parent_type.name)
            return self._complete_objects(
                complete, resolve, source_value, field_details_list, field_path, position_context
            )
        if isinstance(complete, ContextOnly):
            if complete.call is None:
                field_path = Path(path, response_name, parent_type.name)
                complete.call = self._bind(complete, parent_type, field_details_list, field_path)
            if complete.call is False:
                return _SLOW
            read, finish = complete.call, complete.complete
        elif complete is not None and resolve is not None:
            read, finish = resolve, complete
        else:
            return _SLOW
        assert callable(read)
        try:
            return finish(read(source_value))
        except Exception:  # graphql-core's path raises it again, located
            return _SLOW

    def _complete_objects(
        self,
        shape: Objects,
        resolve: Callable[..., Any],
        source_value: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A plain object field (or list of objects) completed as ``execute_field`` and
        ``complete_value`` would: the same selection executed on each value, at the same
        path, and an error handled at the same place. ``_SLOW`` before anything has run
        when graphql-core must judge the value: null where none may be, an exception, an
        awaitable, or a list that is not a list or tuple."""
        try:
            value = resolve(source_value)
        except Exception:
            return _SLOW
        if value is None or value is Undefined:
            return _SLOW if shape.non_null else None
        if isinstance(value, Exception) or self.is_awaitable(value):
            return _SLOW
        if shape.item_type is not None:
            if type(value) not in (list, tuple):
                return _SLOW
            for item in value:
                if item is None or item is Undefined:
                    if shape.item_non_null:
                        return _SLOW
                elif isinstance(item, Exception) or self.is_awaitable(item):
                    return _SLOW
        try:
            if shape.item_type is None:
                completed = self.collect_and_execute_subfields(
                    shape.object_type, field_details_list, path, value, position_context
                )
            else:
                completed = self._complete_items(
                    shape, field_details_list, path, value, position_context
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, shape.field_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._await_field(completed, shape.field_type, field_details_list, path)
        return completed

    def _complete_items(
        self,
        shape: Objects,
        field_details_list: Any,
        path: Path,
        items: list[Any] | tuple[Any, ...],
        position_context: Any,
    ) -> Any:
        """``complete_iterable_value`` over items that are objects or null (where null is
        allowed), none of them awaitable, and no ``@stream``."""
        item_type = shape.item_type
        assert item_type is not None
        completed_results: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None or item is Undefined:
                    completed_results.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    completed = self.collect_and_execute_subfields(
                        shape.object_type, field_details_list, item_path, item, position_context
                    )
                    if self.is_awaitable(completed):
                        completed = self._await_field(
                            completed, item_type, field_details_list, item_path
                        )
                        awaitable_indices.append(index)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    completed = None
                completed_results.append(completed)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed_results[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed_results
        return self._gathered(completed_results, awaitable_indices)

    async def _await_field(
        self, completed: Any, field_type: GraphQLOutputType, field_details_list: Any, path: Path
    ) -> Any:
        """``execute_field``'s ``await_completed``: an error met while the selection is
        awaited is handled at this field (or item)."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, field_details_list, path)
            return None

    async def _gathered(self, results: Any, awaitable: list[Any]) -> Any:
        """How ``execute_fields`` (a dict, by field) and ``complete_iterable_value`` (a
        list, by index) await the parts of their results that are awaitable."""
        if len(awaitable) == 1:
            key = awaitable[0]
            results[key] = await results[key]
        else:
            awaited = await gather_with_cancel(*(results[key] for key in awaitable))
            for key, value in zip(awaitable, awaited, strict=True):
                results[key] = value
        return results
