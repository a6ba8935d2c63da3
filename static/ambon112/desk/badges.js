// The desk's small pieces: badges, and the times it keeps current (waiting, a position's age).

import { secondsSince } from "../clock.js";
import { priorityLabel, roleLabel, statusLabel } from "../labels.js";
import { dateTimeFormat, duration, el, fmt } from "../ui.js";
import { app } from "./state.js";

export const typeName = (incident) => (incident.incident_type ? incident.incident_type.name : "");
export const badge = (className, text, title = null) => el("span", { className: `badge ${className}`, title }, text);
export const priorityBadge = (priority) => badge(`prio prio-${priority}`, `P${priority}`, priorityLabel(priority));
export const statusBadge = (status) => badge(`status status-${status}`, statusLabel(status));

export function ticketTags(ticket) {
  return [
    ticket.role === "primary" ? null : badge("muted-badge", roleLabel(ticket.role)),
    ticket.cross_border
      ? badge("warn cross-border", gettext("Cross-border"), gettext("Outside your agency's own regency"))
      : null,
  ];
}

/** A span counting up from `iso` (m:ss), kept current by tick(). */
export const waitingSpan = (iso) => el("span", { className: "wait", dataset: { since: iso } }, duration(secondsSince(iso)));

function ageText(iso) {
  const seconds = Math.max(0, secondsSince(iso));
  if (seconds < 60) return gettext("just now");
  if (seconds < 3600) return fmt(gettext("%(n)s min ago"), { n: Math.floor(seconds / 60) });
  return fmt(gettext("%(n)s h ago"), { n: Math.floor(seconds / 3600) });
}

/** How old a unit's last position is, kept current by tick(). */
export function ageSpan(iso) {
  if (!iso) return el("span", { className: "muted" }, "–");
  return el("span", { className: "age", dataset: { age: iso }, title: `${dateTimeFormat.format(new Date(iso))} WIT` }, ageText(iso));
}

export function tick() {
  for (const node of app.querySelectorAll("[data-since]")) {
    node.textContent = duration(secondsSince(node.dataset.since));
  }
  for (const node of app.querySelectorAll("[data-age]")) node.textContent = ageText(node.dataset.age);
}
