// The reference dashboard: a client of the public GraphQL API and nothing else.
// Pages: overview (/dashboard), one forum (/dashboard/forums/{code}), the matrix of
// states x forums (/dashboard/matrix). Every figure carries its sources (title,
// publisher, locator) on hover and on click, and every chart has a table under it.
// Every view names the data version it shows and offers a link to itself pinned to that
// version; an address with ?version=N shows version N (see "data version" below).
import { ApiError, allNodes, gqlAnswer } from "./graphql.js";
import { apply, extend, lang, onChange, t } from "./i18n.js";
import { MESSAGES, ROLE_ORDER, basisLabel, label } from "./messages.js";

extend(MESSAGES);

export const MIN_DATE = "1980-01-01";
const OFFICE_ROLES = ["CHAIR", "CO_CHAIR", "PRO_TEMPORE_PRESIDENCY", "PAST_CHAIR", "INCOMING_CHAIR"];
// The mark of a USD figure resting partly on a currency the source does not state.
const ASSUMED_MARK = "*";
const PALETTE = ["#0b4f8a", "#b35806", "#1b7837", "#762a83", "#8c510a", "#01665e", "#c51b7d", "#4d4d4d"];

const root = document.getElementById("dashboard");
const charts = [];

// ------------------------------------------------------------------ helpers

/** Build an element: h("p", {class: "note"}, "text", child...). Never parses HTML. */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function todayIso() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

/**
 * A date the person asked for, checked: {date, note}. Before 1980 or after today is
 * clamped to the bound with a note saying so; something that is not a date is refused
 * (date null) with a note.
 */
export function checkDate(value) {
  const today = todayIso();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "") || Number.isNaN(Date.parse(value))) {
    return { date: null, note: t("date.invalid", { value: value || "" }) };
  }
  if (value < MIN_DATE) return { date: MIN_DATE, note: t("date.clampedLow", { value, min: MIN_DATE }) };
  if (value > today) return { date: today, note: t("date.clampedHigh", { value, max: today }) };
  return { date: value, note: "" };
}

function dayNumber(iso) {
  return Math.round((Date.parse(iso) - Date.parse(MIN_DATE)) / 86400000);
}

function dayIso(number) {
  return new Date(Date.parse(MIN_DATE) + number * 86400000).toISOString().slice(0, 10);
}

function locale() {
  return lang() === "es" ? "es" : "en";
}

/** An exact decimal string, formatted without going through a float where the browser can. */
function formatNumber(value, digits = 2) {
  if (value === null || value === undefined) return "";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

function formatMoney(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  return `${formatNumber(amount, 2)} ${currency || ""}`.trim();
}

/** A summary row's USD total as a bar's height; null (no bar) when no pledge in it has a
 * USD amount, never 0, which would read as "nothing pledged". */
function usdValue(row) {
  return row.amountUsd === null || row.amountUsd === undefined ? null : Number(row.amountUsd);
}

function formatPct(value) {
  return `${formatNumber(value, 4)} %`;
}

function formatDay(iso) {
  if (!iso) return "";
  if (/^\d{4}$/.test(iso)) return iso;
  if (/^\d{4}-\d{2}$/.test(iso)) {
    return new Intl.DateTimeFormat(locale(), { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(`${iso}-01T00:00:00Z`));
  }
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
}

function forumName(forum) {
  return (lang() === "es" && forum.nameEs) || forum.name;
}

function actorName(actor) {
  return (lang() === "es" && actor.nameEs) || actor.name;
}

/** Who holds a role: the actor, or "not yet decided" / "vacant" for an office with none. */
function holderName(p) {
  return p.actor ? actorName(p.actor) : t(`holder.${(p.holderStatus || "").toLowerCase()}`);
}

function yearFraction(iso) {
  if (!iso) return null;
  const date = new Date(`${iso}T00:00:00Z`);
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const end = Date.UTC(date.getUTCFullYear() + 1, 0, 1);
  return date.getUTCFullYear() + (date.getTime() - start) / (end - start);
}

/** Unique citations of several facts, by source, locator and passage. */
function mergeCitations(lists) {
  const seen = new Map();
  for (const citation of lists.flat()) {
    const passage = citation.passage ? `${citation.passage.start}-${citation.passage.end}` : "";
    const key = `${citation.source.id}|${citation.locator || ""}|${passage}`;
    if (!seen.has(key)) seen.set(key, citation);
  }
  return [...seen.values()];
}

function citationText(citation) {
  const parts = [citation.source.title, citation.source.publisher];
  if (citation.locator) parts.push(citation.locator);
  return parts.join(" — ");
}

/** Where in the source's text the fact rests: the span (code points) and its SHA-256, so a
 * reader holding the public document can find the passage and check it. */
function passageNode(passage) {
  if (!passage) return null;
  return h(
    "span",
    {
      class: "passage",
      "data-start": passage.start,
      "data-end": passage.end,
      "data-sha256": passage.sha256,
      title: t("sources.passageTitle", { sha256: passage.sha256 }),
    },
    ` — ${t("sources.passage", { start: passage.start, end: passage.end })}`
  );
}

/** A value no cited passage states, with how it follows from the others. */
function inferredNode(value) {
  return h(
    "li",
    { class: "inferred", "data-field": value.field },
    h("span", { class: "badge inferred" }, t("sources.inferred")),
    " ",
    h("code", {}, value.field),
    `: ${value.reasoning}`
  );
}

/** Where a reader finds the document: its public address as a link, or, where it has
 * none, what the API says of its availability (in the dataset's words, English). */
function whereToFind(source) {
  if (source.url) return h("span", { class: "source-where" }, h("br"), h("a", { class: "source-link", href: source.url, rel: "noopener" }, source.url));
  if (!source.availability) return null;
  return h("span", { class: "source-where" }, h("br"), h("span", { class: "availability" }, `${t("sources.availability")}: `, h("span", { lang: "en" }, source.availability)));
}

/** Sources of one figure: the titles on hover; on click the full list (title, publisher,
 * section and passage), and the values that are inferred rather than stated, badged. */
function sources(citations, what = "", inferred = []) {
  const list = citations || [];
  if (!list.length) return h("span", { class: "no-sources" }, t("sources.none"));
  const summary = h(
    "summary",
    { title: list.map(citationText).join("\n"), "aria-label": what ? t("sources.of", { what, n: list.length }) : null },
    t("sources.count", { n: list.length })
  );
  return h(
    "details",
    { class: "sources" },
    summary,
    h(
      "ul",
      {},
      list.map((citation) =>
        h(
          "li",
          {},
          h("cite", {}, citation.source.title),
          h("span", { class: "publisher" }, ` — ${citation.source.publisher}`),
          citation.locator ? h("span", { class: "locator" }, ` — ${citation.locator}`) : null,
          passageNode(citation.passage),
          whereToFind(citation.source)
        )
      ),
      (inferred || []).map(inferredNode)
    )
  );
}

function table(caption, headers, rows, options = {}) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: options.className || null },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((header, i) => h("th", { scope: "col", class: options.numeric && options.numeric.includes(i) ? "num" : null }, header)))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((cells) =>
              h(
                "tr",
                {},
                cells.map((cell, i) =>
                  i === 0 && options.rowHeaders !== false
                    ? h("th", { scope: "row" }, cell)
                    : h("td", { class: options.numeric && options.numeric.includes(i) ? "num" : null }, cell)
                )
              )
            )
          : h("tr", {}, h("td", { colspan: headers.length }, t("empty")))
      )
    )
  );
}

