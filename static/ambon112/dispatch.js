// The dispatcher's views: the pieces both dispatch views share (ticket and unit chips, live
// waiting times) and the dispatch console at /console/dispatch/, which lists
// every open incident with what needs the dispatcher first. Server text goes in as text.

import { learnOffset, secondsSince } from "./clock.js";
import { categoryLabel, priorityLabel, statusLabel } from "./labels.js";
import { onReconnect } from "./live.js";
import { api, duration, el, errorText, fill, fmt, notify, placeText, typingIn } from "./ui.js";

/** The local operating procedure's acknowledgment deadline (docs/architecture.md "Deadlines"):
 * later is late. */
export const ACCEPT_SLA_S = 60;

// --- Live waiting times --------------------------------------------------------------------

/** A live waiting time: `tick` rewrites it every second from its data-since. */
export function waitEl(since, className = "wait") {
  const node = el("span", { className, dataset: { since } });
  updateWait(node);
  return node;
}

function updateWait(node) {
  const seconds = secondsSince(node.dataset.since);
  node.textContent = duration(seconds);
  if (node.dataset.late) node.classList.toggle("late", seconds > Number(node.dataset.late));
}

/** Rewrite every live waiting time under `root` once a second. */
export function tick(root) {
  const run = () => root.querySelectorAll("[data-since]").forEach((node) => updateWait(node));
  run();
  return setInterval(run, 1000);
}

// --- Tickets and units ------------------------------------------------------------------------

export const isOpenTicket = (ticket) => ticket.status === "notified" || ticket.status === "accepted";

/** A ticket as a chip: the agency coloured by state, its waiting time or its decline reason. */
export function ticketChip(ticket) {
  const agency = ticket.agency.short_name;
  const chip = el("span", {
    className: `chip ticket ticket-${ticket.status}`,
    title: `${agency}: ${statusLabel(ticket.status)}`,
  });
  chip.append(el("span", { className: "agency" }, agency));
  if (ticket.status === "notified") {
    const wait = waitEl(ticket.notified_at);
    wait.dataset.late = ACCEPT_SLA_S;
    updateWait(wait);
    chip.append(" ", wait);
  } else if (ticket.status === "accepted") {
    chip.append(" ", el("span", { className: "mark", "aria-hidden": "true" }, "✓"));
  } else if (ticket.status === "declined") {
    chip.title = fmt(gettext("%(agency)s declined: %(reason)s"), { agency, reason: ticket.decline_reason });
    chip.append(" ", el("span", { className: "reason" }, ticket.decline_reason));
  }
  return chip;
}

export function unitChip(assignment) {
  const unit = assignment.unit;
  return el(
    "span",
    { className: `chip unit unit-${assignment.status}`, title: statusLabel(assignment.status) },
    el("span", { className: "call-sign" }, unit.call_sign),
    " ",
    el("span", { className: "state" }, statusLabel(assignment.status))
  );
}

export function statusBadge(status) {
  return el("span", { className: `badge status status-${status}` }, statusLabel(status));
}

export function priorityBadge(priority) {
  return el("span", { className: `badge prio prio-${priority}`, title: priorityLabel(priority) }, `P${priority}`);
}

/** The toast for a declined ticket: "Damkar declined: no crew". */
export function declinedText(ticket) {
  return fmt(gettext("%(agency)s declined: %(reason)s"), {
    agency: ticket.agency.short_name,
    reason: ticket.decline_reason,
  });
}

// --- The dispatch console ---------------------------------------------------------------------

/** A decline nobody has answered yet: the agency got no ticket for this incident since. */
function unansweredDecline(incident) {
  return incident.tickets.some(
    (ticket) =>
      ticket.status === "declined" &&
      !incident.tickets.some(
        (other) =>
          other.agency.code === ticket.agency.code &&
          Date.parse(other.notified_at) > Date.parse(ticket.notified_at)
      )
  );
}

/** What the incident needs from the dispatcher, most urgent first. */
const GROUPS = [
  {
    key: "forward",
    title: () => gettext("Not yet forwarded"),
    test: (incident) => incident.status === "new" && !incident.tickets.some(isOpenTicket),
  },
  {
    key: "waiting",
    title: () => gettext("Waiting for an agency to accept"),
    test: (incident) => incident.tickets.some((ticket) => ticket.status === "notified"),
  },
  { key: "declined", title: () => gettext("Declined by an agency"), test: unansweredDecline },
  { key: "progress", title: () => gettext("In progress"), test: () => true },
];

