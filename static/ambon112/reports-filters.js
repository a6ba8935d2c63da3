// The report's filter, in the form and in the URL: the month shortcuts, the errors next to their
// fields, the load of /api/reports/summary/ and the links to the exports.

import { ApiError, api, el, fmt } from "./ui.js";
import { $, DRILL_KEYS, count, monthRange, option, options, pageUrl, query, shiftedMonth, state } from "./reports-common.js";
import { loadMap, loadTrend } from "./reports-charts.js";
import { closeDrill, openDrill } from "./reports-drill.js";
import { render } from "./reports-summary.js";

// Scopes are incident sets beyond the plain filters (a major incident): reports/scopes.py.
const SCOPES = options.scopes || [];
const FILTER_KEYS = ["start", "end", "agency", "category", "kecamatan", ...SCOPES.map((s) => s.name), "shift", "priority", "by"];

const app = document.getElementById("report-app");
const form = document.getElementById("report-filter");

export function fillSelects() {
  $("f-agency").append(...(options.agencies || []).map((a) => el("option", { value: a.code, title: a.name }, a.short_name || a.name)));
  $("f-category").append(...(options.categories || []).map((c) => option(c.code, c.name)));
  $("f-kecamatan").append(...(options.kecamatan || []).map((k) => option(k.code, k.name)));
  $("f-shift").append(...(options.shifts || []).map((s) => option(s.code, s.name)));
  $("f-priority").append(...(options.priorities || []).map((p) => option(String(p), `P${p}`)));
  for (const scope of SCOPES) $(`f-${scope.name}`).append(...scope.choices.map((c) => option(c.code, c.name)));
}

/** The filter as the form holds it: only the fields that are set. */
function formFilter() {
  const filter = {};
  for (const key of FILTER_KEYS) {
    const value = form.elements[key].value.trim();
    if (value) filter[key] = value;
  }
  return filter;
}

function setForm(filter) {
  for (const key of FILTER_KEYS) {
    const field = form.elements[key];
    const value = filter[key] || "";
    if (field.tagName === "SELECT" && value && ![...field.options].some((o) => o.value === value)) {
      field.append(option(value, value)); // an unknown value stays visible; the API names it
    }
    field.value = value;
  }
  markQuickButtons();
}

function urlState() {
  const params = new URLSearchParams(window.location.search);
  const filter = {};
  for (const key of FILTER_KEYS) if (params.get(key)) filter[key] = params.get(key);
  if (!filter.start && !filter.end) [filter.start, filter.end] = shiftedMonth(0);
  const drill = {};
  for (const key of DRILL_KEYS) if (params.has(`d_${key}`)) drill[key] = params.get(`d_${key}`);
  return { filter, drill: drill.source ? drill : null, metric: params.get("metric") || "" };
}

function markQuickButtons() {
  const start = form.elements.start.value;
  const end = form.elements.end.value;
  const ranges = { this: shiftedMonth(0), last: shiftedMonth(-1) };
  for (const button of form.querySelectorAll("[data-month]")) {
    const [s, e] = ranges[button.dataset.month];
    button.setAttribute("aria-pressed", String(s === start && e === end));
  }
  const month = start && start.slice(0, 7);
  const whole = month && monthRange(...month.split("-").map(Number));
  $("f-month").value = whole && whole[0] === start && whole[1] === end ? month : "";
}

// --- Errors ------------------------------------------------------------------------------------

function clearErrors() {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  $("filter-error").hidden = true;
}

/** Field errors next to their field; the rest (and the summary) under the filter. */
function showErrors(error) {
  const general = [];
  if (error instanceof ApiError && error.status === 400 && error.body) {
    // {"detail", "errors": {field: [...]}} (the project's shape) or {field: [...]}.
    const errors = error.body.errors || error.body;
    let placed = 0;
    for (const [field, messages] of Object.entries(errors)) {
      if (field === "detail") continue;
      const text = [].concat(messages).join(" ");
      const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
      if (slot) {
        slot.textContent = text;
        if (form.elements[field]) form.elements[field].setAttribute("aria-invalid", "true");
        placed += 1;
      } else {
        general.push(text);
      }
    }
    if (!placed && !general.length) general.push(error.message);
    if (placed) general.unshift(gettext("Check the highlighted fields of the filter."));
  } else if (error instanceof ApiError && error.status === 403) {
    general.push(gettext("You may not read reports."));
  } else if (error instanceof ApiError) {
    general.push(fmt(gettext("The server could not make the report (%(status)s). Try again."), { status: error.status }));
  } else {
    general.push(gettext("The server could not be reached. Try again."));
  }
  $("filter-error").textContent = general.join(" ");
  $("filter-error").hidden = false;
}

