"""The lean execution context answers exactly what graphql-core's own path answers.

``app.graphql.execution.LeanExecutionContext`` takes plain leaves, plain objects and
lists of objects, and ``context_only`` resolvers a shorter way, and hands everything else
to graphql-core. Its answers are checked here against the same schema executed by
strawberry's own execution context, byte for byte (data and errors):

- random queries over the whole schema (every root field that needs no argument, random
  selections, aliases, repeated fields, fragments, ``@skip``/``@include`` on variables)
  on the curated data, on both engines;
- names and descriptions in both languages, with and without ``lang:``, where English
  stands in for a missing Spanish name;
- a small schema of our own whose values go wrong in every way the short paths must hand
  back (null in a non-null field or item, a value its type refuses, an exception, a
  generator, an awaitable failing, a context-only resolver failing or mistyped), where
  the errors, their paths and the nulls they spread must be graphql-core's.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, cast

import orjson
import pytest
import strawberry
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    is_leaf_type,
)
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.config import Settings
from app.graphql.context import Context
from app.graphql.execution import LeanExecutionContext, context_only
from app.graphql.schema import build_schema
from app.models import Actor
from app.schemas.language import Lang, Language

pytestmark = pytest.mark.anyio


def _answer(result: Any) -> bytes:
    errors = [error.formatted for error in result.errors or []]
    return orjson.dumps({"data": result.data, "errors": errors}, option=orjson.OPT_NON_STR_KEYS)


async def _both(
    schema: strawberry.Schema,
    query: str,
    variables: dict[str, Any] | None,
    context: Callable[[], Any],
) -> tuple[bytes, bytes]:
    """The answer of the lean context and of strawberry's own, one after the other."""
    answers = []
    for execution in (LeanExecutionContext, StrawberryGraphQLCoreExecutionContext):
        schema.execution_context_class = execution
        answers.append(_answer(await schema.execute(query, variables, context_value=context())))
    schema.execution_context_class = LeanExecutionContext
    return answers[0], answers[1]


def test_the_served_schema_executes_leanly(settings: Settings) -> None:
    assert build_schema(settings).execution_context_class is LeanExecutionContext


# --- random queries over the served schema ------------------------------------------------


def _unwrap(output: GraphQLType) -> GraphQLType:
    while isinstance(output, GraphQLNonNull | GraphQLList):
        output = output.of_type
    return output


class _Queries:
    """Random selections over ``schema`` from the root fields that need no argument."""

    def __init__(self, schema: GraphQLSchema, rng: random.Random, depth: int = 4) -> None:
        self.schema = schema
        self.rng = rng
        self.depth = depth
        self.variables: dict[str, bool] = {}
        self.fragments: dict[str, str] = {}

    def _free(self, parent: GraphQLObjectType) -> list[str]:
        return sorted(
            name
            for name, field in parent.fields.items()
            if not any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values())
        )

    def selection(self, parent: GraphQLObjectType, depth: int) -> str:
        names = self._free(parent)
        leaves = [n for n in names if is_leaf_type(_unwrap(parent.fields[n].type))]
        objects = [n for n in names if n not in leaves]
        rng = self.rng
        chosen = rng.sample(leaves, k=min(len(leaves), rng.randint(1, 8)))
        if depth < self.depth and objects:
            # The root's fields are nearly all objects: it asks for one to three of them.
            least = 1 if depth == 1 else 0
            chosen += rng.sample(objects, k=min(len(objects), rng.randint(least, 2 + least)))
        parts = ["__typename"] if rng.random() < 0.2 else []
        for name in chosen:
            parts.append(self.field(parent, name, depth))
            if rng.random() < 0.15:  # the same field twice, merged by graphql-core
                parts.append(self.field(parent, name, depth))
        if rng.random() < 0.2 and leaves:
            fragment = f"f{len(self.fragments)}"
            self.fragments[fragment] = (
                f"fragment {fragment} on {parent.name} {{ {' '.join(rng.sample(leaves, 1))} }}"
            )
            parts.append(f"...{fragment}")
        return "{ " + " ".join(parts) + " }"

    def field(self, parent: GraphQLObjectType, name: str, depth: int) -> str:
        rng = self.rng
        text = name
        if rng.random() < 0.2:
            text = f"a{rng.randrange(1000)}: {name}"
        if rng.random() < 0.15:
            variable = f"v{len(self.variables)}"
            self.variables[variable] = rng.random() < 0.5
            text += f" @{rng.choice(['skip', 'include'])}(if: ${variable})"
        inner = _unwrap(parent.fields[name].type)
        if isinstance(inner, GraphQLObjectType):
            text += " " + self.selection(inner, depth + 1)
        elif not is_leaf_type(inner):  # an interface or union: its typename will do
            text += " { __typename }"
        return text

    def query(self) -> tuple[str, dict[str, bool]]:
        root = self.schema.query_type
        assert root is not None
        body = self.selection(root, 1)
        declared = ", ".join(f"${name}: Boolean!" for name in self.variables)
        head = f"query Q({declared})" if declared else "query Q"
        return " ".join([head, body, *self.fragments.values()]), self.variables