/** A chart with its text alternative: an aria-label on the canvas and a table under it. */
/** A chart's own source line: every document its bars rest on, by title and publisher,
 * linked where the document has a public address. */
function sourceLine(citations) {
  const bySource = new Map();
  for (const citation of citations || []) bySource.set(citation.source.id, citation.source);
  if (!bySource.size) return null;
  const items = [...bySource.values()].map((source) =>
    h("span", { class: "chart-source", "data-source": source.id }, source.url ? h("a", { href: source.url, rel: "noopener" }, source.title) : h("cite", {}, source.title), ` (${source.publisher})`)
  );
  return h("p", { class: "source-line" }, `${t("chart.source", { n: items.length })}: `, items.map((item, i) => (i ? ["; ", item] : item)));
}

/** The footnote under a chart or table whose USD figures rest partly on an assumed currency. */
function assumedFootnote(n) {
  return h("p", { class: "footnote currency-assumed" }, h("span", { class: "assumed-mark", "aria-hidden": "true" }, ASSUMED_MARK), " ", t("assumed.footnote", { n }));
}

/** A USD figure, with the mark when part of it rests on an assumed currency. */
function usdCell(text, assumed) {
  if (!assumed) return text;
  return h("span", { class: "usd assumed", title: t("assumed.short") }, text, " ", h("span", { class: "assumed-mark" }, ASSUMED_MARK));
}

function chartFigure({ id, title, config, description, tableNode, footnote = null }) {
  const canvas = h("canvas", { id, role: "img", "aria-label": description });
  const cited = config.citations || (config.data.datasets[0].citationsPerBar || []).flat();
  const figure = h(
    "figure",
    { class: "chart-figure" },
    h("figcaption", {}, title),
    h("div", { class: "chart" }, canvas),
    footnote,
    sourceLine(cited),
    tableNode
  );
  queueMicrotask(() => {
    if (typeof Chart === "undefined") return;
    charts.push(new Chart(canvas, config));
  });
  return figure;
}

/** A diagonally hatched fill: the bars that rest partly on an assumed currency. */
function hatched(colour) {
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const ctx = tile.getContext("2d");
  ctx.fillStyle = faded(colour, 0.35);
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(-2, 10);
  ctx.lineTo(10, -2);
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.stroke();
  return ctx.createPattern(tile, "repeat");
}

/** A bar chart; ``assumed[i]`` marks bar i (an asterisk on its label, a hatched fill)
 * as resting partly on an assumed currency. */
function barConfig({ labels, values, axisLabel, horizontal = false, citationsPerBar = [], format, assumed = [] }) {
  const marked = labels.map((_, i) => Boolean(assumed[i]));
  const pattern = marked.some(Boolean) ? hatched(PALETTE[0]) : null;
  return {
    type: "bar",
    data: {
      labels: labels.map((text, i) => (marked[i] ? `${text} ${ASSUMED_MARK}` : text)),
      datasets: [
        {
          label: axisLabel,
          data: values,
          backgroundColor: marked.map((m) => (m ? pattern : PALETTE[0])),
          borderColor: PALETTE[0],
          borderWidth: marked.map((m) => (m ? 1 : 0)),
          citationsPerBar,
          assumed: marked,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => `${axisLabel}: ${format(item.raw)}${marked[item.dataIndex] ? ` ${ASSUMED_MARK}` : ""}`,
            afterLabel: (item) => {
              const cited = citationsPerBar[item.dataIndex] || [];
              if (!cited.length) return "";
              const titles = [...new Set(cited.map((c) => c.source.title))];
              const note = marked[item.dataIndex] ? `${ASSUMED_MARK} ${t("assumed.short")}` : "";
              return [note, t("sources.count", { n: cited.length }) + ":", ...titles.slice(0, 4), titles.length > 4 ? "…" : ""].filter(Boolean);
            },
          },
        },
      },
      scales: {
        [horizontal ? "x" : "y"]: { beginAtZero: true, title: { display: true, text: axisLabel } },
      },
    },
  };
}

function clearCharts() {
  while (charts.length) charts.pop().destroy();
}

function status(message) {
  return h("p", { class: "status", role: "status", "aria-live": "polite" }, message);
}

// The problem codes of a data version the API cannot read.
const VERSION_REFUSED = new Set(["unknown_version", "invalid_version"]);

function versionRefused(error) {
  return error instanceof ApiError && error.kind === "problem" && VERSION_REFUSED.has(error.code);
}

function explain(error) {
  if (!(error instanceof ApiError)) return t("error.unexpected");
  if (error.kind === "unreachable") return t("error.unreachable");
  if (error.kind === "timeout") return t("error.timeout");
  if (error.kind === "graphql") return t("error.graphql", { message: error.message, code: error.code || "error" });
  if (error.kind === "problem") {
    // The API's own words (English), which say which versions it can read.
    return [t(versionRefused(error) ? "error.version" : "error.problem"), " ", h("span", { class: "problem-detail", lang: "en" }, error.message)];
  }
  return t("error.http", { message: error.message });
}

