// The report's figures: the period and the log head, the summary table with its traffic lights
// and definitions, the calls block and the breakdown by month, agency, kecamatan…
// Everything shown is computed by the server; this only formats it.

import { el, fill, fmt } from "./ui.js";
import { $, count, dayLabel, mss, option, pageUrl, secondsTitle, share, stamp, state } from "./reports-common.js";
import { drawCallCharts } from "./reports-charts.js";
import { drillLink } from "./reports-drill.js";

const SOURCE_OF = {
  answer: "calls", first_response: "calls", processing: "incidents", acknowledgment: "tickets",
  turnout: "assignments", travel: "assignments", response: "incidents", spm_fire: "incidents",
};
const INCIDENT_FILTERS = ["agency", "category", "kecamatan", "priority"];

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

// --- The summary -------------------------------------------------------------------------------

export function render(report) {
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
  const affected = renderTimesCheck(report);
  renderSummary(report.total, affected);
  renderCalls(report);
  renderMessages(report);
  renderBreakdown(report);
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

// Times that disagree with the event log (issue #17): said above the figures, and on each
// figure computed from them; the integrity page names every one.
function renderTimesCheck(report) {
  const times = report.chain_times;
  const notice = $("times-notice");
  notice.hidden = times.intact;
  if (times.intact) return new Set();
  const link = el("a", { href: `/reports/integrity/?start=${report.filter.start}&end=${report.filter.end}` }, gettext("See which rows on the integrity page."));
  fill(
    notice,
    fmt(gettext("%(n)s times of this period do not match the event that set them. Figures affected: %(figures)s."), {
      n: count(times.mismatches),
      figures: times.affected.map((figure) => figure.label).join(", ") || gettext("none of the figures"),
    }),
    " ",
    link
  );
  return new Set(times.affected.map((figure) => figure.key));
}

function renderSummary(total, affected = new Set()) {
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
          affected.has(metric.key) ? el("span", { className: "badge bad times-affected" }, gettext("times do not match the event log")) : null,
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
      el("p", { className: "muted small" }, gettext("Abandoned ÷ telephone calls presented (messages are never abandoned); reported, no threshold."))
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
  fill(
    $("disposition-rows"),
    calls.by_disposition.map((d) =>
      el(
        "tr",
        { dataset: { disposition: d.key }, className: d.count ? "" : "nil" },
        el("td", {}, el("span", { className: `swatch disp-${d.key}`, "aria-hidden": "true" }), d.label),
        el("td", { className: "num" }, count(d.count)),
        el("td", { className: "num" }, calls.presented ? share(d.count / calls.presented) : "—")
      )
    )
  );
  drawCallCharts(report);
}

// --- Messages, per channel (issue #15) ---------------------------------------------------------

function renderMessages(report) {
  const channels = report.messages_by_channel || [];
  const any = channels.some((c) => c.received);
  fill(
    $("message-rows"),
    any
      ? channels
          .filter((c) => c.received)
          .map((c) => {
            const m = c.first_response;
            const t = m.thresholds[0];
            return el(
              "tr",
              { dataset: { channel: c.key } },
              el("th", { scope: "row" }, c.label),
              el("td", { className: "num", dataset: { col: "received" } }, count(c.received)),
              el("td", { className: "num", dataset: { col: "measured" } }, count(m.measured)),
              el("td", { className: "num", dataset: { col: "missing" } }, count(m.missing)),
              ...["p50", "p90", "max"].map((p) => el("td", { className: `num time${m[p] == null ? " none" : ""}`, title: secondsTitle(m[p]), dataset: { col: p } }, mss(m[p]))),
              el("td", {}, t ? `${t.label}: ${t.share == null ? gettext("No data") : `${share(t.share)} (${count(t.within)}/${count(t.of)})`}` : "—")
            );
          })
      : el("tr", {}, el("td", { colSpan: 8, className: "empty" }, gettext("No messages or other non-voice contacts in this period.")))
  );
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

export function wireSummary() {
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
}