@pytest.fixture
def roomy(settings: Settings) -> Settings:
    """No limit stands between a big random query and its execution."""
    return settings.model_copy(
        update={
            "graphql_max_depth": 50,
            "graphql_max_aliases": 1000,
            "graphql_max_tokens": 100_000,
            "graphql_max_document_length": 1_000_000,
            "graphql_max_cost": 10**12,
        }
    )


@pytest.mark.parametrize("seed", range(40))
async def test_random_queries_answer_as_graphql_core_does(
    seed: int, roomy: Settings, session: AsyncSession
) -> None:
    schema = build_schema(roomy)
    queries = _Queries(schema._schema, random.Random(seed))
    query, variables = queries.query()
    lean, plain = await _both(schema, query, variables, lambda: Context(session, roomy))
    assert lean == plain, query
    assert b'"data":{' in lean, lean[:500]  # the query ran (a refusal has no data)


async def test_every_plain_leaf_of_a_page_of_pledges_answers_as_graphql_core_does(
    roomy: Settings, session: AsyncSession
) -> None:
    """The benchmark's page of pledges and a pledge with every leaf it has."""
    schema = build_schema(roomy)
    pledge = schema._schema.type_map["Pledge"]
    assert isinstance(pledge, GraphQLObjectType)
    leaves = " ".join(
        name
        for name, field in pledge.fields.items()
        if is_leaf_type(_unwrap(field.type)) and not field.args
    )
    query = (
        "{ pledges(first: 100) { totalCount edges { cursor node { "
        + leaves
        + " pledgers { id name } } } pageInfo { hasNextPage endCursor } } }"
    )
    lean, plain = await _both(schema, query, None, lambda: Context(session, roomy))
    assert lean == plain
    assert lean.count(b'"node":') >= 2  # the curated data holds few pledges


@pytest.mark.parametrize("code", ["en", "es"])
async def test_names_in_either_language_answer_as_graphql_core_does(
    code: Lang, roomy: Settings, session: AsyncSession
) -> None:
    """``name(lang:)`` and ``description(lang:)`` resolvers are ``context_only``: the same
    names, and the same note on the answer's language that Spanish fell back to English."""
    schema = build_schema(roomy)
    # Half the actors lose their Spanish name (in the test's transaction), so English
    # stands in for some and the answer notes it.
    await session.execute(update(Actor).where(Actor.id < "M").values(name_es=None))
    query = """query ($l: Lang) {
      forums(first: 100) { edges { node {
        name es: name(lang: ES) en: name(lang: EN) v: name(lang: $l)
        description d: description(lang: ES)
        participants { role actor { id name es: name(lang: ES) } }
      } } }
      events(first: 100) { edges { node { name description(lang: $l) } } }
      programmes { edges { node { name description(lang: ES) } } }
    }"""
    fell_back = []
    answers = []
    for variables in ({"l": "ES"}, {"l": None}, {}):
        for execution in (LeanExecutionContext, StrawberryGraphQLCoreExecutionContext):
            language = Language(code)
            schema.execution_context_class = execution
            result = await schema.execute(
                query, variables, context_value=Context(session, roomy, cast(Lang, language))
            )
            answers.append(_answer(result))
            fell_back.append(language.fell_back)
    schema.execution_context_class = LeanExecutionContext
    assert answers[0::2] == answers[1::2]
    assert fell_back[0::2] == fell_back[1::2]
    assert all(fell_back)  # each run asks some names in Spanish (`es:`): English stood in
    assert b'"errors":[]' in answers[0]
    assert answers[0].count(b'"actor":') >= 20


# --- values that go wrong -----------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Shape:
    sides: int

    def __post_init__(self) -> None:
        # Refused when the arguments are converted, after validation let it through.
        if self.sides < 3:
            raise ValueError("a shape has three sides or more")