/** A failure, explained, with a way on: try again, or, for a data version the API
 * cannot read (trying again would not help), the same view of the current data. */
function errorBox(error, retry, state) {
  const onward = versionRefused(error)
    ? h("a", { class: "button current-data", href: currentLink(state) }, t("version.current"))
    : h("button", { type: "button", onclick: retry }, t("error.retry"));
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", {}, h("strong", {}, t("error.title")), " ", explain(error)),
    h("p", {}, onward, " ", h("a", { href: "/dashboard" }, t("back.dashboard")))
  );
}

/** Run a view: a status while it loads, its content when it has loaded (with the data
 * version it shows, under its heading), a readable error otherwise. */
async function show(target, reading, state, build) {
  clearCharts();
  target.replaceChildren(status(t("loading")));
  try {
    const content = [await build()].flat().filter(Boolean);
    versionPanel = panel(reading, state);
    const heading = content.findIndex((node) => node.tagName === "H1");
    content.splice(heading + 1, 0, versionPanel.node);
    target.replaceChildren(...content);
  } catch (error) {
    versionPanel = null;
    target.replaceChildren(errorBox(error, () => show(target, reading, state, build), state));
    if (!(error instanceof ApiError)) throw error;
  }
}

/** The date control: a date field and a slider, kept in step; refuses or clamps out-of-range days. */
function dateControl(initial, onDate) {
  const today = todayIso();
  const note = h("p", { class: "date-note", id: "date-note", role: "status", "aria-live": "polite" });
  const input = h("input", { type: "date", id: "as-of", name: "as_of", min: MIN_DATE, max: today, value: initial, "aria-describedby": "date-note" });
  const slider = h("input", { type: "range", id: "as-of-slider", min: 0, max: dayNumber(today), step: 1, value: dayNumber(initial), "aria-describedby": "date-note" });
  let timer = null;
  const commit = (raw, fromSlider) => {
    const checked = checkDate(raw);
    note.textContent = checked.note;
    note.classList.toggle("warn", Boolean(checked.note));
    if (!checked.date) return;
    if (!fromSlider || input.value !== checked.date) input.value = checked.date;
    slider.value = String(dayNumber(checked.date));
    slider.setAttribute("aria-valuetext", formatDay(checked.date));
    const url = new URL(window.location.href);
    url.searchParams.set("as_of", checked.date);
    window.history.replaceState(null, "", url);
    clearTimeout(timer);
    timer = setTimeout(() => {
      onDate(checked.date);
      // The view's links name the day on screen, which onDate has just set.
      if (versionPanel) versionPanel.update();
    }, fromSlider ? 150 : 0);
  };
  input.addEventListener("change", () => commit(input.value, false));
  slider.addEventListener("input", () => commit(dayIso(Number(slider.value)), true));
  slider.setAttribute("aria-valuetext", formatDay(initial));
  return {
    node: h(
      "form",
      { class: "date-control", onsubmit: (event) => event.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "as-of" }, t("date.label")), input),
      h("div", { class: "field grow" }, h("label", { for: "as-of-slider" }, t("date.slider", { min: MIN_DATE.slice(0, 4) })), slider),
      note
    ),
    commit,
  };
}

function initialDate() {
  const asked = new URL(window.location.href).searchParams.get("as_of");
  if (!asked) return { date: todayIso(), note: "" };
  const checked = checkDate(asked);
  return checked.date ? checked : { date: todayIso(), note: checked.note };
}

// ------------------------------------------------------------------ data version

/** The data version the address pins (?version=N, checked by the server), or null. */
const PINNED = /^[0-9]+$/.test(root.dataset.version || "") ? Number(root.dataset.version) : null;

/**
 * What one view reads. Its first request reads the pinned version, or else the current
 * data; every later one (the rest of the view, a moved date, a further page) names the
 * version of that first answer in Migov-Data-Version, so a write that lands meanwhile
 * never mixes two versions in one view. Requests wait for the first answer to know it.
 * Should an answer still show another version, ``mixed`` says so and the view says it.
 */
class Reading {
  constructor(pinned) {
    this.pinned = pinned;
    this.version = pinned;
    this.seen = new Set();
    this.first = null;
    this.listeners = [];
  }

  get mixed() {
    return this.seen.size > 1;
  }

  note(version) {
    if (version === null || this.seen.has(version)) return;
    if (this.version === null) this.version = version;
    this.seen.add(version);
    for (const listener of this.listeners) listener();
  }

  async gql(query, variables = {}) {
    while (this.version === null && this.first) {
      await this.first.catch(() => undefined);
    }
    if (this.version === null) {
      const first = gqlAnswer(query, variables).then(
        (answer) => {
          this.first = null;
          this.note(answer.version);
          return answer;
        },
        (error) => {
          this.first = null;
          throw error;
        }
      );
      this.first = first;
      return (await first).data;
    }
    const answer = await gqlAnswer(query, variables, { version: this.version });
    this.note(answer.version);
    return answer.data;
  }

  allNodes(query, variables, pick) {
    return allNodes(query, variables, pick, (q, v) => this.gql(q, v));
  }
}

/** This view's address: its path, the day on screen if it has a date, and ``version``
 * (none: the current data). Absolute, to be pasted anywhere. */
function viewLink(state, version = null) {
  const url = new URL(window.location.pathname, window.location.origin);
  if (state.dated) url.searchParams.set("as_of", state.date);
  if (version !== null) url.searchParams.set("version", String(version));
  return url.href;
}

function currentLink(state) {
  return viewLink(state);
}

/** The REST request to cite for a view that is one REST list at one version, or null.
 * The matrix is the participations on its day; the overview (two summaries and the
 * pledges' sources) and a forum's page (the forum and five lists) are no one request,
 * and their pinned dashboard link is what to cite. */
function restLink(state, version) {
  if (state.view !== "matrix") return null;
  const url = new URL("/v1/participations", window.location.origin);
  url.searchParams.set("as_of", state.date);
  url.searchParams.set("limit", "500");
  url.searchParams.set("version", String(version));
  return url.href;
}

