// Small helpers shared by the call-intake and incident pages: JSON requests with the CSRF
// token, element building (text always through textContent), WIT time formats, event labels.

// `gettext` and `interpolate` are the globals from /jsi18n/ (loaded by console/base.html).
/** A translated text with %(name)s placeholders filled in. */
export const fmt = (translated, values) => interpolate(translated, values, true);

export const WIT = "Asia/Jayapura";
const LANG = document.documentElement.lang || "id";

export const clockFormat = new Intl.DateTimeFormat(LANG, {
  timeZone: WIT, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
export const dateTimeFormat = new Intl.DateTimeFormat(LANG, {
  timeZone: WIT, day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

/** "14:03:22" in WIT today, "3 Des 2026 14.03" otherwise. */
export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const day = (d) => d.toLocaleDateString("en-CA", { timeZone: WIT });
  return day(date) === day(new Date()) ? clockFormat.format(date) : dateTimeFormat.format(date);
}

/** A time element showing `iso` in WIT. */
export function timeEl(iso) {
  const time = document.createElement("time");
  if (iso) {
    time.dateTime = iso;
    time.textContent = when(iso);
    time.title = `${dateTimeFormat.format(new Date(iso))} WIT`;
  }
  return time;
}

/** m:ss (or h:mm:ss) for a count of seconds. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function distance(metres) {
  if (metres == null) return "";
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`;
}

/**
 * Build an element: el("li", {className: "x", dataset: {id: 1}}, "text", child).
 * Strings become text nodes, never markup.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace the children of `node`; strings become text, null and false are skipped. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** A JSON request with the session cookie; throws ApiError with the server's message. */
export async function api(url, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The message to show for a failed request, field errors included. */
export function errorText(error) {
  if (!(error instanceof ApiError)) return gettext("The server could not be reached. Try again.");
  const parts = [error.message];
  const errors = error.body && error.body.errors;
  if (errors && typeof errors === "object") {
    for (const [field, messages] of Object.entries(errors)) {
      parts.push(`${field}: ${[].concat(messages).join(" ")}`);
    }
  }
  return parts.join(" — ");
}

/** The JSON of a <script type="application/json"> from json_script, or a fallback. */
export function jsonScript(id, fallback = null) {
  const node = document.getElementById(id);
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return fallback;
  }
}

/** Lower case, no diacritics: for matching what a person types against names. */
export function fold(text) {
  return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** True when keys typed now belong to a text field, not to the page's shortcuts. */
export function typingIn(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  if (target.tagName !== "INPUT") return false;
  return !["button", "submit", "checkbox", "radio", "reset", "range", "color", "file"].includes(
    target.type
  );
}

/**
 * A short sentence for an event in a timeline: its kind's label in the server's registry
 * (incidents.kinds), which the page carries in the request's language (base.html).
 */
export function eventLabel(kind) {
  eventLabel.labels ??= JSON.parse(document.getElementById("event-kinds")?.textContent || "{}");
  return eventLabel.labels[kind] || kind;
}

/** Where an incident is, in words: kelurahan, kecamatan, address. */
export function placeText(incident) {
  const parts = [];
  if (incident.area) parts.push(incident.area.name);
  if (incident.kecamatan) parts.push(`${gettext("Kec.")} ${incident.kecamatan.name}`);
  if (incident.outside_coverage) parts.push(gettext("outside Ambon Island"));
  return parts.join(", ");
}

/** A short-lived message at the top of the work area. */
export function notify(container, text, kind = "info") {
  const note = el("p", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  container.prepend(note);
  setTimeout(() => note.remove(), kind === "error" ? 12000 : 6000);
  return note;
}
