"""The pages in Debian's chromium: they load cleanly offline and show the curated data right."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Page, Route, expect

from tests.browser.conftest import DESKTOP, PHONE, OpenContext

# path, screenshot name, what a person must see once it has loaded
PAGES = [
    ("/", "home", "h1"),
    ("/dashboard", "dashboard", "#chart-pledges-forum"),
    ("/dashboard/forums/RCM", "forum-rcm", "#funding-total"),
    ("/dashboard/forums/MIRPS-SP?as_of=2022-01-01", "forum-mirps-sp", "#participants"),
    ("/dashboard/matrix?as_of=2022-01-01", "matrix", "#matrix"),
    ("/docs", "docs-swagger", "#swagger-ui h1.title"),
    ("/redoc", "docs-redoc", "#redoc h1"),
    ("/graphql", "docs-graphiql", ".graphiql-container .graphiql-query-editor"),
]


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
@pytest.mark.parametrize(("path", "name", "ready"), PAGES, ids=[p[1] for p in PAGES])
async def test_page_loads_cleanly_offline(
    open_context: OpenContext,
    artifacts: Path,
    path: str,
    name: str,
    ready: str,
    size: str,
    viewport: dict[str, int],
) -> None:
    context, watch = await open_context(viewport=viewport)
    page = await context.new_page()
    response = await page.goto(path, wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    await expect(page.locator(ready).first).to_be_visible()
    await expect(page.locator(".status")).to_have_count(0)  # nothing left "Loading…"
    # The docs pages run to tens of thousands of pixels: their first screen is enough.
    await page.screenshot(
        path=artifacts / f"{name}-{size}.png", full_page=not name.startswith("docs-")
    )
    assert watch.problems == []
    assert watch.blocked == []
    # Nothing wider than the screen but the tables, which scroll inside their own box.
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if name.startswith("docs-"):
        return
    assert overflow <= 0


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/docs", "#swagger-ui h1.title"),
        ("/redoc", "#redoc h1"),
        ("/graphql", "h1"),
    ],
)
async def test_docs_show_the_api_title_with_no_network(
    open_context: OpenContext, path: str, heading: str
) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto(path, wait_until="networkidle")
    await expect(page.locator(heading).first).to_contain_text("migov")
    assert watch.blocked == []
    assert watch.problems == []


async def test_graphiql_runs_a_query(open_context: OpenContext) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/graphql", wait_until="networkidle")
    await page.locator(".graphiql-execute-button").click()
    await expect(page.locator(".graphiql-response")).to_contain_text(
        '"fundingShareTotalPct": "99.1600"'
    )
    assert watch.problems == []


async def test_rcm_funding_shares_show_their_true_sum(open_context: OpenContext) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/RCM", wait_until="networkidle")
    await expect(page.locator("#funding-total")).to_contain_text("99.16 %")
    await expect(page.locator("#funding-total")).to_contain_text("not adjusted to 100 %")
    shares = await page.locator("table.funding .share").evaluate_all(
        "cells => cells.map(cell => cell.dataset.value)"
    )
    assert len(shares) == 11
    assert sum(Decimal(share) for share in shares) == Decimal("99.16")
    # The chart draws the same rows as its table.
    bars = await page.evaluate("Chart.getChart('chart-funding').data.datasets[0].data")
    assert [Decimal(str(bar)) for bar in bars] == [Decimal(s) for s in shares]
    assert watch.problems == []


async def test_canada_chairs_mirps_sp_on_2022_01_01(open_context: OpenContext) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS-SP", wait_until="networkidle")
    await page.locator("#as-of").fill("2022-01-01")
    chairs = page.locator('#participants [data-role="CHAIR"] ul.participants > li')
    await expect(chairs).to_have_count(1)
    await expect(chairs.first).to_have_attribute("data-actor", "CAN")
    await expect(chairs.first).to_contain_text("Canada")
    # How sure: Canada's chairship is dated to the month on both ends, so certain that
    # day; the incoming chair's start is unstated, so only possible.
    await expect(chairs.first.locator(".badge.possible")).to_have_count(0)
    incoming = page.locator('#participants [data-role="INCOMING_CHAIR"] ul.participants > li')
    await expect(incoming).to_have_attribute("data-actor", "USA")
    await expect(incoming.locator(".badge.possible")).to_have_text("possible")
    assert "as_of=2022-01-01" in page.url
    # The sources of that fact open on click, with title, publisher and locator.
    details = chairs.first.locator("details.sources")
    await details.locator("summary").click()
    await expect(details.locator("li cite").first).to_be_visible()
    await expect(details.locator("li .publisher").first).to_be_visible()


async def test_sources_name_the_section_offer_the_passage_and_badge_inferred_values(
    open_context: OpenContext,
) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS-SP?as_of=2022-01-01", wait_until="networkidle")
    chair = page.locator('#participants [data-role="CHAIR"] ul.participants > li').first
    details = chair.locator("details.sources")
    await details.locator("summary").click()
    await expect(details.locator("li .locator").first).to_be_visible()
    # Each citation offers its span of the source's text and the span's digest.
    passages = details.locator("li .passage")
    await expect(passages.first).to_be_visible()
    assert await passages.count() == await details.locator("li cite").count()
    for index in range(await passages.count()):
        span = passages.nth(index)
        start = int(await span.get_attribute("data-start") or -1)
        end = int(await span.get_attribute("data-end") or -1)
        assert 0 <= start < end <= start + 600
        assert len(await span.get_attribute("data-sha256") or "") == 64
    # Canada's chairship ends on the handover day: no passage states it as the end.
    inferred = details.locator("li.inferred")
    await expect(inferred).to_have_count(1)
    await expect(inferred).to_have_attribute("data-field", "end")
    await expect(inferred.locator(".badge.inferred")).to_have_text("inferred")
    await expect(inferred).to_contain_text("21 September 2022")
    assert watch.problems == []


async def test_moving_the_date_changes_who_is_shown(open_context: OpenContext) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS-SP?as_of=2022-01-01", wait_until="networkidle")
    chair = page.locator('#participants [data-role="CHAIR"] ul.participants > li')
    await expect(chair).to_have_attribute("data-actor", "CAN")
    await page.locator("#as-of").fill("2023-01-01")
    await expect(chair).to_have_attribute("data-actor", "USA")
    # The slider, by keyboard: Home goes back to 1980, before the platform existed.
    slider = page.locator("#as-of-slider")
    await slider.focus()
    await page.keyboard.press("Home")
    await expect(page.locator("#as-of")).to_have_value("1980-01-01")
    await expect(page.locator('#participants [data-role="CHAIR"]')).to_have_count(0)
    await expect(page.locator("#participants")).not_to_contain_text("Spain")
    await page.keyboard.press("End")
    await expect(page.locator("#as-of")).to_have_value(dt.date.today().isoformat())
    await expect(chair).to_have_attribute("data-actor", "USA")
    assert watch.problems == []


async def test_dates_out_of_range_are_clamped_with_a_word(open_context: OpenContext) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS-SP?as_of=2999-01-01", wait_until="networkidle")
    today = dt.date.today().isoformat()
    await expect(page.locator("#date-note")).to_contain_text("is in the future: showing today")
    await expect(page.locator("#as-of")).to_have_value(today)
    await page.locator("#as-of").fill("1975-05-01")
    await expect(page.locator("#date-note")).to_contain_text(
        "1975-05-01 is before 1980-01-01, the earliest date shown"
    )
    await expect(page.locator("#as-of")).to_have_value("1980-01-01")


async def test_solidarity_event_2021_announced_110_million(open_context: OpenContext) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS", wait_until="networkidle")
    row = page.locator("table.events tr", has_text="MIRPS Solidarity Event 2021")
    await expect(row).to_contain_text("Jun 10, 2021")
    await expect(row.locator("td.num")).to_have_text("110,000,000 USD")


async def test_overview_counts_pledges_without_usd(open_context: OpenContext) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    summary = json.loads(
        await page.evaluate(
            """fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({query: '{ pledgeSummary(groupBy: [FORUM]) { count countWithoutUsd } }'})})
               .then(r => r.text())"""
        )
    )["data"]["pledgeSummary"]
    total = sum(row["count"] for row in summary)
    without = sum(row["countWithoutUsd"] for row in summary)
    assert total >= 2
    if without:
        await expect(page.locator("#without-usd")).to_contain_text(f"{without} of {total} pledges")
    else:  # "0 of N pledges have no USD equivalent" says nothing
        await expect(page.locator("#without-usd")).to_have_count(0)
    await expect(page.locator("main")).to_contain_text("Dataset version")
    # How long ago, in words: never "0 days ago" (test_honest_pages pins each phrase).
    await expect(page.locator("p.freshness")).not_to_contain_text("0 days ago")


async def test_matrix_shows_who_sits_where_with_sources(open_context: OpenContext) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/matrix?as_of=2022-01-01", wait_until="networkidle")
    cell = page.locator('#matrix tr[data-actor="CAN"] td[data-forum="MIRPS-SP"] button')
    await expect(cell).to_have_text("C M")
    await cell.click()
    await expect(page.locator("#cell-detail")).to_contain_text("Chair")
    await expect(page.locator("#cell-detail details.sources li cite").first).to_be_visible()
    await page.locator("#as-of").fill("1990-01-01")
    await expect(cell).to_have_count(0)
    assert watch.problems == []


async def test_unknown_forum_is_a_clear_not_found_page(
    open_context: OpenContext, artifacts: Path
) -> None:
    context, watch = await open_context(viewport=PHONE)
    page = await context.new_page()
    response = await page.goto("/dashboard/forums/NOPE", wait_until="networkidle")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("Forum not found")
    await expect(page.locator("main")).to_contain_text("No forum has the code “NOPE”")
    await page.screenshot(path=artifacts / "forum-not-found-phone.png", full_page=True)
    await page.get_by_role("link", name="Back to the dashboard").click()
    await expect(page).to_have_url(re.compile(r"/dashboard$"))
    # The document's own 404 is the only failure.
    assert [p for p in watch.problems if "NOPE" not in p and "404" not in p] == []


async def _unreachable(route: Route) -> None:
    await route.abort("connectionrefused")


async def _refused(route: Route) -> None:
    body = {
        "data": None,
        "errors": [{"message": "Query too deep", "extensions": {"code": "query_too_complex"}}],
    }
    await route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (_unreachable, "The API did not answer"),
        (_refused, "The API refused the request: Query too deep (code query_too_complex)"),
    ],
    ids=["unreachable", "graphql-error"],
)
async def test_api_failures_are_explained_in_the_page(
    open_context: OpenContext, artifacts: Path, handler: object, message: str
) -> None:
    context, _ = await open_context()
    page: Page = await context.new_page()
    await page.route("**/graphql", handler)  # type: ignore[arg-type]
    await page.goto("/dashboard/forums/RCM", wait_until="networkidle")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("The data could not be shown.")
    await expect(alert).to_contain_text(message)
    await expect(page.locator(".status")).to_have_count(0)
    await page.screenshot(path=artifacts / f"api-{handler.__name__.strip('_')}-desktop.png")  # type: ignore[attr-defined]
    # Once the API is back, "Try again" shows the page.
    await page.unroute("**/graphql")
    await alert.get_by_role("button", name="Try again").click()
    await expect(page.locator("#funding-total")).to_contain_text("99.16 %")


async def test_language_follows_the_browser_and_the_switch(open_context: OpenContext) -> None:
    context, watch = await open_context(locale="es-ES")
    page = await context.new_page()
    await page.goto("/dashboard/forums/RCM", wait_until="networkidle")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.locator("#funding-total")).to_contain_text("Suma de las cuotas: 99,16 %")
    await expect(page.locator("#participants-heading")).to_have_text(
        "Quién participa, en una fecha"
    )
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#participants-heading")).to_have_text("Who takes part, on a date")
    await expect(page.get_by_role("button", name="English")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The choice is remembered across pages.
    await page.goto("/dashboard", wait_until="networkidle")
    await expect(page.locator("h1")).to_have_text("Dashboard")
    assert watch.problems == []


async def test_keyboard_reaches_the_date_and_the_sources(open_context: OpenContext) -> None:
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/RCM", wait_until="networkidle")
    await page.keyboard.press("Tab")
    await expect(page.locator(".skip")).to_be_focused()
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "as-of":
            break
    await expect(page.locator("#as-of")).to_be_focused()
    first_sources = page.locator("table.funding details.sources").first
    await first_sources.locator("summary").focus()
    await page.keyboard.press("Enter")
    await expect(first_sources).to_have_attribute("open", "")
    await expect(first_sources.locator("cite")).to_be_visible()


async def test_a_forum_without_usd_draws_no_bar_rather_than_zero(
    open_context: OpenContext,
) -> None:
    """A group whose pledges have no USD amount is an unknown total, not a total of 0."""
    context, _ = await open_context()
    page = await context.new_page()
    hidden: list[str] = []

    async def without_usd_for_the_first_forum(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        rows = (body.get("data") or {}).get("byForum")
        if rows:
            rows[0]["amountUsd"] = None
            hidden.append(rows[0]["group"]["forum"])
        await route.fulfill(response=response, json=body)

    await page.route("**/graphql", without_usd_for_the_first_forum)
    await page.goto("/dashboard", wait_until="networkidle")
    assert hidden, "the overview asked for no pledge summary by forum"
    await expect(page.locator("#chart-pledges-forum")).to_be_visible()
    bars = await page.evaluate(
        "(() => { const c = Chart.getChart('chart-pledges-forum');"
        " return c.data.labels.map((label, i) => [label, c.data.datasets[0].data[i]]); })()"
    )
    unknown = [value for label, value in bars if hidden[0] in label]
    assert unknown == [None], bars
    assert all(value is None or value > 0 for _, value in bars), bars


async def test_the_chair_timeline_draws_one_bar_per_table_row(open_context: OpenContext) -> None:
    """Every office in the table has its bar, dated to the day or only bounded; a role
    with no end recorded is not drawn as surely held up to today."""
    context, _ = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS-SP", wait_until="networkidle")
    await expect(page.locator("#chart-offices")).to_be_visible()
    rows = await page.locator("table.offices tbody tr").count()
    drawn = await page.evaluate(
        """(() => { const c = Chart.getChart('chart-offices');
             return c.data.labels.map((label, i) => ({
               label,
               spans: Object.fromEntries(c.data.datasets.map((d) => [d.key, d.data[i]])),
             })); })()"""
    )

    assert rows == 6
    assert len(drawn) == rows
    assert all(any(span for span in bar["spans"].values()) for bar in drawn), drawn
    for bar in drawn:  # an open end is its own (fading) span, never part of the sure one
        if bar["spans"]["open"]:
            assert (
                not bar["spans"]["certain"] or bar["spans"]["certain"][1] <= bar["spans"]["open"][0]
            )


async def test_the_matrix_keeps_its_state_column_and_header_on_a_phone(
    open_context: OpenContext,
) -> None:
    """At 390 px, once the grid is scrolled sideways and down, no cell paints over the
    state column, and the header row stays in view."""
    context, _ = await open_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto("/dashboard/matrix?as_of=2022-01-01", wait_until="networkidle")
    wrap = page.locator(".matrix-wrap")
    await expect(wrap).to_be_visible()
    scrolled = await wrap.evaluate(
        "(w) => { w.scrollIntoView(); w.scrollLeft = 240; w.scrollTop = 160;"
        " return [w.scrollLeft, w.scrollTop]; }"
    )
    assert scrolled[0] > 0, "the grid is not wider than a phone"
    report = await page.evaluate(
        """(() => {
          const wrap = document.querySelector('.matrix-wrap').getBoundingClientRect();
          const head = document.querySelector('#matrix thead th').getBoundingClientRect();
          const states = [...document.querySelectorAll('#matrix tbody th')];
          const covered = [];
          for (const th of states) {
            const box = th.getBoundingClientRect();
            if (box.bottom <= wrap.top || box.top >= wrap.bottom) continue;
            for (const [fx, fy] of [[0.25, 0.5], [0.75, 0.5], [0.95, 0.5]]) {
              const x = box.left + box.width * fx, y = box.top + box.height * fy;
              // Rows scrolled up pass under the sticky header, as they should.
              if (y <= Math.max(wrap.top, head.bottom) || y >= Math.min(wrap.bottom, innerHeight)) continue;
              const top = document.elementFromPoint(x, y);
              if (!top || !(th === top || th.contains(top))) {
                covered.push([th.textContent, top && top.outerHTML.slice(0, 80)]);
              }
            }
          }
          const header = document.querySelector('#matrix thead th').getBoundingClientRect();
          return {
            covered,
            checked: states.length,
            stateLeft: states[0].getBoundingClientRect().left - wrap.left,
            headerTop: header.top - wrap.top,
          };
        })()"""
    )

    assert report["covered"] == []
    assert report["checked"] > 3
    assert abs(report["stateLeft"]) <= 2  # stuck to the left edge while scrolled sideways
    assert abs(report["headerTop"]) <= 2  # the header row stayed in view


async def test_a_spanish_page_shows_no_english_forum_name(open_context: OpenContext) -> None:
    context, watch = await open_context(locale="es-ES")
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    forums = json.loads(
        await page.evaluate(
            """fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({query: '{ forums(first: 100) { edges { node { '
                   + 'code name nameEs description descriptionEs } } } }'})})
               .then(r => r.text())"""
        )
    )["data"]["forums"]["edges"]
    text = await page.locator("main").inner_text()

    assert len(forums) >= 20
    assert [f["node"]["code"] for f in forums if not f["node"]["nameEs"]] == []
    assert [f["node"]["code"] for f in forums if not f["node"]["descriptionEs"]] == []
    english = [f["node"]["name"] for f in forums if f["node"]["name"] != f["node"]["nameEs"]]
    assert [name for name in english if name in text] == []
    assert "Plataforma de Apoyo al MIRPS" in text

    await page.goto("/dashboard/forums/MIRPS-SP", wait_until="networkidle")
    await expect(page.locator("h1")).to_contain_text("Plataforma de Apoyo al MIRPS")
    # The description is the Spanish one (a cited document's own English title may stay).
    await expect(page.locator("main")).to_contain_text("amplía la corresponsabilidad")
    assert watch.problems == []


@pytest.mark.parametrize(
    ("path", "charts"),
    [
        ("/dashboard", ["chart-pledges-forum", "chart-pledges-year"]),
        ("/dashboard/forums/RCM", ["chart-funding"]),
        ("/dashboard/forums/MIRPS-SP", ["chart-offices"]),
    ],
)
async def test_every_chart_carries_a_source_line_of_its_own(
    open_context: OpenContext, path: str, charts: list[str]
) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto(path, wait_until="networkidle")
    for chart in charts:
        figure = page.locator("figure.chart-figure", has=page.locator(f"#{chart}"))
        line = figure.locator("p.source-line")
        await expect(line).to_be_visible()
        await expect(line).to_contain_text("Sources of this chart")
        assert await line.locator(".chart-source").count() >= 1, chart
    assert watch.problems == []