// The panel of the view on screen, redrawn when its date moves (the links name the day).
let versionPanel = null;

async function copyLink(input, note) {
  try {
    if (!window.isSecureContext || !navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(input.value);
    note.textContent = t("version.copied");
    note.classList.remove("warn");
  } catch (_) {
    // No clipboard here (a page not served over HTTPS, or permission refused): the link
    // is selected in its field, to copy by hand.
    input.focus();
    input.select();
    note.textContent = t("version.copyByHand");
    note.classList.add("warn");
  }
}

function panelContent(reading, state) {
  const version = reading.version;
  if (version === null) return [h("p", { class: "version-line" }, t("version.unnamed"))];
  const number = h("strong", { id: "data-version" }, String(version));
  const link = viewLink(state, version);
  const parts = [];
  if (reading.pinned !== null) {
    parts.push(
      h(
        "p",
        { class: "pinned-note", id: "pinned-note", role: "note" },
        h("strong", {}, t("version.label"), " ", number),
        " ",
        t("version.pinned", { version }),
        " ",
        h("a", { id: "current-data", href: currentLink(state) }, t("version.current"))
      )
    );
  } else {
    parts.push(h("p", { class: "version-line" }, t("version.label"), " ", number, " · ", h("a", { id: "pinned-link", href: link }, t("version.link"))));
  }
  if (reading.mixed) {
    const versions = [...reading.seen].sort((a, b) => a - b).join(", ");
    parts.push(h("p", { class: "mixed-note", id: "mixed-versions", role: "alert" }, t("version.mixed", { versions }), " ", h("a", { href: window.location.href }, t("version.reload"))));
  }
  const field = h("input", { type: "text", id: "pinned-url", readonly: true, value: link, "aria-describedby": "copy-note" });
  field.addEventListener("focus", () => field.select());
  const note = h("p", { class: "copy-note", id: "copy-note", role: "status", "aria-live": "polite" });
  parts.push(
    h("label", { for: "pinned-url", class: "cite-label" }, t("version.linkLabel", { version })),
    h("div", { class: "cite-row" }, field, h("button", { type: "button", id: "copy-pinned", onclick: () => copyLink(field, note) }, t("version.copy"))),
    note
  );
  const rest = restLink(state, version);
  if (rest) parts.push(h("p", { class: "rest-line" }, t("version.rest"), " ", h("a", { id: "rest-link", href: rest }, rest)));
  return parts;
}

/** The data version a view shows and the ways to cite it: the view's own link pinned to
 * that version (to open, or to copy), and the REST request where the view is one. */
function panel(reading, state) {
  const node = h("aside", { class: "data-version", id: "data-version-panel", "aria-label": t("version.label") });
  const update = () => node.replaceChildren(...panelContent(reading, state));
  reading.listeners.push(update);
  update();
  return { node, update };
}

// ------------------------------------------------------------------ overview

const CITATION = "locator passage { start end sha256 } source { id title publisher url availability }";
const INFERRED = "inferred { field reasoning }";

const OVERVIEW = `query Overview {
  datasetMeta { lastChangedAt dataChangedAt dataChangedBy curatedUpdated }
  forums(first: 500) { edges { node { code name nameEs kind } } }
  byForum: pledgeSummary(groupBy: [FORUM]) { group { forum } count amountUsd countWithoutUsd countCurrencyAssumed amountUsdCurrencyAssumed }
  byYear: pledgeSummary(groupBy: [YEAR]) { group { year } count amountUsd countWithoutUsd countCurrencyAssumed amountUsdCurrencyAssumed }
}`;

const PLEDGE_SOURCES = `query PledgeSources($after: String) {
  pledges(first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id forumCode announcedDate citations { ${CITATION} } } }
  }
}`;

function freshness(meta) {
  // When the data itself last changed (as the front door and /v1/meta say): the curated
  // dataset's day, which is all it states, or a write's commit time. Not when it was loaded.
  const at = meta.dataChangedAt || meta.lastChangedAt;
  const changed = new Date(at);
  const days = Math.max(0, Math.floor((Date.now() - changed.getTime()) / 86400000));
  const dayOnly = meta.dataChangedBy === "curated" && meta.curatedUpdated;
  const shown = dayOnly
    ? new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: "UTC" }).format(changed)
    : new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeStyle: "short" }).format(changed);
  return h(
    "p",
    { class: "freshness" },
    t("meta.changed"),
    " ",
    h("time", { datetime: dayOnly ? meta.curatedUpdated : at }, shown),
    ` (${days === 0 ? t("meta.today") : days === 1 ? t("meta.yesterday") : t("meta.daysAgo", { n: days })})`
  );
}

