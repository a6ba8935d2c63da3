// The verifier's response-time report: a filter kept in the URL, the figures of
// /api/reports/summary/ with their definitions, charts (Chart.js, vendored), a choropleth of
// incidents per kecamatan (Leaflet, outlines only, no tiles), the rows behind any figure from
// /api/reports/rows/, and links to the exports. Everything shown is computed by the server;
// this page only formats it (m:ss, id-ID numbers, WIT).

import { ApiError, WIT, api, el, fill, fmt, jsonScript } from "./ui.js";

const LANG = document.documentElement.lang || "id";
const LOCALE = LANG === "id" ? "id-ID" : "en-GB";
const numberFormat = new Intl.NumberFormat(LOCALE);
const percentFormat = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });
const secondsFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 3 });
const stampFormat = new Intl.DateTimeFormat(LOCALE, {
  timeZone: WIT, day: "2-digit", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
const dayFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });

const FILTER_KEYS = ["start", "end", "agency", "category", "kecamatan", "shift", "priority", "by"];
const DRILL_KEYS = ["source", "metric", "outcome", "threshold", "group", "page"];
const SOURCE_OF = {
  answer: "calls", processing: "incidents", acknowledgment: "tickets",
  turnout: "assignments", travel: "assignments", response: "incidents", spm_fire: "incidents",
};
const STAMP_COLUMNS = new Set(["t0", "t1", "t2", "t3", "t4", "t4d", "t5", "t6", "t6f", "t11", "declined_at", "cancelled_at"]);
const INCIDENT_FILTERS = ["agency", "category", "kecamatan", "priority"];

const options = jsonScript("report-options", {});
const app = document.getElementById("report-app");
const form = document.getElementById("report-filter");
const $ = (id) => document.getElementById(id);

const STATUS = {
  met: { text: gettext("Met"), className: "ok" },
  near: { text: gettext("Nearly met"), className: "warn" },
  missed: { text: gettext("Not met"), className: "bad" },
  no_data: { text: gettext("No data"), className: "muted-badge" },
};
const BREAKDOWN_TITLES = {
  month: gettext("By month"),
  agency: gettext("By agency"),
  category: gettext("By category"),
  kecamatan: gettext("By kecamatan"),
  shift: gettext("By shift"),
  priority: gettext("By priority"),
};
const GROUP_HEADINGS = {
  month: gettext("Month"),
  agency: gettext("Agency"),
  category: gettext("Category"),
  kecamatan: gettext("Kecamatan"),
  shift: gettext("Shift"),
  priority: gettext("Priority"),
};
const OUTCOME_TITLES = {
  measured: gettext("measured"),
  missing: gettext("missing"),
  within: gettext("within the threshold"),
  over: gettext("over the threshold"),
};
const SOURCE_TITLES = {
  calls: gettext("Calls"),
  incidents: gettext("Incidents"),
  tickets: gettext("Tickets"),
  assignments: gettext("Unit assignments"),
};

// --- Formats -----------------------------------------------------------------------------------

const count = (n) => (n == null ? "—" : numberFormat.format(n));

/** m:ss (h:mm:ss past an hour), to the nearest second; "—" when there is no value. */
function mss(seconds) {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function secondsTitle(seconds) {
  return seconds == null ? gettext("No data") : fmt(gettext("%(s)s s"), { s: secondsFormat.format(seconds) });
}

const share = (value) => (value == null ? "—" : percentFormat.format(value));
const stamp = (iso) => (iso ? stampFormat.format(new Date(iso)) : "—");
const isoDay = (date) => date.toISOString().slice(0, 10);
const dayLabel = (iso) => (iso ? dayFormat.format(new Date(`${iso}T00:00:00Z`)) : "");

/** Today's date in WIT as YYYY-MM-DD, whatever the browser's own zone. */
function todayWit() {
  return new Date().toLocaleDateString("en-CA", { timeZone: WIT });
}

/** [first day, last day] of month `m` (1–12) of `y`, as YYYY-MM-DD. */
function monthRange(y, m) {
  return [isoDay(new Date(Date.UTC(y, m - 1, 1))), isoDay(new Date(Date.UTC(y, m, 0)))];
}

function shiftedMonth(offset) {
  const [y, m] = todayWit().split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1 + offset, 1));
  return monthRange(date.getUTCFullYear(), date.getUTCMonth() + 1);
}

// --- The filter, in the form and in the URL -----------------------------------------------------

function option(value, label) {
  return el("option", { value }, label);
}

