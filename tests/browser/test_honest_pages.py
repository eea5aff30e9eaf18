"""The pages say what the data does not: a currency the source never states, a source with
no public address, when the data last changed; and a Spanish page keeps no English words."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import OpenContext

ASSUMED_FOOTNOTE = {
    "en": "Rests partly on an assumed currency",
    "es": "Se basa en parte en una moneda supuesta",
}
# Words of the data that the pages translate themselves (the data has no Spanish for them).
TRANSLATED_DATA = ["total CRM budget"]


async def _graphql(page: Page, query: str) -> Any:
    body = await page.evaluate(
        """(query) => fetch('/graphql', {method: 'POST',
             headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({query})}).then(r => r.text())""",
        query,
    )
    return json.loads(body)["data"]


async def _bars(page: Page, chart: str) -> list[tuple[str, bool]]:
    return [
        (label, assumed)
        for label, assumed in await page.evaluate(
            """(id) => { const c = Chart.getChart(id);
                 return c.data.labels.map((label, i) => [label, c.data.datasets[0].assumed[i]]); }""",
            chart,
        )
    ]


@pytest.mark.parametrize(("locale", "code"), [("en-GB", "en"), ("es-ES", "es")])
async def test_the_cirefca_bar_is_marked_as_resting_on_an_assumed_currency(
    open_context: OpenContext, locale: str, code: str
) -> None:
    context, watch = await open_context(locale=locale)
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    summary = await _graphql(
        page,
        "{ pledgeSummary(groupBy: [FORUM]) { group { forum } amountUsdCurrencyAssumed } }",
    )
    assumed_forums = {
        row["group"]["forum"]
        for row in summary["pledgeSummary"]
        if row["amountUsdCurrencyAssumed"] not in (None, "0", "0.00")
    }
    assert assumed_forums == {"CIREFCA"}

    bars = await _bars(page, "chart-pledges-forum")
    marked = [label for label, assumed in bars if assumed]
    assert marked == ["CIREFCA *"], bars
    # A bar without an assumed currency carries neither the flag nor the asterisk.
    assert [label for label, assumed in bars if not assumed and "*" in label] == []
    assert len(bars) > 1

    forum_figure = page.locator("figure.chart-figure", has=page.locator("#chart-pledges-forum"))
    footnote = forum_figure.locator("p.footnote.currency-assumed")
    await expect(footnote).to_be_visible()
    await expect(footnote).to_contain_text(ASSUMED_FOOTNOTE[code])
    # The table under the chart marks the same row, and only it.
    marked_rows = forum_figure.locator("table tbody tr", has=page.locator(".usd.assumed"))
    await expect(marked_rows).to_have_count(1)
    await expect(marked_rows).to_contain_text("(CIREFCA)")

    # The CIREFCA pledge has no date: the year chart marks the undated bar.
    year_bars = await _bars(page, "chart-pledges-year")
    assert [label for label, assumed in year_bars if assumed] == [
        "Undated *" if code == "en" else "Sin fecha *"
    ], year_bars
    year_figure = page.locator("figure.chart-figure", has=page.locator("#chart-pledges-year"))
    await expect(year_figure.locator("p.footnote.currency-assumed")).to_contain_text(
        ASSUMED_FOOTNOTE[code]
    )

    # The forum page marks the pledge itself and says why under the table.
    await page.goto("/dashboard/forums/CIREFCA", wait_until="networkidle")
    row = page.locator("table.pledges tbody tr", has_text="CIREFCA")
    await expect(row.locator(".usd.assumed")).to_have_count(2)  # the amount and its USD
    await expect(page.locator("#pledges-heading ~ p.footnote.currency-assumed")).to_contain_text(
        ASSUMED_FOOTNOTE[code]
    )
    assert watch.problems == []


async def test_a_forum_without_assumed_currency_marks_nothing(open_context: OpenContext) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard/forums/MIRPS", wait_until="networkidle")
    await expect(page.locator("table.pledges tbody tr").first).to_be_visible()
    await expect(page.locator(".usd.assumed")).to_have_count(0)
    await expect(page.locator("p.footnote.currency-assumed")).to_have_count(0)
    assert watch.problems == []


async def _forum_codes(page: Page) -> list[str]:
    data = await _graphql(page, "{ forums(first: 500) { edges { node { code } } } }")
    return [edge["node"]["code"] for edge in data["forums"]["edges"]]


async def test_every_source_gives_its_address_or_its_availability(
    open_context: OpenContext,
) -> None:
    context, watch = await open_context()
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    query = "{ sources(first: 500) { edges { node { id url availability } } } }"
    sources = [edge["node"] for edge in (await _graphql(page, query))["sources"]["edges"]]
    # Both kinds exist, so both ways of saying where a document is are exercised.
    assert any(s["url"] for s in sources)
    assert any(not s["url"] for s in sources)
    seen_link = seen_availability = 0
    for code in await _forum_codes(page):
        await page.goto(f"/dashboard/forums/{code}", wait_until="networkidle")
        await expect(page.locator("h1")).to_contain_text(code)
        listed = await page.evaluate(
            """() => [...document.querySelectorAll('details.sources')].flatMap((d) => {
                 d.open = true;
                 return [...d.querySelectorAll(':scope > ul > li:not(.inferred)')].map((li) => ({
                   title: li.querySelector('cite').textContent,
                   link: li.querySelector('a.source-link') ? li.querySelector('a.source-link').href : null,
                   availability: li.querySelector('.availability')
                     ? li.querySelector('.availability').textContent : null,
                   visible: li.querySelector('.source-where')
                     ? li.querySelector('.source-where').checkVisibility() : false,
                 }));
               })"""
        )
        assert listed, code
        for item in listed:
            assert item["visible"], (code, item)
            assert item["link"] or item["availability"], (code, item)
        seen_link += sum(1 for item in listed if item["link"])
        seen_availability += sum(1 for item in listed if item["availability"])
    assert seen_link > 0
    assert seen_availability > 0
    assert watch.problems == []


def _phrases(english: dict[str, str], spanish: dict[str, str]) -> set[str]:
    """The English UI words a Spanish page must not show: each English message that
    differs from its Spanish one, cut at its placeholders, without fragments too short to
    be telling (a lone "(" or "USD")."""
    phrases: set[str] = set()
    for key, text in english.items():
        if spanish.get(key) == text:
            continue
        for fragment in re.split(r"\{[a-z0-9]+\}", text):
            fragment = fragment.strip(" .,:;()\u2013-\u2014\u201c\u201d")
            if len(fragment) >= 4 and re.search(r"[A-Za-z]{3}", fragment):
                phrases.add(fragment)
    return phrases


ENGLISH_LEFT = """(phrases) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest('script, noscript, style, [lang="en"]')) continue;
    if (!parent.checkVisibility()) continue;
    for (const phrase of phrases) {
      // One word is English only as a whole text; several words anywhere in one.
      const several = phrase.includes(' ');
      if (several ? text.includes(phrase) : text === phrase) found.push([phrase, text.slice(0, 120)]);
    }
  }
  return found;
}"""


async def test_spanish_pages_keep_no_english_ui_words(open_context: OpenContext) -> None:
    context, watch = await open_context(locale="es-ES")
    page = await context.new_page()
    await page.goto("/dashboard", wait_until="networkidle")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    tables = await page.evaluate(
        """async () => {
             const i18n = await import('/static/js/i18n.js');
             const enums = (await import('/static/js/messages.js')).ENUMS;
             const flat = (code) => Object.fromEntries(Object.entries(enums[code]).flatMap(
               ([kind, table]) => Object.entries(table).map(([k, v]) => [`${kind}.${k}`, v])));
             return {en: {...i18n.messages('en'), ...flat('en')},
                     es: {...i18n.messages('es'), ...flat('es')}};
           }"""
    )
    phrases = sorted(_phrases(tables["en"], tables["es"]) | set(TRANSLATED_DATA))
    # The list is the pages' own: it holds the dashboard's words and the front door's.
    assert {"Pledges in US dollars", "Who takes part, on a date", "Start here"} <= set(phrases)
    assert "total CRM budget" in phrases

    paths = ["/", "/dashboard", "/dashboard/matrix?as_of=2022-01-01", "/dashboard/forums/NO-SUCH"]
    paths += [f"/dashboard/forums/{code}?as_of=2022-01-01" for code in await _forum_codes(page)]
    left: dict[str, list[list[str]]] = {}
    for path in paths:
        await page.goto(path, wait_until="networkidle")
        await expect(page.locator("main .status")).to_have_count(0)
        await expect(page.locator("html")).to_have_attribute("lang", "es")
        found = await page.evaluate(ENGLISH_LEFT, phrases)
        title = await page.title()
        found += [[phrase, title] for phrase in phrases if phrase in title]
        if "dashboard" in title.lower():
            found.append(["dashboard", title])
        if found:
            left[path] = found
    assert left == {}
    assert [p for p in watch.problems if "404" not in p] == []


@pytest.mark.parametrize(
    ("locale", "after", "said", "never"),
    [
        ("en-GB", dt.timedelta(hours=1), "(today)", "0 days ago"),
        ("es-ES", dt.timedelta(hours=1), "(hoy)", "hace 0 días"),
        ("en-GB", dt.timedelta(hours=30), "(yesterday)", "1 days ago"),
        ("es-ES", dt.timedelta(hours=30), "(ayer)", "hace 1 días"),
        ("es-ES", dt.timedelta(days=3, hours=2), "(hace 3 días)", "(hoy)"),
    ],
)
async def test_freshness_says_today_never_zero_days_ago(
    open_context: OpenContext, locale: str, after: dt.timedelta, said: str, never: str
) -> None:
    context, watch = await open_context(locale=locale)
    page = await context.new_page()
    await page.goto("/", wait_until="networkidle")
    meta = await _graphql(page, "{ datasetMeta { dataChangedAt } }")
    changed = dt.datetime.fromisoformat(meta["datasetMeta"]["dataChangedAt"])
    await page.clock.set_fixed_time(changed + after)
    await page.goto("/dashboard", wait_until="networkidle")
    freshness = page.locator("p.freshness")
    await expect(freshness).to_contain_text(said)
    await expect(freshness).not_to_contain_text(never)
    assert watch.problems == []


async def test_the_dashboard_says_when_the_data_changed_not_when_it_was_loaded(
    open_context: OpenContext,
) -> None:
    """The dashboard's freshness line agrees with /v1/meta and the front door: the curated
    dataset's day (a day is all it states), not the time the data was loaded."""
    context, watch = await open_context(locale="en-GB")
    page = await context.new_page()
    meta = await (await context.request.get("/v1/meta")).json()
    assert meta["data_changed_by"] == "curated"
    await page.goto("/dashboard", wait_until="networkidle")
    shown = page.locator("p.freshness time")
    await expect(shown).to_have_attribute("datetime", meta["curated_updated"])
    day = dt.date.fromisoformat(meta["curated_updated"])
    # The day alone, as the page's locale writes it; no time of day (there is none).
    month = f"{day:%B}"
    await expect(shown).to_have_text(
        re.compile(rf"^\s*({day.day} {month} {day.year}|{month} {day.day}, {day.year})\s*$")
    )
    assert watch.problems == []


@pytest.mark.parametrize(
    ("locale", "label"), [("en-GB", "Last change"), ("es-ES", "Último cambio")]
)
async def test_the_front_door_says_when_the_data_last_changed(
    open_context: OpenContext, locale: str, label: str
) -> None:
    context, watch = await open_context(locale=locale)
    page = await context.new_page()
    await page.goto("/", wait_until="networkidle")
    meta = await (await context.request.get("/v1/meta")).json()
    # The server loaded the curated data when the tests began: its version's time is
    # today; the data itself last changed on the dataset's own day.
    assert meta["data_changed_by"] == "curated"
    assert meta["data_changed_at"] != meta["last_changed_at"]
    changed = page.locator("#last-changed")
    await expect(changed).to_have_attribute("datetime", meta["curated_updated"])
    await expect(changed).to_have_text(meta["curated_updated"])
    assert meta["data_changed_at"].startswith(meta["curated_updated"])
    facts = page.locator("dl.facts div", has=changed)
    await expect(facts.locator("dt")).to_have_text(label)
    assert watch.problems == []