function startBoard(root) {
  const sections = document.getElementById("board-sections");
  const empty = document.getElementById("board-empty");
  const count = document.getElementById("board-count");
  const toasts = document.getElementById("board-toasts");
  let order = []; // incident ids as shown, top to bottom
  let selected = null;
  let timer = null;

  function row(incident) {
    const href = `/incidents/${incident.id}/`;
    const where = [placeText(incident), incident.address].filter(Boolean).join(" — ");
    const tickets = incident.tickets.filter((t) => t.status !== "cancelled" && t.status !== "completed");
    return el(
      "tr",
      {
        className: `board-row prio-row-${incident.priority}${incident.id === selected ? " selected" : ""}`,
        dataset: { id: incident.id },
        "aria-selected": String(incident.id === selected),
      },
      el("td", {}, el("a", { href }, `#${incident.id}`)),
      el("td", {}, priorityBadge(incident.priority)),
      el(
        "td",
        { className: "what" },
        el("a", { href, className: "type" }, incident.incident_type ? incident.incident_type.name : ""),
        el("div", { className: "muted small" }, categoryLabel(incident.category)),
        el("div", { className: "where small" }, where || el("span", { className: "muted" }, gettext("no location")))
      ),
      el("td", {}, statusBadge(incident.status)),
      el("td", { className: "num" }, waitEl(incident.created_at, "age")),
      el(
        "td",
        { className: "chips" },
        tickets.length ? tickets.map((ticket) => ticketChip(ticket)) : el("span", { className: "muted small" }, gettext("no agency yet"))
      ),
      el(
        "td",
        { className: "chips" },
        incident.assignments.length ? incident.assignments.map(unitChip) : el("span", { className: "muted small" }, "–")
      )
    );
  }

  function table(list) {
    return el(
      "table",
      { className: "incident-table board-table" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, "#"),
          el("th", { scope: "col" }, gettext("Priority")),
          el("th", { scope: "col" }, gettext("Type and place")),
          el("th", { scope: "col" }, gettext("Status")),
          el("th", { scope: "col", className: "num" }, gettext("Age")),
          el("th", { scope: "col" }, gettext("Agencies")),
          el("th", { scope: "col" }, gettext("Units out"))
        )
      ),
      el("tbody", {}, list.map(row))
    );
  }

  function render(incidents) {
    const grouped = new Map(GROUPS.map((group) => [group.key, []]));
    for (const incident of incidents) {
      grouped.get(GROUPS.find((group) => group.test(incident)).key).push(incident);
    }
    const byUrgency = (a, b) => a.priority - b.priority || Date.parse(a.created_at) - Date.parse(b.created_at);
    order = [];
    const parts = [];
    for (const group of GROUPS) {
      const list = grouped.get(group.key).sort(byUrgency);
      if (!list.length) continue;
      order.push(...list.map((incident) => incident.id));
      parts.push(
        el(
          "section",
          { className: `board-section group-${group.key}`, dataset: { group: group.key } },
          el("h2", { className: "small-title" }, group.title(), " ", el("span", { className: "count" }, String(list.length))),
          table(list)
        )
      );
    }
    if (selected != null && !order.includes(selected)) selected = null;
    fill(sections, parts);
    empty.hidden = incidents.length > 0;
    const needs = grouped.get("forward").length + grouped.get("waiting").length + grouped.get("declined").length;
    count.textContent = incidents.length
      ? fmt(gettext("%(n)s open, %(m)s need you"), { n: incidents.length, m: needs })
      : "";
  }

  async function load() {
    const sentAt = Date.now();
    try {
      const board = await api("/api/dispatch/board/");
      learnOffset(board.now, sentAt);
      render(board.incidents);
    } catch (error) {
      notify(toasts, errorText(error), "error");
    }
  }

  function loadSoon() {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  }

  function select(id) {
    selected = id;
    for (const tr of sections.querySelectorAll("tr.board-row")) {
      const on = Number(tr.dataset.id) === id;
      tr.classList.toggle("selected", on);
      tr.setAttribute("aria-selected", String(on));
      if (on) tr.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("keydown", (event) => {
    if (typingIn(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!order.length) return;
      event.preventDefault();
      const at = order.indexOf(selected);
      const next =
        at < 0 ? (event.key === "ArrowDown" ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + (event.key === "ArrowDown" ? 1 : -1)));
      select(order[next]);
    } else if (event.key === "Enter" && selected != null && !event.target.closest("a, button")) {
      event.preventDefault();
      window.location.assign(`/incidents/${selected}/`);
    }
  });
  sections.addEventListener("click", (event) => {
    const tr = event.target.closest("tr.board-row");
    if (tr) select(Number(tr.dataset.id));
  });

  document.addEventListener("live:event", ({ detail }) => {
    if (!/^(incident|ticket|assignment)\./.test(detail.kind)) return;
    // A decline said out loud once, when it happens (not again when a resync replays it).
    const fresh = secondsSince(detail.at) < 120;
    if (detail.kind === "ticket.declined" && fresh && detail.data && detail.data.ticket) {
      notify(toasts, declinedText(detail.data.ticket), "error");
    }
    loadSoon();
  });
  onReconnect(loadSoon);

  tick(root);
  load();
}

const board = document.getElementById("dispatch-board");
if (board) startBoard(board);
