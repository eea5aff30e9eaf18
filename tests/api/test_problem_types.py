"""Problem ``type`` URIs resolve to a page on migov, and every code the app uses has one."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from app.http.problem_types import CATALOGUE
from app.http.problems import HTTP_ERROR_CODES, problem_response

APP = Path(__file__).resolve().parents[2] / "app"
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)*$")
# Modules whose module-level string constants are all error codes.
CODE_MODULES = ("db/faults.py", "graphql/limits.py")


def codes_in_the_app() -> set[str]:
    """Every error code the source can produce, found by walking its syntax trees.

    A code is the value given to ``code=`` (call keyword or class attribute), put under
    a ``"code"`` key, or assigned to ``...["code"]``; names are resolved through the
    modules' string constants. Plus Starlette's error codes and the constants of the
    modules that only define codes.
    """
    constants: dict[str, str] = {}
    trees = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        trees.append(tree)
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        constants[target.id] = node.value.value
                        if str(path.relative_to(APP)) in CODE_MODULES:
                            constants[f"code:{target.id}"] = node.value.value

    def resolve(node: ast.AST) -> list[str]:
        if isinstance(node, ast.IfExp):
            return resolve(node.body) + resolve(node.orelse)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        return [constants[name]] if name in constants else []

    found: set[str] = set()
    for tree in trees:
        for item in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(item, ast.keyword) and item.arg == "code":
                values.append(item.value)
            elif isinstance(item, ast.Assign | ast.AnnAssign) and item.value is not None:
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id == "code":
                        values.append(item.value)
                    if isinstance(target, ast.Subscript) and (
                        isinstance(target.slice, ast.Constant) and target.slice.value == "code"
                    ):
                        values.append(item.value)
            elif isinstance(item, ast.Dict):
                values += [
                    v
                    for k, v in zip(item.keys, item.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "code"
                ]
            for value in values:
                found.update(code for code in resolve(value) if SNAKE.match(code))
    found.update(v for k, v in constants.items() if k.startswith("code:") and SNAKE.match(v))
    found.update(HTTP_ERROR_CODES.values())
    found.discard("error")  # DomainError's abstract default; every raised error has its own
    return found


def test_the_walk_finds_codes_of_every_kind() -> None:
    found = codes_in_the_app()
    # One of each way a code is written: keyword, class attribute, constant, dict, subscript.
    assert {
        "forum_not_found",
        "rate_limited",
        "database_busy",
        "route_not_found",
        "graphql_parse_failed",
        "query_too_deep",
    } <= found


def test_every_code_the_app_uses_has_a_page() -> None:
    assert sorted(codes_in_the_app() - set(CATALOGUE)) == []


async def test_a_problem_type_uri_resolves_to_its_page(client: httpx.AsyncClient) -> None:
    problem = (await client.get("/v1/forums/NO-SUCH-FORUM")).json()
    assert problem["type"] == "http://test/problems/forum_not_found"

    page = await client.get(problem["type"])
    as_json = await client.get(problem["type"], headers={"Accept": "application/json"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Forum not found</h1>" in page.text
    assert "status 404" in page.text
    assert as_json.json() == {
        "code": "forum_not_found",
        "status": 404,
        "title": "Forum not found",
        "meaning": CATALOGUE["forum_not_found"].meaning,
        "remedy": CATALOGUE["forum_not_found"].remedy,
        "graphql_only": False,
    }


@pytest.mark.parametrize("code", sorted(CATALOGUE))
async def test_every_catalogued_code_is_served(client: httpx.AsyncClient, code: str) -> None:
    response = await client.get(f"/problems/{code}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["code"] == code


async def test_the_index_lists_every_code_and_unknown_codes_are_404(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/problems", headers={"Accept": "application/json"})).json()
    assert [entry["code"] for entry in listed] == list(CATALOGUE)
    html = (await client.get("/problems")).text
    assert all(f'href="/problems/{code}"' in html for code in CATALOGUE)
    generic = await client.get("/problems/http_415", headers={"Accept": "application/json"})
    assert (generic.status_code, generic.json()["status"]) == (200, 415)
    unknown = await client.get("/problems/no_such_code")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def _request(path: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "scheme": "http",
        "server": ("test", 80),
    }
    return Request(scope)


@pytest.mark.parametrize("code", sorted(codes_in_the_app() | set(CATALOGUE) | {"http_415"}))
async def test_every_problem_body_has_the_title_of_its_page(
    client: httpx.AsyncClient, code: str
) -> None:
    page = await client.get(f"/problems/{code}", headers={"Accept": "application/json"})
    # Whatever title the raiser gives (a class's generic "Invalid input"), the page's wins.
    response = problem_response(
        _request("/v1/x"), status=400, code=code, detail="d", title="Raiser's own title"
    )
    body = json.loads(bytes(response.body))
    assert (body["type"], body["title"]) == (f"http://test/problems/{code}", page.json()["title"])
    assert body["title"] != "Raiser's own title"


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v1/forums", {"colour": "red"}, "unknown_parameter"),
        ("/v1/forums", {"parent": "RMC"}, "unknown_reference"),
        ("/v1/participations", {"certainty": "certain"}, "invalid_input"),
        ("/v1/participations", {"as_of": "yesterday"}, "invalid_parameter"),
        ("/v1/participations", {"as_of": ["2020-01-01", "2021-01-01"]}, "repeated_parameter"),
        ("/v1/participations", {"cursor": "nonsense"}, "invalid_cursor"),
        ("/v1/forums/RMC", {}, "forum_not_found"),
        ("/v1/nowhere", {}, "route_not_found"),
    ],
)
async def test_served_problems_carry_their_page_title(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], code: str
) -> None:
    body = (await client.get(path, params=params)).json()
    page = (await client.get(body["type"], headers={"Accept": "application/json"})).json()
    assert (body["code"], body["title"]) == (code, page["title"])
