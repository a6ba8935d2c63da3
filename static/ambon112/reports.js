// The verifier's response-time report: a filter kept in the URL, the figures of
// /api/reports/summary/ with their definitions, charts (Chart.js, vendored), a choropleth of
// incidents per kecamatan (Leaflet, outlines only, no tiles), the rows behind any figure from
// /api/reports/rows/, and links to the exports. Everything shown is computed by the server;
// this page only formats it (m:ss, id-ID numbers, WIT).

import { $, state } from "./reports-common.js";
import { charts, setUpCharts } from "./reports-charts.js";
import { openDrill, wireDrill } from "./reports-drill.js";
import { fillSelects, start, wireFilters } from "./reports-filters.js";
import { wireSummary } from "./reports-summary.js";

if ($("report-app")) {
  setUpCharts();
  wireSummary();
  wireDrill();
  wireFilters();
  fillSelects();
  start();
  window.reports = { state, openDrill, charts };
}
