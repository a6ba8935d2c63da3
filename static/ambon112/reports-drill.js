// The rows behind any figure of the report, from /api/reports/rows/, in a dialog with pages.
// A figure that has rows behind it is a button.figure[data-drill] (see drillLink).

import { api, el, fill, fmt } from "./ui.js";
import { $, bodyErrors, count, mss, options, pageUrl, query, secondsTitle, stamp, state } from "./reports-common.js";

const STAMP_COLUMNS = new Set(["t0", "t1", "t2", "t3", "t4", "t4d", "t5", "t6", "t6f", "t11", "declined_at", "cancelled_at"]);
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

const dialog = $("drill");
let drillRequest = 0;

/** A count that opens the rows behind it; a plain number when there is nothing behind. */
export function drillLink(n, drill, title) {
  if (!n) return el("span", { className: "zero" }, count(n));
  return el(
    "button",
    { type: "button", className: "figure", title: title || gettext("Show the rows behind this figure"), dataset: { drill: JSON.stringify(drill) } },
    count(n)
  );
}

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

export async function openDrill(drill, { page = 1 } = {}) {
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
    $("drill-error").textContent = bodyErrors(error);
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

export function closeDrill() {
  if (dialog.open) dialog.close();
}

/** Closing the dialog (button, backdrop, Escape) forgets it; any figure button opens it. */
export function wireDrill() {
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
}
