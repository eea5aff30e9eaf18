"""Every dashboard view names the data version it shows and links to itself at that version.

A view reads one version: the one its address pins (``?version=N``), else the one its first
answer shows, which every later request of the view names in ``Migov-Data-Version``. The
pinned link keeps showing that version after a write; a version the server cannot read is
refused with its detail, by the page or by the API behind it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import PHONE, OpenContext, WritableServer
from tests.factories import pledge_body

TODAY = dt.date.today().isoformat()


def _graphql_requests(page: Page) -> list[str | None]:
    """The ``Migov-Data-Version`` each GraphQL request of ``page`` names (None: none),
    in the order they are sent."""
    sent: list[str | None] = []

    def note(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/graphql"):
            sent.append(request.headers.get("migov-data-version"))

    page.on("request", note)
    return sent


def _graphql_answers(page: Page) -> list[str | None]:
    """The ``Migov-Data-Version`` each GraphQL answer to ``page`` shows."""
    shown: list[str | None] = []

    def note(response: Any) -> None:
        if response.request.method == "POST" and response.url.endswith("/graphql"):
            shown.append(response.headers.get("migov-data-version"))

    page.on("response", note)
    return shown


async def _current_version(context: BrowserContext) -> int:
    meta = await (await context.request.get("/v1/meta")).json()
    return int(meta["dataset_version"])


@pytest.mark.parametrize(
    ("path", "status", "view"),
    [
        ("/dashboard", 200, "/dashboard"),
        ("/dashboard/forums/RCM", 200, f"/dashboard/forums/RCM?as_of={TODAY}"),
        ("/dashboard/matrix?as_of=2022-01-01", 200, "/dashboard/matrix?as_of=2022-01-01"),
        ("/dashboard/forums/NOPE", 404, "/dashboard/forums/NOPE"),
    ],
    ids=["overview", "forum", "matrix", "not-found"],
)
async def test_every_view_names_its_version_and_links_to_itself_at_it(
    open_context: OpenContext, base_url: str, path: str, status: int, view: str
) -> None:
    """The version is the one the view's answers show; the pinned link is the same view
    (the day on screen included: "today" moves) at that version."""
    context, watch = await open_context()
    page = await context.new_page()
    sent, shown = _graphql_requests(page), _graphql_answers(page)
    version = await _current_version(context)
    response = await page.goto(path, wait_until="networkidle")
    assert response is not None
    assert response.status == status

    await expect(page.locator("#data-version")).to_have_text(str(version))
    pinned = f"{base_url}{view}{'&' if '?' in view else '?'}version={version}"
    await expect(page.locator("#pinned-link")).to_have_attribute("href", pinned)
    await expect(page.locator("#pinned-url")).to_have_value(pinned)
    await expect(page.locator("#pinned-note")).to_have_count(0)
    await expect(page.locator("#mixed-versions")).to_have_count(0)
    # The first request reads the current data; every later one names its version.
    assert sent[0] is None
    assert sent[1:] == [str(version)] * (len(sent) - 1)
    assert shown == [str(version)] * len(sent)
    assert [p for p in watch.problems if "NOPE" not in p and "404" not in p] == []


async def test_the_matrix_offers_the_rest_request_to_cite(
    open_context: OpenContext, base_url: str
) -> None:
    """The matrix is one REST list (the participations on its day); the link is the one
    the API itself gives as its cite-as link. The other views are no one request."""
    context, watch = await open_context()
    page = await context.new_page()
    version = await _current_version(context)
    await page.goto("/dashboard/matrix?as_of=2022-01-01", wait_until="networkidle")
    path = f"/v1/participations?as_of=2022-01-01&limit=500&version={version}"
    rest = page.locator("#rest-link")
    await expect(rest).to_have_attribute("href", base_url + path)
    await expect(rest).to_have_text(base_url + path)

    answer = await context.request.get(path)
    assert answer.status == 200
    assert answer.headers["migov-data-version"] == str(version)
    assert answer.headers["link"] == f'<{path}>; rel="cite-as"'
    # The rows the matrix draws: Canada chairs and is a member of the MIRPS Support
    # Platform on that day ("C M" in its cell).
    canada = page.locator('#matrix tr[data-actor="CAN"] td[data-forum="MIRPS-SP"] button')
    await expect(canada).to_have_text("C M")
    roles = {
        row["role"]
        for row in (await answer.json())["items"]
        if row["actor"] and row["actor"]["id"] == "CAN" and row["forum"] == "MIRPS-SP"
    }
    assert roles == {"chair", "member"}
    for other in ("/dashboard", "/dashboard/forums/RCM"):
        await page.goto(other, wait_until="networkidle")
        await expect(page.locator("#data-version")).to_have_text(str(version))
        await expect(page.locator("#rest-link")).to_have_count(0)
    assert watch.problems == []


async def test_the_pinned_link_reopens_the_view_at_its_version(
    open_context: OpenContext, base_url: str, artifacts: Path
) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    version = await _current_version(context)
    await page.goto("/dashboard/forums/MIRPS-SP?as_of=2022-01-01", wait_until="networkidle")
    sent = _graphql_requests(page)
    await page.locator("#pinned-link").click()
    await expect(page).to_have_url(
        f"{base_url}/dashboard/forums/MIRPS-SP?as_of=2022-01-01&version={version}"
    )
    note = page.locator("#pinned-note")
    await expect(note).to_contain_text(
        f"Dataset version {version} This view shows the data as it was at version {version}, "
        "not the current data."
    )
    chair = page.locator('#participants [data-role="CHAIR"] ul.participants > li')
    await expect(chair).to_have_attribute("data-actor", "CAN")
    await page.screenshot(path=artifacts / "forum-pinned-desktop.png")
    # A moved date is read at the same version, and the links name the new day.
    await page.locator("#as-of").fill("2023-01-01")
    await expect(chair).to_have_attribute("data-actor", "USA")
    await expect(page.locator("#pinned-url")).to_have_value(
        f"{base_url}/dashboard/forums/MIRPS-SP?as_of=2023-01-01&version={version}"
    )
    assert len(sent) == 2
    assert sent == [str(version)] * 2
    # The way back: the same view, the same day, of the current data.
    await note.get_by_role("link", name="Show the current data").click()
    await expect(page).to_have_url(f"{base_url}/dashboard/forums/MIRPS-SP?as_of=2023-01-01")
    await expect(page.locator("#data-version")).to_have_text(str(version))
    await expect(page.locator("#pinned-note")).to_have_count(0)
    await expect(chair).to_have_attribute("data-actor", "USA")
    # That view too reads one version: a moved date names the one its first answer showed.
    await page.locator("#as-of").fill("2022-01-01")
    await expect(chair).to_have_attribute("data-actor", "CAN")
    assert sent[2:] == [None, str(version)]
    assert watch.problems == []


async def test_the_pinned_link_is_copied_to_the_clipboard(open_context: OpenContext) -> None:
    context, watch = await open_context()
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    await page.goto("/dashboard/matrix?as_of=2022-01-01", wait_until="networkidle")
    link = await page.locator("#pinned-url").input_value()
    assert link.endswith(f"?as_of=2022-01-01&version={await _current_version(context)}")
    await page.locator("#copy-pinned").click()
    await expect(page.locator("#copy-note")).to_have_text("Link copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == link
    assert watch.problems == []


async def test_without_a_clipboard_the_pinned_link_is_left_selected(
    open_context: OpenContext, artifacts: Path
) -> None:
    """A page served over plain HTTP to another host has no clipboard API: the link is
    selected in its field, and the note says to copy it by hand."""
    context, watch = await open_context(viewport=PHONE)
    await context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard', "
        "{get: () => undefined, configurable: true});"
    )
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    assert await page.evaluate("navigator.clipboard") is None
    field = page.locator("#pinned-url")
    await page.locator("#copy-pinned").click()
    await expect(page.locator("#copy-note")).to_contain_text(
        "Copying is not available here: the link is selected in the field above"
    )
    await expect(field).to_be_focused()
    selected = await field.evaluate("(f) => f.value.slice(f.selectionStart, f.selectionEnd)")
    assert selected == await field.input_value()
    assert selected.endswith(f"/dashboard?version={await _current_version(context)}")
    await page.screenshot(path=artifacts / "copy-by-hand-phone.png")
    assert watch.problems == []


@pytest.mark.parametrize(
    ("locale", "title", "current"),
    [
        ("en-GB", "This data version cannot be shown", "Show the current data"),
        ("es-ES", "Esta versión de los datos no se puede mostrar", "Mostrar los datos actuales"),
    ],
)
async def test_a_version_the_server_cannot_read_is_refused_with_its_detail(
    open_context: OpenContext,
    base_url: str,
    artifacts: Path,
    locale: str,
    title: str,
    current: str,
) -> None:
    context, _ = await open_context(locale=locale)
    page = await context.new_page()
    version = await _current_version(context)
    asked = version + 1000
    api = await (await context.request.get(f"/v1/meta?version={asked}")).json()
    assert api["code"] == "unknown_version"
    response = await page.goto(
        f"/dashboard/forums/MIRPS-SP?as_of=2022-01-01&version={asked}", wait_until="networkidle"
    )
    assert response is not None
    assert response.status == 400
    await expect(page.locator("h1")).to_have_text(title)
    await expect(page.locator("#asked-version")).to_have_text(str(asked))
    await expect(page.locator("#refusal-detail")).to_have_text(api["detail"])
    await page.screenshot(path=artifacts / f"version-refused-{locale[:2]}-desktop.png")
    await page.get_by_role("link", name=current).click()
    await expect(page).to_have_url(f"{base_url}/dashboard/forums/MIRPS-SP?as_of=2022-01-01")
    await expect(page.locator("#data-version")).to_have_text(str(version))
    chair = page.locator('#participants [data-role="CHAIR"] ul.participants > li')
    await expect(chair).to_have_attribute("data-actor", "CAN")


async def test_a_version_that_is_no_number_is_refused_before_any_script_runs(
    open_context: OpenContext,
) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    sent = _graphql_requests(page)
    response = await page.goto("/dashboard?version=latest", wait_until="networkidle")
    assert response is not None
    assert response.status == 400
    await expect(page.locator("#asked-version")).to_have_text("latest")
    await expect(page.locator("#refusal-detail")).to_contain_text(
        "version must be a data version: a whole number from 1"
    )
    assert sent == []


async def test_an_api_refusing_the_views_version_shows_its_detail(
    open_context: OpenContext, base_url: str, artifacts: Path
) -> None:
    """When the API refuses the version a view reads (here every request names one it
    cannot read), the view shows the problem's detail and the way to the current data,
    not an empty page and not a "Try again" that could only fail again."""
    context, _ = await open_context()
    page = await context.new_page()
    version = await _current_version(context)
    asked = version + 1000
    detail = (await (await context.request.get(f"/v1/meta?version={asked}")).json())["detail"]

    async def unreadable(route: Route) -> None:
        headers = {**route.request.headers, "migov-data-version": str(asked)}
        await route.continue_(headers=headers)

    await page.route("**/graphql", unreadable)
    await page.goto("/dashboard/matrix?as_of=2022-01-01", wait_until="networkidle")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("The data could not be shown.")
    await expect(alert).to_contain_text("The API cannot read this data version:")
    await expect(alert.locator(".problem-detail")).to_have_text(detail)
    await expect(page.locator(".status")).to_have_count(0)
    await expect(alert.get_by_role("button", name="Try again")).to_have_count(0)
    await page.screenshot(path=artifacts / "api-version-refused-desktop.png")
    way = alert.get_by_role("link", name="Show the current data")
    await expect(way).to_have_attribute("href", f"{base_url}/dashboard/matrix?as_of=2022-01-01")
    await page.unroute("**/graphql")
    await way.click()
    await expect(page.locator("#data-version")).to_have_text(str(version))
    await expect(page.locator("#matrix")).to_be_visible()


async def test_a_view_whose_answers_show_two_versions_says_so(open_context: OpenContext) -> None:
    """Should an answer show another version than the one the view asked for, the view
    says it mixes versions instead of passing one off as the other."""
    context, _ = await open_context()
    page = await context.new_page()
    version = await _current_version(context)
    answered: list[str] = []

    async def second_answer_relabelled(route: Route) -> None:
        response = await route.fetch()
        headers = dict(response.headers)
        if len(answered) == 1:
            headers["migov-data-version"] = str(version + 1)
        answered.append(headers["migov-data-version"])
        await route.fulfill(response=response, headers=headers)

    await page.route("**/graphql", second_answer_relabelled)
    await page.goto("/dashboard", wait_until="networkidle")
    await expect(page.locator("#mixed-versions")).to_contain_text(
        f"This view mixes data versions {version}, {version + 1}"
    )
    await expect(page.locator("#data-version")).to_have_text(str(version))
    assert answered[:2] == [str(version), str(version + 1)]


# ------------------------------------------------------------------ with writes


async def _write_pledge(server: WritableServer, title: str) -> int:
    """Submit a pledge through the API; the data version the write made."""
    async with httpx.AsyncClient(base_url=server.url) as api:
        written = await api.post(
            "/v1/pledges", json=pledge_body(title=title), headers=server.authorization
        )
    assert written.status_code == 201, written.text
    return int(written.headers["migov-data-version"])


async def test_a_pinned_view_keeps_showing_its_version_after_a_write(
    open_context: OpenContext, writable_server: WritableServer
) -> None:
    context, watch = await open_context(server=writable_server.url)
    page = await context.new_page()
    view = "/dashboard/forums/MIRPS-SP?as_of=2022-01-01"
    await page.goto(view, wait_until="networkidle")
    before = int(await page.locator("#data-version").inner_text())
    pinned = await page.locator("#pinned-url").input_value()
    assert pinned == f"{writable_server.url}{view}&version={before}"
    pledges = page.locator("table.pledges tbody")
    title = "Shelters along the southern border (pinned view)"
    await expect(pledges).not_to_contain_text(title)
    rows = await pledges.locator("tr").count()

    after = await _write_pledge(writable_server, title)
    assert after > before

    sent = _graphql_requests(page)
    await page.goto(pinned, wait_until="networkidle")
    await expect(page.locator("#pinned-note")).to_contain_text(
        f"at version {before}, not the current data"
    )
    await expect(page.locator("#data-version")).to_have_text(str(before))
    await expect(pledges.locator("tr")).to_have_count(rows)
    await expect(pledges).not_to_contain_text(title)
    assert sent == [str(before)]

    await page.get_by_role("link", name="Show the current data").click()
    await expect(page).to_have_url(f"{writable_server.url}{view}")
    await expect(page.locator("#data-version")).to_have_text(str(after))
    await expect(pledges).to_contain_text(title)
    await expect(page.locator("#pinned-note")).to_have_count(0)
    assert watch.problems == []


async def test_a_write_landing_while_a_view_loads_does_not_mix_versions(
    open_context: OpenContext, writable_server: WritableServer
) -> None:
    """The overview sends two requests at once; the second waits for the first answer
    and names its version, so a write between them leaves the view in one version."""
    context, watch = await open_context(server=writable_server.url)
    page = await context.new_page()
    sent, shown = _graphql_requests(page), _graphql_answers(page)
    made: list[int] = []

    async def write_after_the_first_answer(route: Route) -> None:
        response = await route.fetch()
        if not made:
            made.append(await _write_pledge(writable_server, "Written while the view loads"))
        await route.fulfill(response=response)

    await page.route("**/graphql", write_after_the_first_answer)
    await page.goto("/dashboard", wait_until="networkidle")
    first = shown[0]
    assert first is not None
    await expect(page.locator("#data-version")).to_have_text(first)
    assert made == [int(first) + 1]
    assert sent[0] is None
    assert len(sent) >= 2
    assert sent[1:] == [first] * (len(sent) - 1)
    assert shown == [first] * len(sent)
    await expect(page.locator("#mixed-versions")).to_have_count(0)
    # The view's link names the version it shows, not the one now current.
    await expect(page.locator("#pinned-url")).to_have_value(
        f"{writable_server.url}/dashboard?version={first}"
    )
    assert watch.problems == []