function fillSelects() {
  $("f-agency").append(...(options.agencies || []).map((a) => el("option", { value: a.code, title: a.name }, a.short_name || a.name)));
  $("f-category").append(...(options.categories || []).map((c) => option(c.code, c.name)));
  $("f-kecamatan").append(...(options.kecamatan || []).map((k) => option(k.code, k.name)));
  $("f-shift").append(...(options.shifts || []).map((s) => option(s.code, s.name)));
  $("f-priority").append(...(options.priorities || []).map((p) => option(String(p), `P${p}`)));
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

function query(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value != null && value !== "") params.set(key, value);
  }
  return params;
}

/** The page's own URL: the filter, the breakdown table's interval, the open drill-down. */
function pageUrl() {
  const params = query(state.filter);
  if (state.metric) params.set("metric", state.metric);
  if (state.drill) {
    for (const key of DRILL_KEYS) {
      if (state.drill[key] != null) params.set(`d_${key}`, state.drill[key]);
    }
  }
  return `${window.location.pathname}?${params}`;
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

const state = { filter: {}, report: null, drill: null, metric: "", generation: 0 };

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

// --- The summary -------------------------------------------------------------------------------

function render(report) {
  const filter = report.filter;
  const labels = filter.labels || {};
  const parts = [`${dayLabel(filter.start)} – ${dayLabel(filter.end)}`];
  for (const key of ["agency", "category", "kecamatan", "shift", "priority"]) {
    if (labels[key]) parts.push(labels[key]);
  }
  $("report-period").textContent = parts.join(" · ");
  fill(
    $("report-meta"),
    fmt(gettext("Generated %(when)s WIT"), { when: stamp(report.generated_at) }),
    " · ",
    fmt(gettext("%(n)s log events in the period"), { n: count(report.events_covered) }),
    " · ",
    el(
      "span",
      { title: report.chain_head.hash },
      fmt(gettext("log head #%(seq)s (%(hash)s…)"), { seq: count(report.chain_head.seq), hash: report.chain_head.hash.slice(0, 12) })
    )
  );
  $("no-data-notice").hidden = report.has_data;
  $("call-filter-notice").hidden = !INCIDENT_FILTERS.some((key) => filter[key]);
  renderSummary(report.total);
  renderCalls(report);
  renderBreakdown(report);
}

/** A count that opens the rows behind it; a plain number when there is nothing behind. */
function drillLink(n, drill, title) {
  if (!n) return el("span", { className: "zero" }, count(n));
  return el(
    "button",
    { type: "button", className: "figure", title: title || gettext("Show the rows behind this figure"), dataset: { drill: JSON.stringify(drill) } },
    count(n)
  );
}

function thresholdLine(metric, threshold, group) {
  const status = STATUS[threshold.status] || STATUS.no_data;
  const over = threshold.of - threshold.within;
  const base = { ...group, source: SOURCE_OF[metric.key], metric: metric.key, threshold: threshold.key };
  return el(
    "li",
    { className: `threshold status-${threshold.status}`, dataset: { threshold: threshold.key } },
    el("span", { className: `light ${threshold.status}`, "aria-hidden": "true" }),
    el("span", { className: `badge ${status.className}` }, status.text),
    " ",
    el("span", { className: "t-label" }, threshold.label),
    threshold.applies_to ? el("span", { className: "muted small" }, ` (${fmt(gettext("only %(who)s"), { who: threshold.applies_to })})`) : null,
    el("br"),
    el("strong", { className: "t-share" }, share(threshold.share)),
    " ",
    threshold.of
      ? el(
          "span",
          { className: "t-counts" },
          "(",
          drillLink(threshold.within, { ...base, outcome: "within" }, gettext("The items within the threshold")),
          ` ${gettext("of")} `,
          drillLink(threshold.of, { ...base, outcome: "measured" }, gettext("The measured items this threshold applies to")),
          over ? [" · ", drillLink(over, { ...base, outcome: "over" }, gettext("The items over the threshold")), ` ${gettext("over")}`] : null,
          ")"
        )
      : el("span", { className: "muted small" }, gettext("nothing measured"))
  );
}

/** The cells of one metric: counted, measured, missing, percentiles, thresholds. */
function metricCells(metric, group) {
  const source = SOURCE_OF[metric.key];
  const behind = { ...group, source, metric: metric.key };
  const missingCell = el("td", { className: "num", dataset: { col: "missing" } }, drillLink(metric.missing, { ...behind, outcome: "missing" }, metric.missing_note));
  if (metric.missing) missingCell.append(el("div", { className: "missing-note" }, metric.missing_note));
  return [
    el("td", { className: "num", dataset: { col: "population" } }, drillLink(metric.population, behind)),
    el("td", { className: "num", dataset: { col: "measured" } }, drillLink(metric.measured, { ...behind, outcome: "measured" })),
    missingCell,
    ...["p50", "p90", "p95", "max"].map((p) =>
      el("td", { className: `num time${metric[p] == null ? " none" : ""}`, title: secondsTitle(metric[p]), dataset: { col: p } }, mss(metric[p]))
    ),
    el(
      "td",
      { className: "thresholds" },
      metric.thresholds.length
        ? el("ul", {}, metric.thresholds.map((t) => thresholdLine(metric, t, group)))
        : el("span", { className: "muted small" }, gettext("No threshold: reported only"))
    ),
  ];
}

function definition(metric) {
  return el(
    "dl",
    { className: "definition" },
    el("dt", {}, gettext("Formula")),
    el("dd", {}, el("code", {}, metric.formula)),
    el("dt", {}, gettext("Counted over")),
    el("dd", {}, metric.counted_over),
    el("dt", {}, gettext("Missing")),
    el("dd", {}, metric.missing_note),
    metric.thresholds.length ? el("dt", {}, gettext("Thresholds")) : null,
    metric.thresholds.length
      ? el(
          "dd",
          {},
          metric.thresholds
            .map((t) => (t.applies_to ? `${t.label} (${fmt(gettext("only %(who)s"), { who: t.applies_to })})` : t.label))
            .join("; ")
        )
      : null
  );
}

let showAllDefinitions = false;

function renderSummary(total) {
  const rows = [];
  for (const metric of total.metrics) {
    const id = `def-${metric.key}`;
    const toggle = el(
      "button",
      { type: "button", className: "link def-toggle", "aria-expanded": String(showAllDefinitions), "aria-controls": id },
      gettext("Definition")
    );
    rows.push(
      el(
        "tr",
        { className: "metric-row", dataset: { metric: metric.key } },
        el(
          "th",
          { scope: "row" },
          el("span", { className: "m-label" }, metric.label),
          el("span", { className: "formula" }, metric.formula),
          toggle
        ),
        metricCells(metric, {})
      )
    );
    const row = el("tr", { className: "definition-row", id, hidden: !showAllDefinitions }, el("td", { colSpan: 9 }, definition(metric)));
    toggle.addEventListener("click", () => {
      row.hidden = !row.hidden;
      toggle.setAttribute("aria-expanded", String(!row.hidden));
    });
    rows.push(row);
  }
  fill($("summary-rows"), rows);
  fill(
    $("status-legend"),
    ...Object.entries(STATUS).map(([key, s]) => el("span", { className: "legend-item" }, el("span", { className: `light ${key}`, "aria-hidden": "true" }), s.text)),
    el("span", { className: "muted" }, gettext("Nearly met: up to 5 points below the target. No data: nothing measured, never 0 % nor 100 %."))
  );
}


// --- Calls -------------------------------------------------------------------------------------

const charts = {};

/** Draw (again) the chart on canvas `id`; with no data, say so instead of drawing empty axes. */
function chart(id, config, { empty = false } = {}) {
  if (charts[id]) charts[id].destroy();
  delete charts[id];
  const canvas = $(id);
  const wrap = canvas.parentElement;
  let note = wrap.querySelector(".chart-empty");
  if (!note) {
    note = el("p", { className: "chart-empty empty" }, gettext("No data"));
    wrap.append(note);
  }
  note.hidden = !empty;
  canvas.hidden = empty;
  if (!empty) charts[id] = new window.Chart(canvas, config);
  canvas.dataset.ready = "true";
  return charts[id];
}

const DISPOSITION_COLOURS = {
  emergency: "#b3261e", information: "#1a5fb4", prank: "#c26a00", ghost: "#e0a030",
  dropped: "#8d96a0", duplicate: "#5c6570", test: "#aab2bd", abandoned: "#7a1a14", unclassified: "#d9dde3",
};

function renderCalls(report) {
  const calls = report.total.calls;
  const answer = report.total.metrics.find((m) => m.key === "answer");
  fill(
    $("call-figures"),
    el("div", {}, el("dt", {}, gettext("Calls presented")), el("dd", { dataset: { figure: "presented" } }, drillLink(calls.presented, { source: "calls" }))),
    el(
      "div",
      {},
      el("dt", {}, gettext("Abandoned (caller hung up before an answer)")),
      el("dd", { dataset: { figure: "abandoned" } }, count(calls.abandoned))
    ),
    el(
      "div",
      {},
      el("dt", {}, gettext("Abandoned rate")),
      el("dd", { dataset: { figure: "abandoned-rate" } }, calls.abandoned_rate == null ? gettext("No data") : share(calls.abandoned_rate)),
      el("p", { className: "muted small" }, gettext("Abandoned ÷ presented, over every presented call; reported, no threshold."))
    ),
    answer
      ? el(
          "div",
          {},
          el("dt", {}, gettext("Never answered")),
          el("dd", {}, drillLink(answer.missing, { source: "calls", metric: "answer", outcome: "missing" })),
          el("p", { className: "muted small" }, answer.missing_note)
        )
      : null,
    el(
      "div",
      {},
      el("dt", {}, gettext("By channel")),
      el("dd", { className: "channels" }, calls.by_channel.filter((c) => c.count).map((c) => `${c.label} ${count(c.count)}`).join(" · ") || "—")
    )
  );
  const rows = calls.by_disposition;
  fill(
    $("disposition-rows"),
    rows.map((d) =>
      el(
        "tr",
        { dataset: { disposition: d.key }, className: d.count ? "" : "nil" },
        el("td", {}, el("span", { className: `swatch disp-${d.key}`, "aria-hidden": "true" }), d.label),
        el("td", { className: "num" }, count(d.count)),
        el("td", { className: "num" }, calls.presented ? share(d.count / calls.presented) : "—")
      )
    )
  );
  const shown = rows.filter((d) => d.count);
  chart("chart-dispositions", {
    type: "bar",
    data: {
      labels: shown.map((d) => d.label),
      datasets: [{ label: gettext("Calls"), data: shown.map((d) => d.count), backgroundColor: shown.map((d) => DISPOSITION_COLOURS[d.key] || "#8d96a0") }],
    },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => count(c.parsed.x) } } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0, callback: (v) => count(v) } } },
    },
  }, { empty: !shown.length });
  const histogram = report.answer_histogram || [];
  chart("chart-histogram", {
    type: "bar",
    data: {
      labels: histogram.map((b) =>
        b.to_s == null ? fmt(gettext("≥ %(from)s s"), { from: b.from_s }) : fmt(gettext("%(from)s–%(to)s s"), { from: b.from_s, to: b.to_s })
      ),
      datasets: [
        {
          label: gettext("Answered calls"),
          data: histogram.map((b) => b.count),
          backgroundColor: histogram.map((b) => (b.to_s != null && b.to_s <= 15 ? "#1e7a34" : b.to_s != null && b.to_s <= 20 ? "#d08a00" : "#b3261e")),
        },
      ],
    },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => fmt(gettext("%(n)s calls"), { n: count(c.parsed.y) }) } } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: (v) => count(v) } } },
    },
  }, { empty: !histogram.some((b) => b.count) });
}