@strawberry.type
class Item:
    name: str
    maybe: str | None
    colour: Colour
    colours: list[Colour]
    count: int
    counts: list[int]
    maybe_counts: list[int | None] | None
    price: Decimal
    day: dt.date

    @strawberry.field
    @context_only
    def label(
        self,
        info: strawberry.Info,
        prefix: str = "to",
        colour: Colour | None = None,
        times: int | None = None,
        shape: Shape | None = None,
    ) -> str:
        """A resolver with arguments that reads nothing of ``info`` but the context."""
        case = getattr(self, "case", "")
        if case == "label fails":
            raise RuntimeError("the label cannot be made")
        if case == "label is null":
            return None  # type: ignore[return-value]
        if case == "label is a number":
            return 7  # type: ignore[return-value]
        colour_name = colour.value if colour else "any"
        sides = shape.sides if shape else "no"
        return f"{prefix} {self.name} {colour_name} {times} {sides} {info.context}"

    @strawberry.field
    async def later(self) -> str:
        if getattr(self, "case", "") == "later fails":
            raise RuntimeError("an awaited field fails")
        return f"later {self.name}"


class Broken:
    """An object whose plain attributes are what a bug could leave in them."""

    def __init__(self, case: str) -> None:
        self.name: Any = "ok"
        self.maybe: Any = None
        self.colour: Any = Colour.RED
        self.colours: Any = [Colour.RED, Colour.BLUE]
        self.count: Any = 1
        self.counts: Any = [1, 2]
        self.maybe_counts: Any = [1, None]
        self.price: Any = Decimal("1.50")
        self.day: Any = dt.date(2020, 1, 2)
        self.case = case
        match case:
            case "null name":
                self.name = None
            case "bad colour":
                self.colour = "green"
            case "colour as text":
                self.colour = "red"
            case "count as text":
                self.count = "seven"
            case "count too big":
                self.count = 2**40
            case "count as float":
                self.count = 2.0
            case "null in counts":
                self.counts = [1, None, 3]
            case "counts as generator":
                self.counts = (n for n in (4, 5))
            case "counts as tuple":
                self.counts = (4, 5)
            case "counts as text":
                self.counts = "12"
            case "counts null":
                self.counts = None
            case "maybe as number":
                self.maybe = 5
            case "price as float":
                self.price = 1.5
            case "day as text":
                self.day = "2020-01-02"
            case "error as value":
                self.maybe = ValueError("a value that is an exception")


class Raising(Broken):
    @property
    def name(self) -> str:
        raise RuntimeError("the attribute itself fails")

    @name.setter
    def name(self, value: Any) -> None:
        pass


CASES = [
    "fine",
    "null name",
    "bad colour",
    "colour as text",
    "count as text",
    "count too big",
    "count as float",
    "null in counts",
    "counts as generator",
    "counts as tuple",
    "counts as text",
    "counts null",
    "maybe as number",
    "price as float",
    "day as text",
    "error as value",
    "later fails",
    "label fails",
    "label is null",
    "label is a number",
]


@strawberry.type
class Holder:
    """Objects and lists of objects held as plain attributes (the lean path's second kind)."""

    item: Item
    maybe_item: Item | None
    items: list[Item]
    maybe_items: list[Item | None] | None
    loose_items: list[Item | None]
    tight_items: list[Item] | None


class Held:
    def __init__(self, case: str) -> None:
        self.item: Any = Broken("fine")
        self.maybe_item: Any = Broken("fine")
        self.items: Any = [Broken("fine"), Broken("counts as tuple")]
        self.maybe_items: Any = [Broken("fine"), None]
        self.loose_items: Any = [None, Broken("fine")]
        self.tight_items: Any = [Broken("fine")]
        match case:
            case "null item":
                self.item = None
            case "item goes wrong":
                self.item = Broken("null name")
            case "maybe item goes wrong":
                self.maybe_item = Broken("null name")
            case "null maybe item":
                self.maybe_item = None
            case "an item goes wrong":
                self.items = [Broken("fine"), Broken("null name")]
            case "an awaited field fails":
                self.item = Broken("later fails")
                self.maybe_item = Broken("later fails")
                self.items = [Broken("fine"), Broken("later fails")]
                self.maybe_items = [Broken("later fails"), Broken("fine")]
                self.loose_items = [Broken("later fails")]
                self.tight_items = [Broken("later fails")]
            case "a maybe item goes wrong":
                self.maybe_items = [Broken("null name"), Broken("bad colour")]
                self.loose_items = [Broken("fine"), Broken("null name")]
                self.tight_items = [Broken("null name"), Broken("fine")]
            case "null among items":
                self.items = [Broken("fine"), None]
            case "items as generator":
                self.items = (Broken(case) for case in ("fine", "bad colour"))
            case "items as tuple":
                self.items = (Broken("fine"), Broken("bad colour"))
            case "items not a list":
                self.items = Broken("fine")
            case "no items":
                self.items = []
            case "null items":
                self.items = None
            case "null maybe items":
                self.maybe_items = None
            case "item is an exception":
                self.maybe_item = RuntimeError("an exception as the value")
            case "item of another type":
                self.maybe_item = {"name": "a dict"}


