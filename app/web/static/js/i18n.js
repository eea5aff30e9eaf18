// English and Spanish. The language follows the browser (navigator.languages) until the
// person picks one with the switch; the choice is remembered in localStorage.
const STORE = "migov.lang";

const MESSAGES = {
  en: {
    skip: "Skip to content",
    "nav.label": "Main",
    "nav.dashboard": "Dashboard",
    "nav.matrix": "Who sits where",
    "nav.docs": "REST docs",
    "footer.about": "migov: open data on regional migration governance. Every figure cites its sources.",
    "home.title": "Who governs migration in the Americas, and how",
    "home.lead": "migov is an open data service on the forums through which states and organisations govern migration and forced displacement in the Americas and beyond: MIRPS and its Support Platform, the Puebla Process (Regional Conference on Migration), SICA, the OAS Committee on Migration Issues, the Global Compact for Migration and more. It tells who takes part in each forum and in what role over time, who pays what share of their budgets, their events, and the pledges made at them. Every curated fact cites the public document it comes from.",
    "home.dataset": "Dataset version",
    "home.changed": "Last change",
    "home.service": "Service version",
    "home.start": "Start here",
    "home.dashboard": "Dashboard",
    "home.dashboard.what": "Charts and tables: pledges, who sits where on a date, funding shares, with sources.",
    "home.rest": "REST API docs",
    "home.rest.what": "Every endpoint under /v1, tried in the browser (Swagger UI); also as ReDoc.",
    "home.graphql.what": "Write GraphQL queries against /graphql, with the schema at hand.",
    "home.more": "More ways in",
    "home.redoc": "the REST reference on one page",
    "home.index": "a JSON index of every resource",
    "home.meta": "dataset version, counts and each source's coverage",
    "home.csv": "CSV exports:",
    "home.openapi": "the OpenAPI document, to generate a client",
    "home.download": "the whole dataset as one file: a Frictionless Data Package (CSV per table) or SQLite",
    "home.licence": "Licence:",
    "home.licence.text": "the data is offered under",
    "home.licence.why": "(copy and re-use it freely, commercially or not; credit migov and keep each fact's source). Each source document keeps its own terms (see /v1/sources). The code is MIT-licensed.",
    "home.curl": "A first request",
    "home.curl.what": "Who chaired the MIRPS Support Platform on 1 January 2022?",
    loading: "Loading…",
    "back.dashboard": "Back to the dashboard",
    "version.current": "Show the current data",
    "version.refused.title": "This data version cannot be shown",
    "version.refused.asked": "The address asks for data version",
  },
  es: {
    skip: "Saltar al contenido",
    "nav.label": "Principal",
    "nav.dashboard": "Tablero",
    "nav.matrix": "Quién está dónde",
    "nav.docs": "Documentación REST",
    "footer.about": "migov: datos abiertos sobre la gobernanza regional de la migración. Cada cifra cita sus fuentes.",
    "home.title": "Quién gobierna la migración en las Américas, y cómo",
    "home.lead": "migov es un servicio de datos abiertos sobre los foros en los que Estados y organizaciones gobiernan la migración y el desplazamiento forzado en las Américas y más allá: el MIRPS y su Plataforma de Apoyo, el Proceso Puebla (Conferencia Regional sobre Migración), el SICA, la Comisión de Asuntos Migratorios de la OEA, el Pacto Mundial para la Migración y otros. Dice quién participa en cada foro y con qué función a lo largo del tiempo, quién aporta qué parte de sus presupuestos, sus eventos y los compromisos anunciados en ellos. Cada dato curado cita el documento público del que procede.",
    "home.dataset": "Versión de los datos",
    "home.changed": "Último cambio",
    "home.service": "Versión del servicio",
    "home.start": "Por dónde empezar",
    "home.dashboard": "Tablero",
    "home.dashboard.what": "Gráficos y tablas: compromisos, quién está dónde en una fecha, cuotas de financiación, con fuentes.",
    "home.rest": "Documentación de la API REST",
    "home.rest.what": "Cada recurso bajo /v1, para probar en el navegador (Swagger UI); también en ReDoc.",
    "home.graphql.what": "Escriba consultas GraphQL contra /graphql, con el esquema a mano.",
    "home.more": "Otras entradas",
    "home.redoc": "la referencia REST en una sola página",
    "home.index": "un índice JSON de todos los recursos",
    "home.meta": "versión de los datos, recuentos y cobertura de cada fuente",
    "home.csv": "Exportaciones CSV:",
    "home.openapi": "el documento OpenAPI, para generar un cliente",
    "home.download": "todo el conjunto de datos en un archivo: un Frictionless Data Package (un CSV por tabla) o SQLite",
    "home.licence": "Licencia:",
    "home.licence.text": "los datos se ofrecen bajo",
    "home.licence.why": "(cópielos y reutilícelos libremente, con fines comerciales o no; cite a migov y conserve la fuente de cada dato). Cada documento fuente conserva sus propios términos (véase /v1/sources). El código tiene licencia MIT.",
    "home.curl": "Una primera consulta",
    "home.curl.what": "¿Quién presidía la Plataforma de Apoyo del MIRPS el 1 de enero de 2022?",
    loading: "Cargando…",
    "back.dashboard": "Volver al tablero",
    "version.current": "Mostrar los datos actuales",
    "version.refused.title": "Esta versión de los datos no se puede mostrar",
    "version.refused.asked": "La dirección pide la versión de los datos",
  },
};

const listeners = [];

export function browserLang() {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base in MESSAGES) return base;
  }
  return "en";
}

export function lang() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORE);
  } catch (_) {
    stored = null;
  }
  return stored in MESSAGES ? stored : browserLang();
}

/** Every message of one language (the page tests compare the two). */
export function messages(code) {
  return { ...MESSAGES[code] };
}

/** Add page-specific messages: {en: {...}, es: {...}}. */
export function extend(messages) {
  for (const [code, table] of Object.entries(messages)) Object.assign(MESSAGES[code], table);
}

/** The message for key in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const table = MESSAGES[lang()];
  let text = key in table ? table[key] : key in MESSAGES.en ? MESSAGES.en[key] : key;
  for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
  return text;
}

export function onChange(listener) {
  listeners.push(listener);
}

export function apply(root = document) {
  const code = lang();
  document.documentElement.lang = code;
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      element.setAttribute(attr, t(key));
    }
  }
  for (const button of document.querySelectorAll("button[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === code));
  }
}

export function setLang(code) {
  try {
    localStorage.setItem(STORE, code);
  } catch (_) {
    // A browser refusing storage still switches for this page.
  }
  apply();
  for (const listener of listeners) listener(code);
}

for (const button of document.querySelectorAll("button[data-lang]")) {
  button.addEventListener("click", () => setLang(button.dataset.lang));
}
apply();