async function overview(reading) {
  const [data, pledgeData] = await Promise.all([
    reading.gql(OVERVIEW),
    reading.allNodes(PLEDGE_SOURCES, {}, (d) => d.pledges),
  ]);
  const forums = data.forums.edges.map((edge) => edge.node);
  const names = new Map(forums.map((forum) => [forum.code, forumName(forum)]));
  const pledges = pledgeData.nodes;
  const citationsBy = (key) => {
    const groups = new Map();
    for (const pledge of pledges) {
      const value = key(pledge);
      if (!groups.has(value)) groups.set(value, []);
      groups.get(value).push(pledge.citations);
    }
    return (value) => mergeCitations(groups.get(value) || []);
  };
  const forumCitations = citationsBy((p) => p.forumCode);
  const yearCitations = citationsBy((p) => (p.announcedDate ? Number(p.announcedDate.slice(0, 4)) : null));

  const byForum = [...data.byForum].sort((a, b) => Number(b.amountUsd) - Number(a.amountUsd));
  const byYear = [...data.byYear].sort((a, b) => (a.group.year ?? 99999) - (b.group.year ?? 99999));
  const total = byForum.reduce((sum, row) => sum + row.count, 0);
  const withoutUsd = byForum.reduce((sum, row) => sum + row.countWithoutUsd, 0);
  const forumLabel = (code) => (code ? `${names.get(code) || code} (${code})` : t("pledges.noForum"));
  const yearLabel = (year) => (year === null || year === undefined ? t("pledges.undated") : String(year));
  const usd = t("pledges.usd");
  // A USD total resting partly on an assumed currency is marked, bar and row alike.
  const restsOnAssumed = (row) => row.amountUsdCurrencyAssumed !== null && row.amountUsdCurrencyAssumed !== undefined && Number(row.amountUsdCurrencyAssumed) > 0;
  const assumedCount = (rows) => rows.filter(restsOnAssumed).reduce((sum, row) => sum + row.countCurrencyAssumed, 0);

  const summaryTable = (rows, labelOf, citationsOf, caption, firstHeader) =>
    table(
      caption,
      [firstHeader, t("pledges.count"), usd, t("pledges.withoutUsd"), t("sources")],
      rows.map((row) => [labelOf(row), String(row.count), usdCell(formatMoney(row.amountUsd, "USD"), restsOnAssumed(row)), String(row.countWithoutUsd), sources(citationsOf(row), labelOf(row))]),
      { numeric: [1, 2, 3] }
    );

  document.title = `${t("overview.title")} · migov`;
  return [
    h("h1", {}, t("overview.title")),
    freshness(data.datasetMeta),
    h(
      "nav",
      { class: "forum-list", "aria-labelledby": "forums-heading" },
      h("h2", { id: "forums-heading" }, t("overview.forums")),
      h("ul", {}, forums.map((forum) => h("li", {}, h("a", { href: `/dashboard/forums/${encodeURIComponent(forum.code)}` }, h("strong", {}, forum.code), " ", forumName(forum)))))
    ),
    h(
      "section",
      { "aria-labelledby": "pledges-heading" },
      h("h2", { id: "pledges-heading" }, t("overview.pledges")),
      withoutUsd > 0 ? h("p", { class: "callout", id: "without-usd" }, t("overview.withoutUsd", { n: withoutUsd, total })) : null,
      chartFigure({
        id: "chart-pledges-forum",
        title: t("overview.byForum"),
        description: t("overview.byForum.alt"),
        config: barConfig({
          labels: byForum.map((row) => row.group.forum || t("pledges.noForum")),
          values: byForum.map(usdValue),
          axisLabel: usd,
          citationsPerBar: byForum.map((row) => forumCitations(row.group.forum)),
          format: (v) => formatMoney(v, "USD"),
          assumed: byForum.map(restsOnAssumed),
        }),
        footnote: assumedCount(byForum) ? assumedFootnote(assumedCount(byForum)) : null,
        tableNode: summaryTable(byForum, (row) => forumLabel(row.group.forum), (row) => forumCitations(row.group.forum), t("overview.byForum"), t("forum")),
      }),
      chartFigure({
        id: "chart-pledges-year",
        title: t("overview.byYear"),
        description: t("overview.byYear.alt"),
        config: barConfig({
          labels: byYear.map((row) => yearLabel(row.group.year)),
          values: byYear.map(usdValue),
          axisLabel: usd,
          citationsPerBar: byYear.map((row) => yearCitations(row.group.year)),
          format: (v) => formatMoney(v, "USD"),
          assumed: byYear.map(restsOnAssumed),
        }),
        footnote: assumedCount(byYear) ? assumedFootnote(assumedCount(byYear)) : null,
        tableNode: summaryTable(byYear, (row) => yearLabel(row.group.year), (row) => yearCitations(row.group.year ?? null), t("overview.byYear"), t("year")),
      })
    ),
  ];
}

// ------------------------------------------------------------------ forum page

const PARTICIPATION = `id role start end startEarliest startLatest endEarliest endLatest disputed note holderStatus certainty lastConfirmed actor { id name nameEs kind } citations { ${CITATION} } ${INFERRED}`;

const FORUM = `query ForumPage($code: String!, $asOf: Date!) {
  forum(code: $code) {
    code name nameEs description descriptionEs founded website
    parent { code name nameEs }
    children { code name nameEs }
    citations { ${CITATION} }
    ${INFERRED}
    participants(asOf: $asOf) { ${PARTICIPATION} }
    offices: participants(role: [CHAIR, CO_CHAIR, PRO_TEMPORE_PRESIDENCY, PAST_CHAIR, INCOMING_CHAIR]) { ${PARTICIPATION} }
    fundingShareTotalPct
    fundingShares { id sharePct basis periodStart periodEnd reported disputed note actor { id name nameEs } citations { ${CITATION} } ${INFERRED} }
    events { id name kind start end place country announcedTotal { amount currency qualifier } citations { ${CITATION} } ${INFERRED} }
    pledges { id title kind status amount currency currencyAssumed amountQualifier amountUsd announcedOn pledgers { id name nameEs } event { id name } citations { ${CITATION} } ${INFERRED} }
  }
}`;

const PARTICIPANTS = `query Participants($code: String!, $asOf: Date!) {
  forum(code: $code) { participants(asOf: $asOf) { ${PARTICIPATION} } }
}`;

function period(start, end) {
  if (start && end) return t("period.between", { start: formatDay(start), end: formatDay(end) });
  if (start) return t("period.since", { start: formatDay(start) });
  if (end) return t("period.until", { end: formatDay(end) });
  return t("period.unknown");
}

/** How sure the role is held on the chosen day: "possible" when the sources' dates only bound it. */
function certaintyBadge(p) {
  if (p.certainty === "POSSIBLE") return h("span", { class: "badge possible", title: t("possible.hint") }, t("possible"));
  if (p.certainty === "CERTAIN") return h("span", { class: "badge certain", title: t("certain.hint") }, t("certain"));
  return null;
}

function participantsByRole(participations, asOf) {
  const container = h("div", { id: "participants", "aria-live": "polite" });
  if (!participations.length) {
    container.append(h("p", {}, t("participants.none", { date: formatDay(asOf) })));
    return container;
  }
  const groups = new Map();
  for (const p of participations) {
    if (!groups.has(p.role)) groups.set(p.role, []);
    groups.get(p.role).push(p);
  }
  const roles = [...groups.keys()].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
  container.append(h("p", { class: "count" }, t("participants.count", { n: participations.length, date: formatDay(asOf) })));
  for (const role of roles) {
    const members = groups.get(role).sort((a, b) => holderName(a).localeCompare(holderName(b), locale()));
    container.append(
      h(
        "section",
        { class: "role-group", "data-role": role },
        h("h3", {}, `${label("role", role)} (${members.length})`),
        h(
          "ul",
          { class: "participants" },
          members.map((p) =>
            h(
              "li",
              { "data-actor": p.actor ? p.actor.id : "" },
              h("span", { class: "who" }, holderName(p)),
              " ",
              h("span", { class: "when" }, period(p.start, p.end)),
              p.disputed ? h("span", { class: "badge disputed", title: t("disputed.hint") }, t("disputed")) : null,
              certaintyBadge(p),
              p.lastConfirmed ? h("span", { class: "confirmed" }, ` · ${t("confirmed", { date: formatDay(p.lastConfirmed) })}`) : null,
              " ",
              sources(p.citations, holderName(p), p.inferred)
            )
          )
        )
      )
    );
  }
  return container;
}