HELD = [
    "fine",
    "an awaited field fails",
    "null item",
    "item goes wrong",
    "maybe item goes wrong",
    "null maybe item",
    "an item goes wrong",
    "a maybe item goes wrong",
    "null among items",
    "items as generator",
    "items as tuple",
    "items not a list",
    "no items",
    "null items",
    "null maybe items",
    "item is an exception",
    "item of another type",
]


@strawberry.type
class Query:
    @strawberry.field
    def holders(self) -> list[Holder | None]:
        return [Held(case) for case in HELD]  # type: ignore[misc]

    @strawberry.field
    def holder(self, case: str) -> Holder:
        return Held(case)  # type: ignore[return-value]

    @strawberry.field
    def items(self) -> list[Item | None]:
        return [*(Broken(case) for case in CASES), Raising("raising")]  # type: ignore[list-item]

    @strawberry.field
    def strict(self) -> list[Item]:
        return [Broken("fine"), Broken("null name")]  # type: ignore[list-item]

    @strawberry.field
    def one(self, case: str) -> Item:
        return Broken(case)  # type: ignore[return-value]


TOY = strawberry.Schema(query=Query, execution_context_class=LeanExecutionContext)
EVERY_LEAF = "name maybe colour colours count counts maybeCounts price day"


def _queries() -> Iterator[tuple[str, dict[str, Any] | None]]:
    yield "{ items { " + EVERY_LEAF + " } }", None
    yield "{ items { " + EVERY_LEAF + " later } }", None
    yield "{ items { later name x: name y: count __typename } }", None
    yield "{ strict { name count } }", None
    yield "{ strict { count } }", None
    yield (
        "query ($s: Boolean!, $i: Boolean!) { items { name @skip(if: $s) count @include(if: $i) "
        "...F } } fragment F on Item { maybe name }",
        {"s": True, "i": False},
    )
    yield (
        "query ($s: Boolean!, $i: Boolean!) { items { name @skip(if: $s) count @include(if: $i) "
        "} }",
        {"s": False, "i": True},
    )
    for case in CASES:
        yield "query ($c: String!) { one(case: $c) { " + EVERY_LEAF + " } }", {"c": case}
    labels = (
        'label a: label(prefix: "p") b: label(colour: BLUE, times: 3) '
        "c: label(prefix: $p, colour: $c) d: label(times: $t)"
    )
    variables = {"p": "from a variable", "c": "RED", "t": None}
    head = "query ($p: String!, $c: Colour, $t: Int)"
    yield f"{head} {{ items {{ name {labels} }} }}", variables
    yield f"{head} {{ items {{ {labels} name }} strict {{ {labels} }} }}", variables
    yield f"{head} {{ holders {{ items {{ {labels} }} maybeItems {{ {labels} }} }} }}", variables
    yield "query ($t: Int) { items { label(times: $t) } }", {"t": 2**40}  # a refused value
    yield '{ items { label(colour: "RED") } }', None  # refused in validation
    # Arguments refused only when converted: the short way hands the field back.
    yield "{ items { name a: label(shape: {sides: 2}) b: label(shape: {sides: 4}) } }", None
    yield "query ($s: Shape) { items { label(shape: $s) } }", {"s": {"sides": 1}}
    selection = "{ name count colour later }"
    every_object = " ".join(
        f"{field} {selection}"
        for field in ("item", "maybeItem", "items", "maybeItems", "looseItems", "tightItems")
    )
    yield "{ holders { " + every_object + " } }", None
    yield (
        "{ holders { items { name } x: items { count } maybeItems { ... on Item { name } } } }",
        None,
    )
    for case in HELD:
        yield "query ($c: String!) { holder(case: $c) { " + every_object + " } }", {"c": case}
        yield "query ($c: String!) { holder(case: $c) { items { name } } }", {"c": case}


@pytest.mark.parametrize(("query", "variables"), list(_queries()))
async def test_what_goes_wrong_goes_wrong_as_in_graphql_core(
    query: str, variables: dict[str, Any] | None
) -> None:
    lean, plain = await _both(TOY, query, variables, lambda: "ctx")
    assert lean == plain


async def test_the_toy_schema_really_goes_wrong() -> None:
    """The cases above do reach graphql-core's errors (else they would prove nothing)."""
    result = await TOY.execute("{ items { " + EVERY_LEAF + " } }")
    messages = " | ".join(error.message for error in result.errors or [])
    assert "Cannot return null for non-nullable field Item.name" in messages
    assert "the attribute itself fails" in messages
    assert result.data is not None
    fine = result.data["items"][0]
    assert fine == {
        "name": "ok",
        "maybe": None,
        "colour": "RED",
        "colours": ["RED", "BLUE"],
        "count": 1,
        "counts": [1, 2],
        "maybeCounts": [1, None],
        "price": "1.50",
        "day": "2020-01-02",
    }
