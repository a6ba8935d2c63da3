// The report's pictures: the calls' dispositions and answer times, the 12-month p90 trend
// (Chart.js, vendored) and the incidents per kecamatan (Leaflet, outlines only, no tiles).

import { ApiError, api, el, fill, fmt } from "./ui.js";
import { $, bodyErrors, count, dayLabel, isoDay, mss, query, state } from "./reports-common.js";
import { drillLink, openDrill } from "./reports-drill.js";

export const charts = {};

/** Chart.js's defaults for every chart of the page: the page's fonts, no animation. */
export function setUpCharts() {
  if (!window.Chart) return;
  window.Chart.defaults.font.family = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
  window.Chart.defaults.animation = false;
  window.Chart.defaults.maintainAspectRatio = false;
}

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

// --- Calls -------------------------------------------------------------------------------------

const DISPOSITION_COLOURS = {
  emergency: "#b3261e", information: "#1a5fb4", prank: "#c26a00", ghost: "#e0a030",
  dropped: "#8d96a0", duplicate: "#5c6570", test: "#aab2bd", abandoned: "#7a1a14", unclassified: "#d9dde3",
};

/** The calls by disposition and the histogram of answer times. */
export function drawCallCharts(report) {
  const shown = report.total.calls.by_disposition.filter((d) => d.count);
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

// --- Trend -------------------------------------------------------------------------------------

const TREND_COLOURS = ["#b3261e", "#1a5fb4", "#1e7a34", "#c26a00", "#6f42c1", "#20262e", "#d4479a"];
const TREND_TICKS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

export async function loadTrend(generation) {
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
    error.textContent = bodyErrors(failure);
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

export async function loadMap(generation, report) {
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
