// What the report's modules share: the number, time and date formats (m:ss, id-ID numbers,
// WIT), the page's state, and its URL (the filter, the breakdown's interval, the open
// drill-down). The report page starts from reports.js, the integrity page from
// reports-integrity.js.

import { ApiError, WIT, duration, el, fmt, jsonScript } from "./ui.js";

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

export const DRILL_KEYS = ["source", "metric", "outcome", "threshold", "group", "page"];

export const options = jsonScript("report-options", {});
export const $ = (id) => document.getElementById(id);

// --- Formats -----------------------------------------------------------------------------------

export const count = (n) => (n == null ? "—" : numberFormat.format(n));

/** m:ss (h:mm:ss past an hour), to the nearest second; "—" when there is no value. */
export function mss(seconds) {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  return s < 0 ? `-${duration(-s)}` : duration(s);
}

export function secondsTitle(seconds) {
  return seconds == null ? gettext("No data") : fmt(gettext("%(s)s s"), { s: secondsFormat.format(seconds) });
}

export const share = (value) => (value == null ? "—" : percentFormat.format(value));
export const stamp = (iso) => (iso ? stampFormat.format(new Date(iso)) : "—");
export const isoDay = (date) => date.toISOString().slice(0, 10);
export const dayLabel = (iso) => (iso ? dayFormat.format(new Date(`${iso}T00:00:00Z`)) : "");

/** Today's date in WIT as YYYY-MM-DD, whatever the browser's own zone. */
function todayWit() {
  return new Date().toLocaleDateString("en-CA", { timeZone: WIT });
}

/** [first day, last day] of month `m` (1–12) of `y`, as YYYY-MM-DD. */
export function monthRange(y, m) {
  return [isoDay(new Date(Date.UTC(y, m - 1, 1))), isoDay(new Date(Date.UTC(y, m, 0)))];
}

export function shiftedMonth(offset) {
  const [y, m] = todayWit().split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1 + offset, 1));
  return monthRange(date.getUTCFullYear(), date.getUTCMonth() + 1);
}

export function option(value, label) {
  return el("option", { value }, label);
}

/** The messages of a failed request's body, or "could not be reached". */
export function bodyErrors(error) {
  const errors = error instanceof ApiError && error.body ? error.body.errors || error.body : null;
  return errors ? Object.values(errors).flat().join(" ") : gettext("The server could not be reached. Try again.");
}

// --- State and URL -----------------------------------------------------------------------------

export const state = { filter: {}, report: null, drill: null, metric: "", generation: 0 };

export function query(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value != null && value !== "") params.set(key, value);
  }
  return params;
}

/** The page's own URL: the filter, the breakdown table's interval, the open drill-down. */
export function pageUrl() {
  const params = query(state.filter);
  if (state.metric) params.set("metric", state.metric);
  if (state.drill) {
    for (const key of DRILL_KEYS) {
      if (state.drill[key] != null) params.set(`d_${key}`, state.drill[key]);
    }
  }
  return `${window.location.pathname}?${params}`;
}