/** A colour of PALETTE ("#rrggbb") at ``alpha``. */
function faded(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** A role's period as spans on the year axis: where it surely held (start_latest to
 * end_earliest), where it may have (the bounds around it), and an open end (no end
 * recorded) that fades out at today. Every row gets a bar, dated or not. */
function officeSpans(p, lo, hi) {
  const a = yearFraction(p.startEarliest) ?? lo;
  const b = Math.max(a, yearFraction(p.startLatest) ?? a);
  const endEarliest = yearFraction(p.endEarliest);
  const endLatest = yearFraction(p.endLatest);
  const sure = endEarliest !== null && endEarliest > b ? [b, endEarliest] : null;
  const from = sure ? sure[1] : b;
  return {
    possibleStart: b > a ? [a, b] : null,
    certain: sure,
    possibleEnd: endLatest !== null && endLatest > from ? [from, endLatest] : null,
    open: endLatest === null ? [from, Math.max(from, hi)] : null,
  };
}

function officesFigure(offices) {
  const today = todayIso();
  const begins = (p) => p.start || p.startEarliest || p.startLatest || "";
  const rows = [...offices].sort((a, b) => begins(a).localeCompare(begins(b)) || ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  const roleColour = (role) => PALETTE[OFFICE_ROLES.indexOf(role) % PALETTE.length];
  const known = rows.flatMap((p) => [p.startEarliest, p.startLatest, p.endEarliest, p.endLatest].map(yearFraction)).filter((v) => v !== null);
  const hi = Math.max(yearFraction(today), ...known);
  const lo = known.length ? Math.min(...known) : hi - 1;
  const spans = rows.map((p) => officeSpans(p, lo, hi));
  const openFade = (context) => {
    const { chart, dataIndex } = context;
    const colour = roleColour(rows[dataIndex].role);
    const span = spans[dataIndex].open;
    const x = chart.scales && chart.scales.x;
    if (!span || !x || !chart.chartArea) return faded(colour, 0.3);
    const gradient = chart.ctx.createLinearGradient(x.getPixelForValue(span[0]), 0, x.getPixelForValue(span[1]), 0);
    gradient.addColorStop(0, faded(colour, 0.55));
    gradient.addColorStop(1, faded(colour, 0));
    return gradient;
  };
  const dataset = (key, label, colour, extra = {}) => ({
    label,
    key,
    data: spans.map((s) => s[key]),
    backgroundColor: colour,
    borderSkipped: false,
    grouped: false,
    ...extra,
  });
  const config = {
    type: "bar",
    citations: rows.flatMap((p) => p.citations),
    data: {
      labels: rows.map((p) => `${holderName(p)} · ${label("role", p.role)}`),
      datasets: [
        dataset("certain", t("offices.certain"), rows.map((p) => roleColour(p.role))),
        dataset("possibleStart", t("offices.possible"), rows.map((p) => faded(roleColour(p.role), 0.35)), {
          borderColor: rows.map((p) => roleColour(p.role)),
          borderWidth: 1,
          borderDash: [4, 3],
        }),
        dataset("possibleEnd", t("offices.possible"), rows.map((p) => faded(roleColour(p.role), 0.35)), {
          borderColor: rows.map((p) => roleColour(p.role)),
          borderWidth: 1,
        }),
        dataset("open", t("offices.open"), openFade),
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: "y",
      plugins: {
        legend: {
          display: true,
          labels: { filter: (item, data) => item.datasetIndex !== 2 && data.datasets[item.datasetIndex].data.some((v) => v) },
        },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${period(rows[item.dataIndex].start, rows[item.dataIndex].end)}`,
            afterLabel: (item) => rows[item.dataIndex].citations.map((c) => c.source.title),
          },
        },
      },
      scales: {
        x: {
          type: "linear",
          beginAtZero: false,
          min: Math.floor(lo),
          max: Math.ceil(hi),
          ticks: { stepSize: 1, callback: (v) => (Number.isInteger(v) ? String(v) : "") },
        },
        y: { stacked: false },
      },
    },
  };
  const figure = chartFigure({
    id: "chart-offices",
    title: t("offices.title"),
    description: t("offices.alt"),
    config,
    tableNode: table(
      t("offices.title"),
      [t("actor"), t("role"), t("period"), t("sources")],
      rows.map((p) => [holderName(p), label("role", p.role), period(p.start, p.end) + (p.disputed ? ` (${t("disputed")})` : ""), sources(p.citations, holderName(p), p.inferred)]),
      { className: "offices" }
    ),
  });
  figure.dataset.bars = String(rows.length);
  figure.querySelector(".chart").style.height = `${Math.max(160, 28 * rows.length + 90)}px`;
  return figure;
}

function fundingFigure(forum) {
  const shares = forum.fundingShares;
  const total = h("p", { class: "callout", id: "funding-total" }, t("funding.total", { total: formatPct(forum.fundingShareTotalPct) }));
  const figure = chartFigure({
    id: "chart-funding",
    title: t("funding.title"),
    description: t("funding.alt", { total: formatPct(forum.fundingShareTotalPct) }),
    config: barConfig({
      labels: shares.map((s) => actorName(s.actor)),
      values: shares.map((s) => Number(s.sharePct)),
      axisLabel: "%",
      horizontal: true,
      citationsPerBar: shares.map((s) => s.citations),
      format: (v) => formatPct(v),
    }),
    tableNode: table(
      t("funding.title"),
      [t("actor"), t("funding.share"), t("funding.basis"), t("funding.reported"), t("sources")],
      shares.map((s) => [actorName(s.actor), h("span", { class: "share", "data-value": s.sharePct }, formatPct(s.sharePct)), basisLabel(s.basis), s.reported || "", sources(s.citations, actorName(s.actor), s.inferred)]),
      { numeric: [1], className: "funding" }
    ),
  });
  figure.querySelector(".chart").style.height = `${Math.max(160, 26 * shares.length + 60)}px`;
  return [total, figure];
}

function eventsTable(events) {
  return table(
    t("events.title"),
    [t("event"), t("date"), t("events.kind"), t("events.place"), t("events.announced"), t("sources")],
    events.map((e) => [
      e.name,
      e.end ? `${formatDay(e.start)} – ${formatDay(e.end)}` : formatDay(e.start),
      label("eventKind", e.kind),
      e.place || "",
      e.announcedTotal ? `${e.announcedTotal.qualifier === "AT_LEAST" ? t("atLeast") + " " : e.announcedTotal.qualifier === "APPROXIMATE" ? "≈ " : ""}${formatMoney(e.announcedTotal.amount, e.announcedTotal.currency)}` : "—",
      sources(e.citations, e.name, e.inferred),
    ]),
    { className: "events", numeric: [4] }
  );
}

function pledgesTable(pledges) {
  const assumed = pledges.filter((p) => p.currencyAssumed && p.amountUsd !== null).length;
  const node = table(
    t("pledges.title"),
    [t("pledges.what"), t("pledges.who"), t("date"), t("pledges.amount"), t("pledges.usd"), t("pledges.status"), t("sources")],
    pledges.map((p) => [
      p.title,
      p.pledgers.map(actorName).join(", "),
      formatDay(p.announcedOn),
      p.amount === null ? label("pledgeKind", p.kind) : usdCell(formatMoney(p.amount, p.currency), p.currencyAssumed),
      p.amountUsd === null ? t("pledges.noUsd") : usdCell(formatMoney(p.amountUsd, "USD"), p.currencyAssumed),
      label("pledgeStatus", p.status),
      sources(p.citations, p.title, p.inferred),
    ]),
    { className: "pledges", numeric: [3, 4] }
  );
  return assumed ? [node, assumedFootnote(assumed)] : node;
}

async function forumPage(reading, code, state) {
  const data = await reading.gql(FORUM, { code, asOf: state.date });
  const forum = data.forum;
  if (!forum) return notFound(reading, code);
  document.title = `${forum.code} · migov`;
  const participantsSlot = h("div", { class: "participants-slot" }, participantsByRole(forum.participants, state.date));
  const control = dateControl(state.date, async (date) => {
    state.date = date;
    participantsSlot.setAttribute("aria-busy", "true");
    try {
      const fresh = await reading.gql(PARTICIPANTS, { code, asOf: date });
      if (state.date === date) participantsSlot.replaceChildren(participantsByRole(fresh.forum.participants, date));
    } catch (error) {
      participantsSlot.replaceChildren(errorBox(error, () => control.commit(date, false), state));
    } finally {
      participantsSlot.removeAttribute("aria-busy");
    }
  });
  if (state.note) {
    const note = control.node.querySelector("#date-note");
    note.textContent = state.note;
    note.classList.add("warn");
  }
  const description = (lang() === "es" && forum.descriptionEs) || forum.description;
  return [
    h("p", { class: "breadcrumb" }, h("a", { href: "/dashboard" }, t("overview.title")), " › ", forum.code),
    h("h1", {}, `${forumName(forum)} (${forum.code})`),
    description ? h("p", { class: "lead" }, description) : null,
    h(
      "p",
      { class: "facts-line" },
      forum.founded ? `${t("forum.founded")}: ${forum.founded}` : "",
      forum.parent ? [" · ", `${t("forum.partOf")} `, h("a", { href: `/dashboard/forums/${encodeURIComponent(forum.parent.code)}` }, forumName(forum.parent))] : "",
      forum.children.length ? [" · ", `${t("forum.children")}: `, forum.children.map((c, i) => [i ? ", " : "", h("a", { href: `/dashboard/forums/${encodeURIComponent(c.code)}` }, c.code)])] : "",
      " ",
      sources(forum.citations, forum.code, forum.inferred)
    ),
    h(
      "section",
      { "aria-labelledby": "participants-heading" },
      h("h2", { id: "participants-heading" }, t("participants.title")),
      control.node,
      participantsSlot
    ),
    h("section", { "aria-labelledby": "offices-heading" }, h("h2", { id: "offices-heading" }, t("offices.heading")), forum.offices.length ? officesFigure(forum.offices) : h("p", {}, t("offices.none"))),
    h("section", { "aria-labelledby": "funding-heading" }, h("h2", { id: "funding-heading" }, t("funding.title")), forum.fundingShares.length ? fundingFigure(forum) : h("p", {}, t("funding.none"))),
    h("section", { "aria-labelledby": "events-heading" }, h("h2", { id: "events-heading" }, t("events.title")), eventsTable(forum.events)),
    h("section", { "aria-labelledby": "pledges-heading" }, h("h2", { id: "pledges-heading" }, t("pledges.title")), pledgesTable(forum.pledges || [])),
  ];
}

async function notFound(reading, code) {
  document.title = `${t("notFound.title")} · migov`;
  const content = [
    h("h1", {}, t("notFound.title")),
    h("p", { class: "lead" }, t("notFound.body", { code })),
    h("p", {}, h("a", { class: "button", href: "/dashboard" }, t("back.dashboard"))),
  ];
  try {
    const data = await reading.gql(`{ forums(first: 500) { edges { node { code name nameEs } } } }`);
    content.push(
      h("h2", {}, t("notFound.forums")),
      h("ul", { class: "forum-list" }, data.forums.edges.map(({ node }) => h("li", {}, h("a", { href: `/dashboard/forums/${encodeURIComponent(node.code)}` }, h("strong", {}, node.code), " ", forumName(node)))))
    );
  } catch (_) {
    // The way back above is enough; the list is a convenience.
  }
  return content;
}

// ------------------------------------------------------------------ matrix

const MATRIX = `query Matrix($asOf: Date!, $after: String) {
  forums(first: 500) { edges { node { code name nameEs } } }
  participations(filter: {asOf: $asOf}, first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id forumCode role start end disputed certainty actor { id name nameEs kind } citations { ${CITATION} } ${INFERRED} } }
  }
}`;

function matrixTable(data, nodes, asOf) {
  const forums = data.forums.edges.map((edge) => edge.node);
  const states = new Map();
  const cells = new Map();
  for (const p of nodes) {
    if (!p.actor || p.actor.kind !== "STATE") continue;
    states.set(p.actor.id, p.actor);
    const key = `${p.actor.id}|${p.forumCode}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(p);
  }
  const columns = forums.filter((forum) => [...cells.keys()].some((key) => key.endsWith(`|${forum.code}`)));
  const rows = [...states.values()].sort((a, b) => actorName(a).localeCompare(actorName(b), locale()));
  const detail = h("div", { class: "cell-detail", id: "cell-detail", role: "region", "aria-live": "polite", "aria-label": t("matrix.detail") }, h("p", {}, t("matrix.hint")));
  if (!rows.length) return [h("p", {}, t("matrix.none", { date: formatDay(asOf) })), detail];
  const showCell = (actor, forum, held) => {
    detail.replaceChildren(
      h("h3", {}, `${actorName(actor)} · ${forumName(forum)} (${forum.code})`),
      h(
        "ul",
        {},
        held.map((p) => h("li", {}, h("strong", {}, label("role", p.role)), " ", period(p.start, p.end), p.disputed ? ` (${t("disputed")})` : "", certaintyBadge(p), " ", sources(p.citations, label("role", p.role), p.inferred)))
      )
    );
    const open = detail.querySelector("details");
    if (open) open.open = true;
  };
  const grid = h(
    "table",
    { class: "matrix", id: "matrix" },
    h("caption", {}, t("matrix.caption", { date: formatDay(asOf), states: rows.length, forums: columns.length })),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("matrix.state")), columns.map((forum) => h("th", { scope: "col", title: forumName(forum) }, forum.code)))),
    h(
      "tbody",
      {},
      rows.map((actor) =>
        h(
          "tr",
          { "data-actor": actor.id },
          h("th", { scope: "row" }, actorName(actor)),
          columns.map((forum) => {
            const held = cells.get(`${actor.id}|${forum.code}`) || [];
            if (!held.length) return h("td", { "data-forum": forum.code }, h("span", { class: "visually-hidden" }, t("matrix.no")));
            const roles = [...new Set(held.map((p) => p.role))].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
            const possible = held.some((p) => p.certainty === "POSSIBLE");
            const text = roles.map((role) => label("roleShort", role)).join(" ") + (possible ? "?" : "");
            const full = roles.map((role) => label("role", role)).join(", ") + (possible ? ` (${t("possible")})` : "");
            return h(
              "td",
              { "data-forum": forum.code, class: `held${held.some((p) => p.disputed) ? " disputed" : ""}` },
              h("button", { type: "button", title: `${actorName(actor)} · ${forum.code}: ${full}`, "aria-label": `${actorName(actor)}, ${forum.code}: ${full}`, onclick: () => showCell(actor, forum, held) }, text)
            );
          })
        )
      )
    )
  );
  const legend = h(
    "p",
    { class: "legend" },
    t("matrix.legend"),
    " ",
    ROLE_ORDER.filter((role) => nodes.some((p) => p.role === role && p.actor && p.actor.kind === "STATE")).map((role, i) => [i ? " · " : "", h("strong", {}, label("roleShort", role)), ` ${label("role", role)}`]),
    nodes.some((p) => p.certainty === "POSSIBLE") ? [" · ", h("strong", {}, "?"), ` ${t("possible.hint")}`] : null,
    nodes.some((p) => p.disputed) ? [" · ", h("span", { class: "key-disputed" }, t("matrix.disputed"))] : null
  );
  return [legend, h("div", { class: "table-wrap matrix-wrap", tabindex: "0", role: "region", "aria-label": t("matrix.caption", { date: formatDay(asOf), states: rows.length, forums: columns.length }) }, grid), detail];
}