// --- The breakdown -----------------------------------------------------------------------------

function renderBreakdown(report) {
  const section = $("breakdown-section");
  if (!report.by || !report.groups.length) {
    section.hidden = !report.by;
    if (report.by) {
      $("breakdown-title").textContent = BREAKDOWN_TITLES[report.by];
      fill($("breakdown-head"));
      fill($("breakdown-rows"), el("tr", {}, el("td", { className: "empty" }, gettext("No data"))));
    }
    return;
  }
  section.hidden = false;
  $("breakdown-title").textContent = BREAKDOWN_TITLES[report.by];
  const keys = report.groups[0].metrics.map((m) => m.key);
  const select = $("breakdown-metric");
  const metric = keys.includes(state.metric) ? state.metric : keys[0];
  fill(select, report.groups[0].metrics.map((m) => option(m.key, m.label)));
  select.value = metric;
  const hasCalls = report.groups.some((g) => g.calls);
  fill(
    $("breakdown-head"),
    el(
      "tr",
      {},
      el("th", { scope: "col" }, GROUP_HEADINGS[report.by]),
      el("th", { scope: "col", className: "num" }, gettext("Incidents")),
      hasCalls ? el("th", { scope: "col", className: "num" }, gettext("Calls presented")) : null,
      el("th", { scope: "col", className: "num" }, gettext("Population")),
      el("th", { scope: "col", className: "num" }, gettext("Measured")),
      el("th", { scope: "col", className: "num" }, gettext("Missing")),
      ["p50", "p90", "p95"].map((p) => el("th", { scope: "col", className: "num" }, p)),
      el("th", { scope: "col", className: "num" }, gettext("Max")),
      el("th", { scope: "col" }, gettext("Threshold and compliance"))
    )
  );
  fill(
    $("breakdown-rows"),
    report.groups.map((group) => {
      const where = { by: report.by, group: group.key == null ? "" : group.key, groupLabel: group.label };
      const figures = group.metrics.find((m) => m.key === metric);
      return el(
        "tr",
        { dataset: { group: group.key == null ? "" : group.key } },
        el("th", { scope: "row" }, group.label),
        el("td", { className: "num", dataset: { col: "incidents" } }, drillLink(group.incidents, { ...where, source: "incidents" })),
        hasCalls ? el("td", { className: "num" }, group.calls ? drillLink(group.calls.presented, { ...where, source: "calls" }) : "—") : null,
        figures ? metricCells(figures, where) : el("td", { colSpan: 8, className: "muted" }, gettext("No data"))
      );
    })
  );
}


