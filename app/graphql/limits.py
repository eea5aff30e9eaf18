"""Limits that refuse an abusive GraphQL request cheaply, before it runs.

strawberry's own extensions bound the document (``MaxTokensLimiter``) and its aliases
(``MaxAliasesLimiter``), and turn introspection off (``DisableIntrospection``); the
subclasses here only add the stable ``extensions.code`` of each refusal. The depth is
bounded by a rule of our own with strawberry's measure (``depth_rule``). ``QueryCostLimiter`` estimates what
a query may resolve and refuses it above a maximum:

* a scalar field costs nothing; an object field costs 1, times the items it may
  return, plus what its selection costs for each of them;
* the ``edges`` of a connection return ``first`` items (the argument's value,
  from a literal or a variable, else its default page size);
* a nested list given a ``first`` argument (``Forum.pledges(first: 500)``)
  returns ``first`` items;
* any other list (``Forum.participants``) is assumed to return ``list_estimate``
  items, since nested lists are unpaged so that loaders can batch them;
* what the database must scan rather than return is counted by that work: a
  ``totalCount`` counts every row its list matches (``COUNT_COST``), and an
  aggregation (``pledgeSummary``, ``moneyRecordSummary``, ``datasetMeta``) reads
  every row of its tables (``AGGREGATE_COST``), however few groups it answers.
  Thirty aliased ``pledgeSummary`` fields were estimated at 300 and ran 8.9 s; they
  now cost 750,300 and are refused before they run, while the dashboard's page
  (``datasetMeta`` and two summaries) costs about 75,000.

So ``forums(first: 100) { edges { node { participants { actor { name } } } } }``
costs 1 + 100 * (1 + 1 + 10 * (1 + 1)) = 2201.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    parse,
)
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType as StrawberryOperation

# What a field that scans rather than returns costs (see the module docstring): a count
# of a list's rows, and an aggregation over whole tables; at the default maximum cost of
# 250,000 a document holds at most ten aggregations or twenty-five counts.
COUNT_COST = 10_000
AGGREGATE_COST = 25_000
AGGREGATES = frozenset({"pledgeSummary", "moneyRecordSummary", "datasetMeta"})
QUERY_TOO_DEEP = "query_too_deep"
DOCUMENT_TOO_LONG = "document_too_long"
TOO_MANY_ALIASES = "too_many_aliases"
TOO_MANY_TOKENS = "too_many_tokens"
QUERY_TOO_COSTLY = "query_too_costly"
INTROSPECTION_DISABLED = "introspection_disabled"
INVALID_PARAMETER = "invalid_parameter"
NUL_REFUSED = "An argument holds a NUL character (\\u0000), which no argument of a query accepts."


def with_code(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """``rule``, with ``extensions.code`` set on every error it reports.

    A rule reports either while it is built (strawberry's limiters check the whole
    document in ``__init__``) or while it visits (graphql-core's rules); both pass
    through the validation context's ``on_error``.
    """

    def coded(error: GraphQLError) -> GraphQLError:
        error.extensions = {**(error.extensions or {}), "code": code}
        return error

    class CodedRule(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            # graphql-core itself installs on_error by assignment (validation_context.py).
            report = context.on_error
            context.on_error = lambda error: report(coded(error))  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                context.on_error = report  # type: ignore[method-assign]

        def report_error(self, error: GraphQLError) -> None:
            super().report_error(coded(error))

    CodedRule.__name__ = f"Coded{rule.__name__}"
    return CodedRule


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """A document's depth, bounded as strawberry's ``QueryDepthLimiter`` bounds it (the
    same measure, the same message), without its two faults on documents graphql-core
    accepts: an empty selection set (``{ }``, ``node { }``: valid since graphql-core 3.3)
    made it fail with "max() arg is an empty sequence", and a spread of an unknown
    fragment with a bare ``KeyError``; both were answered as an error with no code. A
    selection set with nothing in it adds no depth; an unknown fragment adds none either,
    and graphql-core's ``KnownFragmentNames`` refuses it."""

    class DepthLimitRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for definition in definitions:
                if isinstance(definition, OperationDefinitionNode):
                    name = definition.name.value if definition.name else "anonymous"
                    self._depth(definition, fragments, 0, name, frozenset())

        def _depth(
            self,
            node: Any,
            fragments: Mapping[str, FragmentDefinitionNode],
            so_far: int,
            operation: str,
            visited: frozenset[str],
        ) -> int:
            if so_far > max_depth:
                self.report_error(
                    GraphQLError(
                        f"'{operation}' exceeds maximum operation depth of {max_depth}", [node]
                    )
                )
                return so_far
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if fragment is None or node.name.value in visited:
                    return 0
                return self._depth(
                    fragment, fragments, so_far, operation, visited | {node.name.value}
                )
            if isinstance(node, FieldNode):
                # Introspection fields (``__schema``, ``__typename``) add no depth.
                if node.name.value.startswith("__") or node.selection_set is None:
                    return 0
                return 1 + max(
                    (
                        self._depth(child, fragments, so_far + 1, operation, visited)
                        for child in node.selection_set.selections
                    ),
                    default=0,
                )
            return max(
                (
                    self._depth(child, fragments, so_far, operation, visited)
                    for child in node.selection_set.selections
                ),
                default=0,
            )

    return with_code(DepthLimitRule, QUERY_TOO_DEEP)


class AliasLimit(MaxAliasesLimiter):
    def __init__(self, max_alias_count: int) -> None:
        super().__init__(max_alias_count=max_alias_count)
        self.validation_rules = [with_code(r, TOO_MANY_ALIASES) for r in self.validation_rules]


class NoIntrospection(DisableIntrospection):
    def __init__(self) -> None:
        super().__init__()
        self.validation_rules = [
            with_code(r, INTROSPECTION_DISABLED) for r in self.validation_rules
        ]


class TokenLimit(MaxTokensLimiter):
    """The parser stops at ``max_token_count`` tokens (comments included) and refuses a
    document longer than ``max_length`` characters before reading it, so a few tokens
    padded with a megabyte of comment or string are refused too; the syntax errors get
    the ``too_many_tokens`` and ``document_too_long`` codes."""

    def __init__(self, max_token_count: int, max_length: int) -> None:
        super().__init__(max_token_count=max_token_count)
        self.max_length = max_length

    def on_operation(self) -> Iterator[None]:
        # strawberry hands every parse option to graphql-core's parse(); its TypedDict
        # names only max_tokens.
        self.execution_context.parse_options["max_source_length"] = self.max_length  # type: ignore[typeddict-unknown-key]
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        yield
        codes = {
            f"more than {self.max_token_count} tokens": TOO_MANY_TOKENS,
            f"more than {self.max_length} code points": DOCUMENT_TOO_LONG,
        }
        for error in self.execution_context.pre_execution_errors or ():
            if not isinstance(error, GraphQLSyntaxError):
                continue
            for marker, code in codes.items():
                if marker in error.message:
                    error.extensions = {**(error.extensions or {}), "code": code}


class QueryCostLimiter(SchemaExtension):
    """Refuse, before anything runs, an operation whose estimated cost exceeds ``max_cost``.

    It runs after validation (which the schema caches per document), on valid
    documents only, because the cost depends on the variables (``first: $n``).
    """

    def __init__(self, max_cost: int, list_estimate: int) -> None:
        self.max_cost = max_cost
        self.list_estimate = list_estimate

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            estimator = CostEstimator(
                context.schema._schema, document, self.list_estimate, context.variables or {}
            )
            errors = [
                error
                for definition in document.definitions
                if isinstance(definition, OperationDefinitionNode)
                and (error := self._refusal(estimator, definition)) is not None
            ]
            if errors:
                context.pre_execution_errors = errors
        yield

    def _refusal(
        self, estimator: CostEstimator, definition: OperationDefinitionNode
    ) -> GraphQLError | None:
        root = estimator.schema.get_root_type(definition.operation)
        if root is None:
            return None
        cost = estimator.cost(definition.selection_set, root, page=None)
        if cost <= self.max_cost:
            return None
        return GraphQLError(
            f"The query's estimated cost is {cost}, over the limit of "
            f"{self.max_cost}; ask for smaller pages or fewer nested lists.",
            definition,
            extensions={"code": QUERY_TOO_COSTLY, "cost": cost, "maxCost": self.max_cost},
        )


class CostEstimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        list_estimate: int,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.list_estimate = list_estimate
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def cost(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        *,
        page: int | None,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, page=page, seen=seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                if target is not None:
                    total += self.cost(selection.selection_set, target, page=page, seen=seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # graphql-core's own rules report unknown and cyclic fragments
                target = self.schema.get_type(fragment.type_condition.name.value)
                if target is not None:
                    total += self.cost(
                        fragment.selection_set, target, page=page, seen=seen | {name}
                    )
        return total

    def _field_cost(
        self, node: FieldNode, parent: GraphQLNamedType, *, page: int | None, seen: frozenset[str]
    ) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        field = parent.fields.get(node.name.value)
        if field is None:
            return 0
        if node.name.value == "totalCount":
            return COUNT_COST
        if node.selection_set is None:
            return 0
        named = get_named_type(field.type)
        if not is_composite_type(named):
            return 0
        scan = AGGREGATE_COST if node.name.value in AGGREGATES else 0
        first = self._first(node, field)
        is_connection = isinstance(named, GraphQLObjectType) and "edges" in named.fields
        items = 1
        if is_list_type(get_nullable_type(field.type)):
            if page is not None:  # the edges of a connection
                items = page
            elif first is not None and any(a.name.value == "first" for a in node.arguments or ()):
                items = first  # a nested list bounded by the client (Forum.pledges(first: 500))
            else:
                items = self.list_estimate
        inner = self.cost(
            node.selection_set, named, page=first if is_connection else None, seen=seen
        )
        return scan + items * (1 + inner)

    def _first(self, node: FieldNode, field: GraphQLField) -> int | None:
        """The page size a field with a ``first`` argument asks for, else None."""
        argument = field.args.get("first")
        if argument is None:
            return None
        value: Any = argument.default_value
        for given in node.arguments or ():
            if given.name.value != "first":
                continue
            if isinstance(given.value, IntValueNode):
                value = int(given.value.value)
            elif isinstance(given.value, VariableNode):
                value = self.variables.get(given.value.name.value, value)
        return max(value, 1) if isinstance(value, int) else 1


# What one token of a document costs once parsed: its AST node with its location and
# token (measured 380-440 bytes per node on the dashboard's and the benchmark's queries).
BYTES_PER_TOKEN = 512


@dataclass
class CachedDocument:
    """A parsed document, its estimated size, and its validation errors once validated."""

    document: DocumentNode
    weight: int
    errors: list[GraphQLError] | None = None


class DocumentCache:
    """Parsed and validated documents by their text, within ``max_bytes`` (estimated).

    A document weighs its text plus ``BYTES_PER_TOKEN`` per token; the least recently
    used go first when a new one would not fit, and one that alone is over a
    quarter of the budget is never kept. Each app has its own, since validation
    depends on the app's rules. Replaces an LRU of 512 documents of any size, where
    750 one-megabyte documents took a worker from 341 MB to 2.1 GB.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, CachedDocument] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> CachedDocument | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode) -> CachedDocument:
        tokens = getattr(document, "token_count", 0) or len(query) // 4
        entry = CachedDocument(document, len(query) + tokens * BYTES_PER_TOKEN)
        if entry.weight > self.max_bytes // 4:
            return entry  # used for this request only
        old = self._entries.pop(query, None)
        if old is not None:
            self.size -= old.weight
        while self._entries and self.size + entry.weight > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.weight
        self._entries[query] = entry
        self.size += entry.weight
        return entry


class CachedParse(SchemaExtension):
    """Parse each distinct document once per ``DocumentCache`` (with the request's parse
    options, the limits among them: a refused document is never parsed whole).

    A document that does not parse is left to strawberry's own parser, which
    reports the syntax error as it always does.
    """

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            entry = self.cache.get(context.query)
            if entry is None:
                with contextlib.suppress(GraphQLError):
                    entry = self.cache.put(
                        context.query, parse(context.query, **context.parse_options)
                    )
            if entry is not None:
                context.graphql_document = entry.document
        yield


class CachedValidation(SchemaExtension):
    """Validate each distinct document once, keeping its errors beside its parse."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.query is not None:
            entry = self.cache.get(context.query)
            if entry is None or entry.document is not document:
                entry = CachedDocument(document, 0)  # parsed elsewhere: validate, keep nothing
            if entry.errors is None:
                entry.errors = list(
                    validate_document(context.schema._schema, document, context.validation_rules)
                )
            context.pre_execution_errors = list(entry.errors)
        yield


class NoNulInQueries(ASTValidationRule):
    """``invalid_parameter`` for a NUL character in a string argument of a query, as REST
    refuses one in the query string: no code, id or filter can hold one, and PostgreSQL
    refuses it where SQLite would look it up. A mutation's text is left to the write's
    own validation, which names the field (``title``), as REST's does."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.in_mutation = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        self.in_mutation = node.operation is OperationType.MUTATION

    def leave_operation_definition(self, *_args: Any) -> None:
        self.in_mutation = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value and not self.in_mutation:
            self.report_error(
                GraphQLError(NUL_REFUSED, node, extensions={"code": INVALID_PARAMETER})
            )


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class NulVariables(SchemaExtension):
    """``NoNulInQueries`` for the variables of a query, which change per request."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if (
            context.graphql_document is not None
            and not context.pre_execution_errors
            and _holds_nul(context.variables)
            and context.operation_type is not StrawberryOperation.MUTATION
        ):
            context.pre_execution_errors = [
                GraphQLError(NUL_REFUSED, extensions={"code": INVALID_PARAMETER})
            ]
        yield


def static_rules(max_depth: int, max_aliases: int, introspection: bool) -> list[Any]:
    """The document-only validation rules, built once so validation can be cached per document."""
    rules: list[Any] = [
        depth_rule(max_depth),
        *AliasLimit(max_alias_count=max_aliases).validation_rules,
        NoNulInQueries,
    ]
    if not introspection:
        rules += NoIntrospection().validation_rules
    return rules
