// The desk's tickets: the open ones, waiting first, the selected one in the panel, accept and
// decline.

import { learnOffset } from "../clock.js";
import { categoryLabel, priorityLabel, statusLabel } from "../labels.js";
import { api, el, errorText, fill, fmt, notify, placeText, timeEl } from "../ui.js";
import { updateAlarm } from "./alarm.js";
import { ask } from "./ask.js";
import { loadAssignments, renderAssignments } from "./assignments.js";
import { badge, priorityBadge, statusBadge, ticketTags, typeName, waitingSpan } from "./badges.js";
import { showIncidentOnMap } from "./fleet.js";
import { loadRecommendation, renderRecommendation } from "./recommend.js";
import { $, AGENCY, assignments, desk, run, selectedTicket, tickets, toasts } from "./state.js";

const OPEN = ["notified", "accepted"];

function sortedTickets() {
  const waitingFirst = (t) => (t.status === "notified" ? 0 : 1);
  return [...tickets.values()].sort(
    (a, b) => waitingFirst(a) - waitingFirst(b) || Date.parse(a.notified_at) - Date.parse(b.notified_at)
  );
}

function ticketRow(ticket) {
  const incident = ticket.incident;
  const waiting = ticket.status === "notified";
  const where = [placeText(incident), incident.address].filter(Boolean).join(" — ");
  const selected = ticket.id === desk.selectedId;
  return el(
    "li",
    { className: `ticket-row ${waiting ? "waiting" : "taken"}${selected ? " selected" : ""}`, dataset: { id: ticket.id } },
    el(
      "button",
      { type: "button", className: "ticket-pick", dataset: { id: ticket.id }, "aria-current": selected ? "true" : null },
      waiting ? waitingSpan(ticket.notified_at) : el("span", { className: "wait taken-at" }, timeEl(ticket.accepted_at)),
      el("span", { className: "what" }, el("strong", {}, `#${incident.id} ${typeName(incident)}`), " ", priorityBadge(incident.priority)),
      el("span", { className: "where" }, where || gettext("no location")),
      el("span", { className: "tags" }, statusBadge(ticket.status), ticketTags(ticket))
    )
  );
}

export function renderTickets() {
  const list = sortedTickets();
  fill($("ticket-list"), list.map(ticketRow));
  $("ticket-empty").hidden = list.length > 0;
  $("ticket-count").textContent = list.length ? fmt(gettext("%(n)s open"), { n: list.length }) : "";
  updateAlarm();
}

function fact(term, ...value) {
  return el("div", {}, el("dt", {}, term), el("dd", {}, ...value));
}

export function renderTicket() {
  const ticket = selectedTicket();
  $("ticket-panel").hidden = !ticket;
  if (!ticket) return;
  const incident = ticket.incident;
  const waiting = ticket.status === "notified";
  $("ticket-title").textContent = `#${incident.id} ${typeName(incident)}`;
  fill($("ticket-badges"), priorityBadge(incident.priority), statusBadge(ticket.status), ticketTags(ticket));
  fill(
    $("ticket-facts"),
    fact(gettext("Category"), categoryLabel(incident.category), " · ", priorityLabel(incident.priority)),
    fact(
      gettext("Location"),
      placeText(incident) || "–",
      incident.location_approximate ? badge("warn", gettext("approximate")) : null
    ),
    fact(gettext("Address or landmark"), incident.address || "–"),
    fact(gettext("What happened"), incident.description || "–"),
    fact(gettext("Forwarded by 112"), timeEl(ticket.notified_at), " · ", ticket.notified_by),
    waiting
      ? fact(gettext("Waiting"), waitingSpan(ticket.notified_at))
      : fact(statusLabel("accepted"), timeEl(ticket.accepted_at), " · ", ticket.accepted_by || "")
  );
  $("ticket-actions").hidden = !waiting;
  $("recommend-block").hidden = ticket.status !== "accepted";
}

const firstTicketId = () => sortedTickets()[0]?.id ?? null;

/** Put a ticket (or none) in the panel, and fetch its units and recommendations. */
export function select(id) {
  const next = tickets.has(id) ? id : null;
  const changed = next !== desk.selectedId;
  desk.selectedId = next;
  $("ticket-error").textContent = "";
  if (changed) {
    assignments.clear();
    desk.currentAssignmentId = null;
    desk.recommendation = null;
    renderAssignments();
    renderRecommendation();
  }
  renderTickets();
  renderTicket();
  showIncidentOnMap(changed);
  if (next === null) return;
  const row = $("ticket-list").querySelector(`li[data-id="${next}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
  loadAssignments();
  loadRecommendation();
}

export function moveTicket(step) {
  const list = sortedTickets();
  if (!list.length) return;
  const index = list.findIndex((t) => t.id === desk.selectedId);
  const next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
  select(list[next].id);
}

/** A ticket from the server (a response or an event): kept while open, else let go. */
export function upsertTicket(ticket) {
  if (ticket.agency.code !== AGENCY) return;
  const before = tickets.get(ticket.id);
  if (OPEN.includes(ticket.status)) tickets.set(ticket.id, ticket);
  else tickets.delete(ticket.id);
  const isSelected = ticket.id === desk.selectedId;
  if (isSelected && !tickets.has(ticket.id)) {
    const text = fmt(gettext("Ticket for incident #%(id)s: %(status)s."), {
      id: ticket.incident_id,
      status: statusLabel(ticket.status),
    });
    notify(toasts, text);
    select(firstTicketId());
  } else if (desk.selectedId === null || (isSelected && before && before.status !== ticket.status)) {
    select(desk.selectedId ?? firstTicketId()); // accepted: its units and recommendations now
  } else {
    renderTickets();
    if (isSelected) renderTicket();
  }
}

export async function loadTickets() {
  const sentAt = Date.now();
  const answer = await api("/api/tickets/?status=open");
  learnOffset(answer.now, sentAt);
  tickets.clear();
  for (const ticket of answer.tickets) tickets.set(ticket.id, ticket);
  select(tickets.has(desk.selectedId) ? selectedId : firstTicketId());
}

export function acceptTicket() {
  run(async () => {
    const ticket = selectedTicket();
    if (!ticket || ticket.status !== "notified") return;
    $("ticket-error").textContent = "";
    try {
      upsertTicket(await api(`/api/tickets/${ticket.id}/accept/`, { method: "POST" }));
      notify(toasts, fmt(gettext("Ticket for incident #%(id)s accepted."), { id: ticket.incident_id }), "ok");
    } catch (error) {
      $("ticket-error").textContent = errorText(error);
    }
  });
}

export function declineTicket() {
  const ticket = selectedTicket();
  if (!ticket || ticket.status !== "notified") return;
  ask({
    title: fmt(gettext("Decline the ticket for incident #%(id)s"), { id: ticket.incident_id }),
    label: gettext("Why does your agency decline? The dispatcher reads this at once."),
    submit: gettext("Decline"),
    reasonRequired: true,
    action: async ({ reason }) => {
      upsertTicket(await api(`/api/tickets/${ticket.id}/decline/`, { method: "POST", body: { reason } }));
    },
  });
}