// --- Loading -----------------------------------------------------------------------------------

async function load({ push = false, drill = null } = {}) {
  const generation = ++state.generation;
  clearErrors();
  state.filter = formFilter();
  state.drill = drill;
  markQuickButtons();
  if (push) history.pushState(null, "", pageUrl());
  else history.replaceState(null, "", pageUrl());
  app.dataset.state = "loading";
  $("report-loading").hidden = false;
  $("f-submit").disabled = true;
  updateLinks();
  let report;
  try {
    report = await api(`/api/reports/summary/?${query(state.filter)}`);
  } catch (error) {
    if (generation !== state.generation) return;
    state.report = null;
    $("report-period").textContent = "";
    showErrors(error);
    $("report-body").hidden = true;
    $("report-loading").hidden = true;
    $("f-submit").disabled = false;
    app.dataset.state = "error";
    return;
  } finally {
    if (generation === state.generation) $("f-submit").disabled = false;
  }
  if (generation !== state.generation) return;
  state.report = report;
  $("report-loading").hidden = true;
  $("report-body").hidden = false;
  render(report);
  markRowsWorkbook(report);
  app.dataset.state = "ready";
  loadTrend(generation);
  loadMap(generation, report);
  if (drill) openDrill(drill, { page: Number(drill.page) || 1 });
}

function updateLinks() {
  const filter = state.filter;
  const base = query(filter);
  const exportUrl = (extra) => `/api/reports/export/?${new URLSearchParams([...base, ...Object.entries(extra)])}`;
  const links = {
    "csv-summary": { format: "csv", part: "summary" },
    xlsx: { format: "xlsx", part: "summary" },
    pdf: { format: "pdf", part: "summary" },
    "rows-calls": { format: "csv", part: "rows", source: "calls" },
    "rows-incidents": { format: "csv", part: "rows", source: "incidents" },
    "rows-tickets": { format: "csv", part: "rows", source: "tickets" },
    "rows-assignments": { format: "csv", part: "rows", source: "assignments" },
    "xlsx-rows": { format: "xlsx", part: "rows" },
  };
  for (const link of document.querySelectorAll("[data-export]")) {
    link.href = exportUrl(links[link.dataset.export]);
  }
  $("integrity-link").href = `/reports/integrity/?${query({ start: filter.start, end: filter.end })}`;
}

/** The rows as one XLSX only up to the server's limit; past it, the link is greyed and a note says why. */
function markRowsWorkbook(report) {
  const link = document.querySelector("[data-export='xlsx-rows']");
  const rows = Object.values(report.rows).reduce((sum, n) => sum + n, 0);
  const tooMany = rows > options.xlsx_row_limit;
  const note = $("xlsx-rows-note");
  note.hidden = !tooMany;
  if (!tooMany) {
    link.removeAttribute("aria-disabled");
    return;
  }
  link.removeAttribute("href");
  link.setAttribute("aria-disabled", "true");
  link.setAttribute("aria-describedby", note.id);
  note.textContent = fmt(
    gettext("This period has %(rows)s rows; an XLSX of rows holds at most %(limit)s. Export the rows as CSV, one source at a time, or choose a shorter period."),
    { rows: count(rows), limit: count(options.xlsx_row_limit) },
  );
}

export function start() {
  const { filter, drill, metric } = urlState();
  state.metric = metric;
  setForm(filter);
  load({ drill });
}

// --- Wiring ------------------------------------------------------------------------------------

/** Put a [start, end] period in the form and load it. */
function loadPeriod([start, end]) {
  form.elements.start.value = start;
  form.elements.end.value = end;
  load({ push: true });
}

export function wireFilters() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load({ push: true });
  });
  for (const button of form.querySelectorAll("[data-month]")) {
    button.addEventListener("click", () => {
      loadPeriod(shiftedMonth(button.dataset.month === "last" ? -1 : 0));
    });
  }
  $("f-month").addEventListener("change", (event) => {
    if (!event.target.value) return;
    loadPeriod(monthRange(...event.target.value.split("-").map(Number)));
  });
  // A choice in a select applies at once; typed dates wait for the button (or Enter).
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => load({ push: true }));
  }
  form.elements.start.addEventListener("change", markQuickButtons);
  form.elements.end.addEventListener("change", markQuickButtons);
  window.addEventListener("popstate", () => {
    closeDrill();
    start();
  });
}