// --- Trend -------------------------------------------------------------------------------------

const TREND_COLOURS = ["#b3261e", "#1a5fb4", "#1e7a34", "#c26a00", "#6f42c1", "#20262e", "#d4479a"];
const TREND_TICKS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

async function loadTrend(generation) {
  const end = state.filter.end;
  const error = $("trend-error");
  error.hidden = true;
  const [y, m] = end.split("-").map(Number);
  const start = isoDay(new Date(Date.UTC(y, m - 12, 1)));
  const trendFilter = { ...state.filter, start, by: "month" };
  $("trend-period").textContent = fmt(gettext("The 12 months ending %(end)s, with the same filter."), { end: dayLabel(end) });
  let trend;
  try {
    trend = await api(`/api/reports/summary/?${query(trendFilter)}`);
  } catch (failure) {
    if (generation !== state.generation) return;
    error.textContent = failure instanceof ApiError && failure.body ? Object.values(failure.body.errors || failure.body).flat().join(" ") : gettext("The server could not be reached. Try again.");
    error.hidden = false;
    return;
  }
  if (generation !== state.generation) return;
  const keys = trend.total.metrics.map((metric) => metric.key);
  const labels = trend.groups.map((g) => g.label);
  const datasets = trend.total.metrics.map((metric, i) => ({
    label: metric.label,
    data: trend.groups.map((g) => {
      const figures = g.metrics.find((x) => x.key === keys[i]);
      return figures && figures.p90 > 0 ? figures.p90 : null;
    }),
    borderColor: TREND_COLOURS[i % TREND_COLOURS.length],
    backgroundColor: TREND_COLOURS[i % TREND_COLOURS.length],
    spanGaps: false,
    pointRadius: 3,
  }));
  chart("chart-trend", {
    type: "line",
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "nearest", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${mss(c.parsed.y)}` } },
      },
      scales: {
        y: {
          type: "logarithmic",
          title: { display: true, text: gettext("p90 (m:ss, log scale)") },
          afterBuildTicks: (scale) => {
            scale.ticks = TREND_TICKS.filter((v) => v >= scale.min && v <= scale.max).map((value) => ({ value }));
          },
          ticks: { callback: (value) => mss(value) },
        },
      },
    },
  }, { empty: !datasets.some((d) => d.data.some((v) => v != null)) });
}

// --- Map ---------------------------------------------------------------------------------------

const MAP_COLOURS = ["#fdf0e6", "#facba6", "#f59e72", "#e85d40", "#b3261e"];
let reportMap = null;
let mapLayer = null;
let outlinesPromise = null;

function kecamatanOutlines() {
  if (!outlinesPromise) {
    outlinesPromise = api("/api/areas/?level=kecamatan").catch((error) => {
      outlinesPromise = null;
      throw error;
    });
  }
  return outlinesPromise;
}

function mapColour(n, max) {
  if (!n) return MAP_COLOURS[0];
  const top = MAP_COLOURS.length - 1;
  return MAP_COLOURS[Math.max(1, Math.min(top, Math.ceil((n / max) * top)))];
}

async function loadMap(generation, report) {
  const container = $("report-map");
  const error = $("map-error");
  error.hidden = true;
  container.dataset.ready = "false";
  let byKecamatan = report;
  try {
    const [outlines] = await Promise.all([
      kecamatanOutlines(),
      report.by === "kecamatan"
        ? Promise.resolve()
        : api(`/api/reports/summary/?${query({ ...state.filter, by: "kecamatan" })}`).then((data) => {
            byKecamatan = data;
          }),
    ]);
    if (generation !== state.generation) return;
    drawMap(outlines, byKecamatan);
    container.dataset.ready = "true";
  } catch (failure) {
    if (generation !== state.generation) return;
    error.textContent = failure instanceof ApiError ? failure.message : gettext("The server could not be reached. Try again.");
    error.hidden = false;
  }
}

function drawMap(outlines, report) {
  const L = window.L;
  const container = $("report-map");
  if (!reportMap) {
    reportMap = L.map(container, { zoomControl: true, attributionControl: false, scrollWheelZoom: false });
  }
  const counts = new Map(report.groups.map((g) => [g.key, g.incidents]));
  const max = Math.max(0, ...counts.values());
  if (mapLayer) mapLayer.remove();
  mapLayer = L.geoJSON(outlines, {
    style: (feature) => ({
      color: "#20262e",
      weight: 1.2,
      fillColor: mapColour(counts.get(feature.properties.code) || 0, max),
      fillOpacity: 0.85,
    }),
    onEachFeature: (feature, layer) => {
      const n = counts.get(feature.properties.code) || 0;
      const tip = el("span", {}, el("strong", {}, feature.properties.name), el("br"), fmt(gettext("%(n)s incidents"), { n: count(n) }));
      layer.bindTooltip(tip, { sticky: true });
      if (n) {
        layer.on("click", () =>
          openDrill({ source: "incidents", by: "kecamatan", group: feature.properties.code, groupLabel: feature.properties.name })
        );
      }
    },
  }).addTo(reportMap);
  reportMap.invalidateSize();
  reportMap.fitBounds(mapLayer.getBounds(), { padding: [8, 8] });
  container.dataset.incidents = String(report.total.incidents);
  const unplaced = report.groups.find((g) => g.key == null);
  const steps = max ? MAP_COLOURS.map((_colour, i) => i) : [0];
  fill(
    $("map-legend"),
    el("span", { className: "legend-scale" }, steps.map((i) => el("span", { className: `map-swatch map-${i}`, "aria-hidden": "true" }))),
    el("span", {}, max ? fmt(gettext("0 to %(max)s incidents"), { max: count(max) }) : gettext("No incident")),
    unplaced && unplaced.incidents
      ? el(
          "span",
          {},
          gettext("No kecamatan:"),
          " ",
          drillLink(unplaced.incidents, { source: "incidents", by: "kecamatan", group: "", groupLabel: unplaced.label })
        )
      : null
  );
}

// --- Drill-down --------------------------------------------------------------------------------

const dialog = $("drill");
let drillRequest = 0;

function drillTitle(drill) {
  const report = state.report;
  const metric = report && drill.metric ? report.total.metrics.find((m) => m.key === drill.metric) : null;
  const parts = [];
  if (metric) {
    parts.push(metric.label);
    if (drill.threshold) {
      const threshold = metric.thresholds.find((t) => t.key === drill.threshold);
      if (threshold) parts.push(threshold.label);
    }
    if (drill.outcome) parts.push(OUTCOME_TITLES[drill.outcome]);
    else parts.push(gettext("population"));
  }
  let title = SOURCE_TITLES[drill.source] || drill.source;
  if (parts.length) title = `${title}: ${parts.join(" · ")}`;
  if (drill.by) {
    const group = report && report.groups.find((g) => (g.key == null ? "" : g.key) === drill.group);
    title += ` — ${drill.groupLabel || (group ? group.label : drill.group)}`;
  }
  return { title, definition: metric ? `${metric.formula}. ${metric.counted_over}` : "" };
}

function labelFor(column, value) {
  if (value == null || value === "") return "—";
  if (STAMP_COLUMNS.has(column)) return stamp(value);
  if (column.endsWith("_s")) return el("span", { title: secondsTitle(value) }, mss(value));
  if (column === "disposition" && state.report && state.report.total.calls) {
    const found = state.report.total.calls.by_disposition.find((d) => d.key === value);
    return found ? found.label : value;
  }
  if (column === "channel" && state.report && state.report.total.calls) {
    const found = state.report.total.calls.by_channel.find((c) => c.key === value);
    return found ? found.label : value;
  }
  if (column === "category") {
    const found = (options.categories || []).find((c) => c.code === value);
    return found ? found.name : value;
  }
  if (column === "agency") {
    const found = (options.agencies || []).find((a) => a.code === value);
    return found ? found.short_name || found.name : value;
  }
  if (column === "priority") return `P${value}`;
  return String(value);
}

function cell(column, row, source) {
  const value = row[column];
  const isIncident = column === "incident_id" || (source === "incidents" && column === "id");
  if (isIncident && value != null) {
    return el("td", { className: "num" }, el("a", { href: `/incidents/${value}/`, className: "incident-link" }, `#${value}`));
  }
  const numeric = typeof value === "number" || column.endsWith("_s");
  return el("td", { className: numeric ? "num" : "", dataset: { col: column } }, labelFor(column, value));
}

async function openDrill(drill, { page = 1 } = {}) {
  state.drill = { ...drill, page: String(page) };
  const { title, definition: text } = drillTitle(drill);
  $("drill-title").textContent = title;
  $("drill-definition").textContent = text;
  $("drill-definition").hidden = !text;
  $("drill-error").hidden = true;
  $("drill-count").textContent = gettext("Loading…");
  dialog.dataset.state = "loading";
  if (!dialog.open) dialog.showModal();
  history.replaceState(null, "", pageUrl());
  const params = query(state.filter);
  params.delete("by"); // a total's rows: no breakdown, or only the null group would be kept
  for (const key of ["source", "metric", "outcome", "threshold"]) if (drill[key]) params.set(key, drill[key]);
  if (drill.by) {
    params.set("by", drill.by);
    params.set("group", drill.group ?? "");
  }
  params.set("page", String(page));
  const request = ++drillRequest;
  let data;
  try {
    data = await api(`/api/reports/rows/?${params}`);
  } catch (error) {
    if (request !== drillRequest) return;
    const errors = error instanceof ApiError && error.body ? error.body.errors || error.body : null;
    $("drill-error").textContent = errors ? Object.values(errors).flat().join(" ") : gettext("The server could not be reached. Try again.");
    $("drill-error").hidden = false;
    $("drill-count").textContent = "";
    dialog.dataset.state = "error";
    return;
  }
  if (request !== drillRequest) return;
  const columns = data.columns;
  fill($("drill-head"), el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label))));
  fill(
    $("drill-rows"),
    data.rows.length
      ? data.rows.map((row) => el("tr", {}, columns.map((c) => cell(c.key, row, drill.source))))
      : el("tr", {}, el("td", { colSpan: columns.length, className: "empty" }, gettext("No rows.")))
  );
  $("drill-count").textContent = fmt(gettext("Rows: %(n)s"), { n: count(data.count) });
  $("drill-pager").hidden = data.pages <= 1;
  $("drill-page").textContent = fmt(gettext("Page %(page)s of %(pages)s"), { page: count(data.page), pages: count(data.pages) });
  $("drill-prev").disabled = data.page <= 1;
  $("drill-next").disabled = data.page >= data.pages;
  $("drill-prev").onclick = () => openDrill(drill, { page: data.page - 1 });
  $("drill-next").onclick = () => openDrill(drill, { page: data.page + 1 });
  dialog.dataset.state = "ready";
  dialog.dataset.count = String(data.count);
}