async function matrixPage(reading, state) {
  const slot = h("div", { class: "matrix-slot" });
  const load = async (date) => {
    slot.setAttribute("aria-busy", "true");
    try {
      const { data, nodes } = await reading.allNodes(MATRIX, { asOf: date }, (d) => d.participations);
      if (state.date === date) slot.replaceChildren(...matrixTable(data, nodes, date));
    } catch (error) {
      slot.replaceChildren(errorBox(error, () => load(date), state));
    } finally {
      slot.removeAttribute("aria-busy");
    }
  };
  const control = dateControl(state.date, (date) => {
    state.date = date;
    return load(date);
  });
  if (state.note) {
    const note = control.node.querySelector("#date-note");
    note.textContent = state.note;
    note.classList.add("warn");
  }
  // The first load's failure is the page's failure: show() explains it with a retry.
  const { data, nodes } = await reading.allNodes(MATRIX, { asOf: state.date }, (d) => d.participations);
  slot.replaceChildren(...matrixTable(data, nodes, state.date));
  document.title = `${t("matrix.title")} · migov`;
  return [
    h("p", { class: "breadcrumb" }, h("a", { href: "/dashboard" }, t("overview.title")), " › ", t("matrix.title")),
    h("h1", {}, t("matrix.title")),
    h("p", { class: "lead" }, t("matrix.lead")),
    control.node,
    slot,
  ];
}

// ------------------------------------------------------------------ start

function start() {
  const view = root.dataset.view;
  // A view with a date control shows one day; its pinned link names that day too.
  const state = { ...initialDate(), view, dated: view === "forum" || view === "matrix" };
  const render = () => {
    apply();
    // Each rendering is a view of its own: it reads one data version, the pinned one or
    // the one current when its first answer came.
    const reading = new Reading(PINNED);
    const run = (build) => show(root, reading, state, build);
    if (view === "overview") return run(() => overview(reading));
    if (view === "forum") return run(() => forumPage(reading, root.dataset.forum, state));
    if (view === "matrix") return run(() => matrixPage(reading, state));
    return run(() => notFound(reading, root.dataset.forum));
  };
  onChange(render);
  render();
}

start();