function closeDrill() {
  if (dialog.open) dialog.close();
}


function start() {
  const { filter, drill, metric } = urlState();
  state.metric = metric;
  setForm(filter);
  load({ drill });
}

// --- The integrity page ------------------------------------------------------------------------

async function checkIntegrity(integrityForm, { push = false } = {}) {
  const page = $("integrity-app");
  const period = { start: integrityForm.elements.start.value, end: integrityForm.elements.end.value };
  const url = `${window.location.pathname}?${query(period)}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  $("back-to-report").href = `/reports/?${query(period)}`;
  for (const node of integrityForm.querySelectorAll("[data-error-for]")) node.textContent = "";
  $("integrity-error").hidden = true;
  $("verdict").hidden = true;
  $("integrity-loading").hidden = false;
  $("i-submit").disabled = true;
  page.dataset.state = "checking";
  let chain;
  try {
    chain = await api(`/api/reports/integrity/?${query(period)}`);
  } catch (error) {
    const errors = error instanceof ApiError && error.status === 400 && error.body ? error.body.errors || error.body : null;
    const general = [];
    if (errors) {
      for (const [field, messages] of Object.entries(errors)) {
        if (field === "detail") continue;
        const slot = integrityForm.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
        if (slot) slot.textContent = [].concat(messages).join(" ");
        else general.push([].concat(messages).join(" "));
      }
      if (!general.length) general.push(gettext("Check the highlighted fields."));
    } else {
      general.push(error instanceof ApiError ? error.message : gettext("The server could not be reached. Try again."));
    }
    $("integrity-error").textContent = general.join(" ");
    $("integrity-error").hidden = false;
    page.dataset.state = "error";
    return;
  } finally {
    $("integrity-loading").hidden = true;
    $("i-submit").disabled = false;
  }
  const verdict = $("verdict");
  verdict.className = `verdict ${chain.intact ? "intact" : "broken"}`;
  const facts = [
    [gettext("Period"), `${dayLabel(period.start)} – ${dayLabel(period.end)}`],
    [gettext("Events checked"), count(chain.checked)],
  ];
  if (!chain.intact) {
    facts.push([gettext("First broken sequence"), chain.first_bad_seq == null ? "—" : `#${count(chain.first_bad_seq)}`]);
    facts.push([gettext("Problem"), chain.problem || "—"]);
  }
  facts.push([gettext("Log head"), `#${count(chain.chain_head.seq)}`]);
  fill(
    verdict,
    el("h2", {}, chain.intact ? gettext("Intact") : gettext("Broken")),
    el(
      "p",
      {},
      chain.intact
        ? chain.checked
          ? gettext("No event of the period was altered, inserted or removed.")
          : gettext("No event was logged in this period.")
        : fmt(gettext("The chain breaks at sequence %(seq)s: that event or the one before it was altered, inserted or removed."), { seq: chain.first_bad_seq })
    ),
    el(
      "dl",
      {},
      facts.map(([term, value]) => el("div", { className: "fact" }, el("dt", {}, term), el("dd", {}, value))),
      el("div", { className: "fact" }, el("dt", {}, gettext("Head hash (SHA-256)")), el("dd", { className: "hash", id: "head-hash" }, chain.chain_head.hash))
    )
  );
  verdict.hidden = false;
  page.dataset.state = chain.intact ? "intact" : "broken";
}

function startIntegrity() {
  const integrityForm = $("integrity-form");
  const params = new URLSearchParams(window.location.search);
  const [monthStart, monthEnd] = shiftedMonth(0);
  integrityForm.elements.start.value = params.get("start") || monthStart;
  integrityForm.elements.end.value = params.get("end") || monthEnd;
  integrityForm.addEventListener("submit", (event) => {
    event.preventDefault();
    checkIntegrity(integrityForm, { push: true });
  });
  window.addEventListener("popstate", () => {
    const again = new URLSearchParams(window.location.search);
    integrityForm.elements.start.value = again.get("start") || monthStart;
    integrityForm.elements.end.value = again.get("end") || monthEnd;
    checkIntegrity(integrityForm);
  });
  checkIntegrity(integrityForm);
}

// --- Wiring ------------------------------------------------------------------------------------

function wireReport() {
  $("toggle-definitions").addEventListener("click", (event) => {
    showAllDefinitions = !showAllDefinitions;
    event.currentTarget.setAttribute("aria-pressed", String(showAllDefinitions));
    event.currentTarget.textContent = showAllDefinitions ? gettext("Hide the definitions") : gettext("Show every definition");
    for (const row of document.querySelectorAll("#summary-rows .definition-row")) row.hidden = !showAllDefinitions;
    for (const button of document.querySelectorAll("#summary-rows .def-toggle")) button.setAttribute("aria-expanded", String(showAllDefinitions));
  });
  $("breakdown-metric").addEventListener("change", (event) => {
    state.metric = event.target.value;
    history.replaceState(null, "", pageUrl());
    if (state.report) renderBreakdown(state.report);
  });
  dialog.addEventListener("close", () => {
    drillRequest += 1;
    state.drill = null;
    history.replaceState(null, "", pageUrl());
  });
  $("drill-close").addEventListener("click", closeDrill);
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) closeDrill(); // a click on the backdrop
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.figure[data-drill]");
    if (!button) return;
    openDrill(JSON.parse(button.dataset.drill));
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load({ push: true });
  });
  for (const button of form.querySelectorAll("[data-month]")) {
    button.addEventListener("click", () => {
      const [start, end] = shiftedMonth(button.dataset.month === "last" ? -1 : 0);
      form.elements.start.value = start;
      form.elements.end.value = end;
      load({ push: true });
    });
  }
  $("f-month").addEventListener("change", (event) => {
    if (!event.target.value) return;
    const [start, end] = monthRange(...event.target.value.split("-").map(Number));
    form.elements.start.value = start;
    form.elements.end.value = end;
    load({ push: true });
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

if (app) {
  if (window.Chart) {
    window.Chart.defaults.font.family = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
    window.Chart.defaults.animation = false;
    window.Chart.defaults.maintainAspectRatio = false;
  }
  wireReport();
  fillSelects();
  start();
  window.reports = { state, openDrill, charts };
}
if ($("integrity-app")) startIntegrity();
