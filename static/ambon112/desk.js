// The agency desk: its agency's open tickets, live (waiting first, with an alarm that sounds
// until each is answered), accept or decline, the recommended units and dispatch, each unit's
// steps on the incident, and the agency's units on a board and a map.
//
// A snapshot over REST, then the live feed's `live:event`s (live.js); writes go over REST.
// Waiting times come from the server's clock. Everything the server sends goes in as text.

import { createMap } from "./map.js";
import {
  api,
  categoryLabel,
  dateTimeFormat,
  distance,
  duration,
  el,
  errorText,
  fill,
  fmt,
  kindLabel,
  notify,
  placeText,
  priorityLabel,
  statusLabel,
  stepLabel,
  timeEl,
  typingIn,
  when,
} from "./ui.js";

const app = document.getElementById("desk-app");
const $ = (id) => document.getElementById(id);
const AGENCY = app.dataset.agency;
const MUTE_KEY = `ambon112:desk-muted:${AGENCY}`;
const OPEN = ["notified", "accepted"];
const toasts = $("desk-toasts");
const audio = $("desk-alarm");
const dialog = $("reason-dialog");

// A unit's steps: the API path and the key that takes it.
const STEPS = {
  en_route: { path: "en-route", key: "e" },
  on_scene: { path: "on-scene", key: "s" },
  operations_started: { path: "operations-started", key: "o" },
  transporting: { path: "transporting", key: "t" },
  at_hospital: { path: "at-hospital", key: "h" },
  clear: { path: "clear", key: "c" },
  cancel: { path: "cancel", key: "x" },
};
const STEP_BY_KEY = Object.fromEntries(Object.entries(STEPS).map(([step, { key }]) => [key, step]));
// The times an assignment keeps, in the order they happen, with their labels.
const STEP_TIMES = [
  ["dispatched_at", () => statusLabel("dispatched")],
  ["en_route_at", () => stepLabel("en_route")],
  ["on_scene_at", () => stepLabel("on_scene")],
  ["operations_started_at", () => stepLabel("operations_started")],
  ["transporting_at", () => stepLabel("transporting")],
  ["at_hospital_at", () => stepLabel("at_hospital")],
  ["cleared_at", () => statusLabel("cleared")],
  ["cancelled_at", () => statusLabel("cancelled")],
];

const tickets = new Map(); // id -> open ticket of this agency
const assignments = new Map(); // id -> assignment of the selected ticket's incident
const units = new Map(); // id -> unit of this agency
let selectedId = null;
let currentAssignmentId = null;
let recommendation = null;
let placingId = null;
let offsetMs = 0; // server clock minus this machine's clock
let writes = Promise.resolve();
let recommendTimer = null;
let recommendRequest = 0;

// --- Labels ----------------------------------------------------------------------------------

function roleLabel(role) {
  const labels = {
    primary: gettext("Primary agency"),
    support: gettext("Supporting agency"),
    added: gettext("Added by the dispatcher"),
  };
  return labels[role] || role;
}

function capabilityLabel(capability) {
  const labels = {
    fire: gettext("Fire engine"),
    ambulance: gettext("Ambulance"),
    rescue: gettext("Rescue"),
    police: gettext("Police"),
    boat: gettext("Boat"),
    hearse: gettext("Hearse"),
    tree: gettext("Tree crew"),
    utility: gettext("Utility crew"),
  };
  return labels[capability] || capability;
}

function leftOutLabel(reason) {
  const labels = {
    busy: gettext("Busy"),
    out_of_service: statusLabel("out_of_service"),
    wrong_capability: gettext("Not suitable"),
    too_far: gettext("Too far"),
  };
  return labels[reason] || reason;
}

function positionLabel(position) {
  const labels = {
    tracked: gettext("tracked position"),
    station: gettext("from its station"),
    unknown: gettext("position unknown"),
  };
  return labels[position] || position;
}

const typeName = (incident) => (incident.incident_type ? incident.incident_type.name : "");
const badge = (className, text, title = null) => el("span", { className: `badge ${className}`, title }, text);
const priorityBadge = (priority) => badge(`prio prio-${priority}`, `P${priority}`, priorityLabel(priority));
const statusBadge = (status) => badge(`status status-${status}`, statusLabel(status));

function ticketTags(ticket) {
  return [
    ticket.role === "primary" ? null : badge("muted-badge", roleLabel(ticket.role)),
    ticket.cross_border
      ? badge("warn cross-border", gettext("Cross-border"), gettext("Outside your agency's own regency"))
      : null,
  ];
}

// --- Server clock ------------------------------------------------------------------------------

const serverNow = () => Date.now() + offsetMs;

function learnOffset(nowIso, sentAt = Date.now()) {
  const server = Date.parse(nowIso);
  if (!Number.isNaN(server)) offsetMs = server - (sentAt + Date.now()) / 2;
}

const secondsSince = (iso) => (serverNow() - Date.parse(iso)) / 1000;

/** A span counting up from `iso` (m:ss), kept current by tick(). */
const waitingSpan = (iso) => el("span", { className: "wait", dataset: { since: iso } }, duration(secondsSince(iso)));

function ageText(iso) {
  const seconds = Math.max(0, secondsSince(iso));
  if (seconds < 60) return gettext("just now");
  if (seconds < 3600) return fmt(gettext("%(n)s min ago"), { n: Math.floor(seconds / 60) });
  return fmt(gettext("%(n)s h ago"), { n: Math.floor(seconds / 3600) });
}

/** How old a unit's last position is, kept current by tick(). */
function ageSpan(iso) {
  if (!iso) return el("span", { className: "muted" }, "–");
  return el("span", { className: "age", dataset: { age: iso }, title: `${dateTimeFormat.format(new Date(iso))} WIT` }, ageText(iso));
}

function tick() {
  for (const node of app.querySelectorAll("[data-since]")) {
    node.textContent = duration(secondsSince(node.dataset.since));
  }
  for (const node of app.querySelectorAll("[data-age]")) node.textContent = ageText(node.dataset.age);
}

// --- The alarm -------------------------------------------------------------------------------

let unlocked = false; // the browser plays sound only after a click or a key on the page
let muted = localStorage.getItem(MUTE_KEY) === "1";

const waitingTickets = () => [...tickets.values()].filter((t) => t.status === "notified");

function renderSound() {
  app.dataset.sound = muted ? "muted" : !unlocked ? "locked" : audio.paused ? "ready" : "playing";
  $("sound-unlock").hidden = unlocked || muted;
  $("sound-mute").setAttribute("aria-pressed", String(muted));
  $("sound-mute-label").textContent = muted ? gettext("Sound off") : gettext("Sound on");
}

/** The alarm sounds and flashes while a ticket waits; silent once every one is answered. */
function updateAlarm() {
  const waiting = waitingTickets().length;
  app.dataset.alarm = waiting ? "on" : "off";
  $("alarm-banner").hidden = !waiting;
  $("alarm-count").textContent = waiting > 1 ? fmt(gettext("(%(n)s waiting)"), { n: waiting }) : "";
  if (waiting && unlocked && !muted) {
    if (audio.paused) {
      audio.play().catch((error) => {
        if (error.name === "NotAllowedError") {
          unlocked = false;
          renderSound();
        }
      });
    }
  } else if (!audio.paused) {
    audio.pause();
    audio.currentTime = 0;
  }
  renderSound();
}

function unlockSound() {
  if (unlocked) return;
  unlocked = true;
  updateAlarm();
}

function toggleMute() {
  muted = !muted;
  localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  updateAlarm();
}

// --- Tickets -----------------------------------------------------------------------------------

const selectedTicket = () => tickets.get(selectedId) || null;

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
  const selected = ticket.id === selectedId;
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

function renderTickets() {
  const list = sortedTickets();
  fill($("ticket-list"), list.map(ticketRow));
  $("ticket-empty").hidden = list.length > 0;
  $("ticket-count").textContent = list.length ? fmt(gettext("%(n)s open"), { n: list.length }) : "";
  updateAlarm();
}

function fact(term, ...value) {
  return el("div", {}, el("dt", {}, term), el("dd", {}, ...value));
}

function renderTicket() {
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
function select(id) {
  const next = tickets.has(id) ? id : null;
  const changed = next !== selectedId;
  selectedId = next;
  $("ticket-error").textContent = "";
  if (changed) {
    assignments.clear();
    currentAssignmentId = null;
    recommendation = null;
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

function moveTicket(step) {
  const list = sortedTickets();
  if (!list.length) return;
  const index = list.findIndex((t) => t.id === selectedId);
  const next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
  select(list[next].id);
}

/** A ticket from the server (a response or an event): kept while open, else let go. */
function upsertTicket(ticket) {
  if (ticket.agency.code !== AGENCY) return;
  const before = tickets.get(ticket.id);
  if (OPEN.includes(ticket.status)) tickets.set(ticket.id, ticket);
  else tickets.delete(ticket.id);
  const isSelected = ticket.id === selectedId;
  if (isSelected && !tickets.has(ticket.id)) {
    const text = fmt(gettext("Ticket for incident #%(id)s: %(status)s."), {
      id: ticket.incident_id,
      status: statusLabel(ticket.status),
    });
    notify(toasts, text);
    select(firstTicketId());
  } else if (selectedId === null || (isSelected && before && before.status !== ticket.status)) {
    select(selectedId ?? firstTicketId()); // accepted: its units and recommendations now
  } else {
    renderTickets();
    if (isSelected) renderTicket();
  }
}

async function loadTickets() {
  const sentAt = Date.now();
  const answer = await api("/api/tickets/?status=open");
  learnOffset(answer.now, sentAt);
  tickets.clear();
  for (const ticket of answer.tickets) tickets.set(ticket.id, ticket);
  select(tickets.has(selectedId) ? selectedId : firstTicketId());
}

/**
 * Writes run one after another, in the order they were asked for: a key pressed while the
 * previous answer is on its way waits for it, then checks what is possible now.
 */
function run(action) {
  writes = writes.then(action).catch((error) => notify(toasts, errorText(error), "error"));
}

function acceptTicket() {
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

function declineTicket() {
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

// --- Recommended units -------------------------------------------------------------------------

async function loadRecommendation() {
  const ticket = selectedTicket();
  const request = ++recommendRequest;
  if (!ticket || ticket.status !== "accepted") {
    recommendation = null;
    renderRecommendation();
    return;
  }
  try {
    const found = await api(`/api/tickets/${ticket.id}/recommendations/`);
    if (request !== recommendRequest) return; // another ticket was selected meanwhile
    recommendation = found;
    renderRecommendation();
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

function refreshRecommendationSoon() {
  clearTimeout(recommendTimer);
  recommendTimer = setTimeout(loadRecommendation, 150);
}

function etaText(candidate) {
  if (candidate.eta_s == null) return gettext("no estimate");
  return fmt(gettext("ETA %(min)s min"), { min: Math.max(1, Math.round(candidate.eta_s / 60)) });
}

function candidateRow(candidate, index) {
  const unit = candidate.unit;
  const key = index < 9 ? String(index + 1) : null;
  const position = positionLabel(candidate.position);
  const where = [
    kindLabel(unit.kind),
    distance(candidate.distance_m),
    candidate.approximate ? `${position} (${gettext("approximate")})` : position,
  ];
  return el(
    "li",
    { className: "candidate", dataset: { callSign: unit.call_sign } },
    el("span", { className: "rank" }, key ? el("kbd", {}, key) : null),
    el("strong", { className: "unit-name" }, unit.call_sign),
    el("span", { className: "eta" }, etaText(candidate)),
    el(
      "button",
      { type: "button", className: "send", dataset: { callSign: unit.call_sign }, "aria-keyshortcuts": key },
      gettext("Send")
    ),
    el(
      "span",
      { className: "where muted small", title: candidate.approximate ? gettext("The station's position is approximate") : null },
      where.filter(Boolean).join(" · ")
    )
  );
}

function renderRecommendation() {
  const found = recommendation;
  const candidates = found ? found.candidates : [];
  const leftOut = found ? found.left_out : [];
  fill($("candidates"), candidates.map(candidateRow));
  $("candidates-empty").hidden = !found || candidates.length > 0;
  $("recommend-capability").textContent =
    found && found.capability ? fmt(gettext("needed: %(capability)s"), { capability: capabilityLabel(found.capability) }) : "";
  $("left-out-block").hidden = leftOut.length === 0;
  $("left-out-summary").textContent = fmt(gettext("Not recommended (%(n)s)"), { n: leftOut.length });
  fill(
    $("left-out"),
    leftOut.map((item) =>
      el(
        "li",
        { dataset: { reason: item.reason } },
        el("strong", {}, item.unit.call_sign),
        " ",
        badge("muted-badge", leftOutLabel(item.reason)),
        " ",
        item.detail
      )
    )
  );
}

function sendUnit(callSign) {
  run(async () => {
    const ticket = selectedTicket();
    if (!ticket || ticket.status !== "accepted") return;
    try {
      const assignment = await api(`/api/tickets/${ticket.id}/dispatch/`, { method: "POST", body: { unit: callSign } });
      currentAssignmentId = assignment.id;
      upsertAssignment(assignment);
      notify(toasts, fmt(gettext("%(unit)s sent to incident #%(id)s."), { unit: callSign, id: ticket.incident_id }), "ok");
    } finally {
      loadRecommendation();
    }
  });
}

// --- Units on the incident ---------------------------------------------------------------------

const orderedAssignments = () =>
  [...assignments.values()].sort((a, b) => Date.parse(a.dispatched_at) - Date.parse(b.dispatched_at));

function currentAssignment() {
  if (assignments.has(currentAssignmentId)) return assignments.get(currentAssignmentId);
  const list = orderedAssignments();
  const active = list.find((a) => a.next_steps.length) || list[0] || null;
  currentAssignmentId = active ? active.id : null;
  return active;
}

function stepTimes(assignment) {
  const late = assignment.late_steps || {}; // step -> when a crew's phone got it through
  return STEP_TIMES.filter(([field]) => assignment[field]).map(([field, label]) =>
    el(
      "li",
      { dataset: { field } },
      el("span", { className: "step-name" }, label()),
      timeEl(assignment[field]),
      lateMark(late[field === "cleared_at" ? "clear" : field.replace(/_at$/, "")]),
      field === "transporting_at" && assignment.destination ? el("span", { className: "muted" }, assignment.destination.name) : null,
      field === "cancelled_at" && assignment.cancel_reason ? el("span", { className: "muted" }, assignment.cancel_reason) : null
    )
  );
}

/** A step the crew tapped without signal: recorded at the tap, received later. */
function lateMark(receivedAt) {
  if (!receivedAt) return null;
  const title = fmt(gettext("Tapped offline on the crew's phone; received at %(time)s WIT"), {
    time: when(receivedAt),
  });
  return el("span", { className: "late", title }, gettext("arrived late"));
}

function assignmentRow(assignment, current) {
  const buttons = assignment.next_steps.map((step) =>
    el(
      "button",
      {
        type: "button",
        className: `step step-${step}${step === "cancel" ? "" : " go"}`,
        dataset: { step, id: assignment.id },
        "aria-keyshortcuts": current ? STEPS[step].key.toUpperCase() : null,
      },
      current ? el("kbd", {}, STEPS[step].key.toUpperCase()) : null,
      current ? " " : null,
      stepLabel(step)
    )
  );
  return el(
    "li",
    { className: `assignment${current ? " current" : ""}`, dataset: { id: assignment.id }, "aria-current": current ? "true" : null },
    el(
      "div",
      { className: "assignment-head" },
      el("strong", {}, assignment.unit.call_sign),
      statusBadge(assignment.status),
      assignment.eta_s != null ? el("span", { className: "muted small" }, etaText(assignment)) : null
    ),
    el("ol", { className: "step-times" }, stepTimes(assignment)),
    buttons.length ? el("div", { className: "step-buttons" }, buttons) : null
  );
}

function renderAssignments() {
  const current = currentAssignment();
  const list = orderedAssignments();
  fill($("assignments"), list.map((a) => assignmentRow(a, current && a.id === current.id)));
  $("assignment-block").hidden = list.length === 0;
}

function upsertAssignment(assignment) {
  const ticket = selectedTicket();
  if (ticket && assignment.incident === ticket.incident.id) {
    assignments.set(assignment.id, assignment);
    renderAssignments();
  }
  upsertUnit(assignment.unit);
}

async function loadAssignments() {
  const ticket = selectedTicket();
  if (!ticket) return;
  try {
    const list = await api(`/api/assignments/?incident=${ticket.incident.id}`);
    if (!selectedTicket() || selectedTicket().incident.id !== ticket.incident.id) return;
    assignments.clear();
    for (const assignment of list) {
      if (assignment.unit.agency === AGENCY) assignments.set(assignment.id, assignment);
    }
    renderAssignments();
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

function moveAssignment(step) {
  const list = orderedAssignments();
  const current = currentAssignment();
  if (!list.length || !current) return;
  const index = list.findIndex((a) => a.id === current.id);
  currentAssignmentId = list[(index + step + list.length) % list.length].id;
  renderAssignments();
}

/** True when the unit may take the step now; says why not otherwise. */
function mayTake(assignment, step) {
  if (assignment.next_steps.includes(step)) return true;
  const text = fmt(gettext("%(unit)s cannot take this step now: %(step)s."), {
    unit: assignment.unit.call_sign,
    step: stepLabel(step),
  });
  notify(toasts, text, "error");
  return false;
}

function takeStep(id, step) {
  const post = (body) => api(`/api/assignments/${id}/${STEPS[step].path}/`, { method: "POST", body });
  const assignment = assignments.get(id);
  if (!assignment) return;
  if (step === "transporting" && mayTake(assignment, step)) {
    ask({
      title: fmt(gettext("%(unit)s is taking a patient"), { unit: assignment.unit.call_sign }),
      submit: stepLabel("transporting"),
      destination: true,
      action: async ({ destination }) => upsertAssignment(await post({ destination })),
    });
  } else if (step === "cancel" && mayTake(assignment, step)) {
    ask({
      title: fmt(gettext("Call %(unit)s back"), { unit: assignment.unit.call_sign }),
      label: gettext("Why is the unit called back?"),
      submit: gettext("Call back"),
      reasonRequired: true,
      action: async ({ reason }) => upsertAssignment(await post({ reason })),
    });
  } else if (step !== "transporting" && step !== "cancel") {
    run(async () => {
      const latest = assignments.get(id);
      if (latest && mayTake(latest, step)) upsertAssignment(await post());
    });
  }
}

// --- The agency's units: board and map -------------------------------------------------------

let deskMap = null;
const unitMarkers = new Map(); // unit id -> its dot on the map

function upsertUnit(unit) {
  if (!unit || unit.agency !== AGENCY) return;
  units.set(unit.id, unit);
  renderFleet();
  if (recommendation && unit.status !== "available") {
    // Gone from the candidates at once; the refreshed recommendation says why.
    const { candidates } = recommendation;
    recommendation.candidates = candidates.filter((c) => c.unit.id !== unit.id);
    if (recommendation.candidates.length !== candidates.length) renderRecommendation();
  }
}

function fleetRow(unit) {
  const placing = unit.id === placingId;
  const service =
    unit.status === "available"
      ? el("button", { type: "button", className: "service", dataset: { id: unit.id, inService: "false" } }, gettext("Out of service"))
      : unit.status === "out_of_service"
        ? el("button", { type: "button", className: "service", dataset: { id: unit.id, inService: "true" } }, gettext("Back in service"))
        : null;
  return el(
    "tr",
    { dataset: { id: unit.id, callSign: unit.call_sign }, className: placing ? "placing" : "" },
    el("td", {}, el("strong", {}, unit.call_sign)),
    el("td", {}, kindLabel(unit.kind)),
    el("td", { className: "station", title: unit.station || "" }, unit.station || "–"),
    el("td", {}, statusBadge(unit.status)),
    el("td", { className: "age-cell" }, ageSpan(unit.last_position_at)),
    el(
      "td",
      { className: "unit-actions" },
      el(
        "button",
        { type: "button", className: "place", dataset: { id: unit.id }, "aria-pressed": String(placing), title: gettext("Then click the map where the unit is") },
        gettext("Place on map")
      ),
      service
    )
  );
}

function renderFleet() {
  const list = [...units.values()].sort((a, b) => a.call_sign.localeCompare(b.call_sign, "id", { numeric: true }));
  fill($("fleet-rows"), list.map(fleetRow));
  $("fleet-empty").hidden = list.length > 0;
  renderUnitMarkers(list);
}

const UNIT_COLOURS = { available: "#1e7a34", out_of_service: "#5c6570" }; // else on a call

/** A dot with its call sign per unit with a known position, moved in place as it changes. */
function renderUnitMarkers(list) {
  if (!deskMap) return;
  const shown = new Set();
  for (const unit of list) {
    if (unit.last_lat == null || unit.last_lon == null) continue;
    shown.add(unit.id);
    let marker = unitMarkers.get(unit.id);
    if (!marker) {
      const label = el("span", {}, unit.call_sign);
      marker = window.L.circleMarker([unit.last_lat, unit.last_lon], {
        radius: 6,
        pane: "marks",
        color: "#fff",
        weight: 2,
        fillOpacity: 1,
        interactive: false,
      })
        .bindTooltip(label, { permanent: true, direction: "right", offset: [6, 0], className: "unit-label" })
        .addTo(deskMap.map);
      unitMarkers.set(unit.id, marker);
    }
    marker.setLatLng([unit.last_lat, unit.last_lon]);
    marker.setStyle({ fillColor: UNIT_COLOURS[unit.status] || "#1a5fb4" });
  }
  for (const [id, marker] of unitMarkers) {
    if (shown.has(id)) continue;
    marker.remove();
    unitMarkers.delete(id);
  }
}

function showIncidentOnMap(pan) {
  const ticket = selectedTicket();
  if (!deskMap) return;
  const incident = ticket && ticket.incident;
  if (!incident || incident.lat == null) {
    deskMap.clearPoint();
    return;
  }
  deskMap.setPoint(incident.lat, incident.lon, { approximate: incident.location_approximate, pan });
  deskMap.highlightArea(incident.area ? incident.area.code : null);
}

function startPlacing(id) {
  placingId = placingId === id ? null : id;
  const unit = units.get(placingId);
  $("placing").textContent = unit
    ? fmt(gettext("Click the map where %(unit)s is. Esc stops."), { unit: unit.call_sign })
    : "";
  $("desk-map").classList.toggle("placing", Boolean(unit));
  renderFleet();
}

function placeUnit(latlng) {
  const unit = units.get(placingId);
  if (!unit) return;
  run(async () => {
    const body = { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) };
    upsertUnit(await api(`/api/fleet/${unit.id}/position/`, { method: "POST", body }));
    if (placingId === unit.id) startPlacing(unit.id); // placed: stop placing
  });
}

function setService(unit, inService) {
  const post = (reason) =>
    api(`/api/fleet/${unit.id}/service/`, { method: "POST", body: { in_service: inService, reason } });
  if (inService) {
    run(async () => upsertUnit(await post("")));
    return;
  }
  ask({
    title: fmt(gettext("Take %(unit)s out of service"), { unit: unit.call_sign }),
    label: gettext("Reason (breakdown, no crew, maintenance…)"),
    submit: gettext("Out of service"),
    action: async ({ reason }) => upsertUnit(await post(reason)),
  });
}

async function loadFleet() {
  const list = await api("/api/fleet/");
  units.clear();
  for (const unit of list) units.set(unit.id, unit);
  renderFleet();
}

// --- The small form for a reason or a hospital ---------------------------------------------

let pending = null;

/** Ask for a reason (or a destination) in a small modal form, then run `action` with it. */
function ask({ title, label = "", submit, reasonRequired = false, destination = false, action }) {
  $("reason-title").textContent = title;
  $("reason-label").textContent = label;
  $("reason-submit").textContent = submit;
  $("reason-field").hidden = destination;
  $("destination-field").hidden = !destination;
  $("reason-text").value = "";
  $("reason-error").textContent = "";
  pending = { action, reasonRequired, destination };
  dialog.showModal();
  (destination ? $("destination") : $("reason-text")).focus();
}

$("reason-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!pending) return;
  const reason = $("reason-text").value.trim();
  const destination = Number($("destination").value);
  if (pending.reasonRequired && !reason) {
    $("reason-error").textContent = gettext("Give a reason.");
    $("reason-text").focus();
    return;
  }
  if (pending.destination && !destination) {
    $("reason-error").textContent = gettext("Choose a hospital.");
    return;
  }
  const asked = pending;
  pending = null; // a second Enter does not send it twice
  run(async () => {
    try {
      await asked.action({ reason, destination });
      dialog.close();
    } catch (error) {
      pending = asked;
      $("reason-error").textContent = errorText(error);
    }
  });
});
$("reason-close").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  pending = null;
});

// --- Clicks and keys ---------------------------------------------------------------------------

$("ticket-list").addEventListener("click", (event) => {
  const row = event.target.closest("button.ticket-pick");
  if (row) select(Number(row.dataset.id));
});
$("ticket-accept").addEventListener("click", acceptTicket);
$("ticket-decline").addEventListener("click", declineTicket);
$("alarm-show").addEventListener("click", () => {
  const [oldest] = waitingTickets().sort((a, b) => Date.parse(a.notified_at) - Date.parse(b.notified_at));
  if (oldest) select(oldest.id);
});
$("candidates").addEventListener("click", (event) => {
  const button = event.target.closest("button.send");
  if (button) sendUnit(button.dataset.callSign);
});
$("assignments").addEventListener("click", (event) => {
  const item = event.target.closest("li.assignment");
  if (!item) return;
  const assignment = assignments.get(Number(item.dataset.id));
  if (!assignment) return;
  currentAssignmentId = assignment.id;
  renderAssignments();
  const button = event.target.closest("button[data-step]");
  if (button) takeStep(assignment.id, button.dataset.step);
});
$("fleet-rows").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const unit = units.get(Number(button.dataset.id));
  if (button.classList.contains("place")) startPlacing(unit.id);
  else setService(unit, button.dataset.inService === "true");
});
$("sound-unlock").addEventListener("click", unlockSound);
$("sound-mute").addEventListener("click", toggleMute);
audio.addEventListener("playing", renderSound);
audio.addEventListener("pause", renderSound);
// Any click or key on the page counts as the gesture that lets the browser play sound.
document.addEventListener("pointerdown", unlockSound, { capture: true });
document.addEventListener("keydown", unlockSound, { capture: true });

function keyAction(key) {
  const moves = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 };
  if (key in moves) return () => moveTicket(moves[key]);
  if (key === "ArrowRight" || key === "ArrowLeft") return () => moveAssignment(key === "ArrowRight" ? 1 : -1);
  if (key === "a") return acceptTicket;
  if (key === "d") return declineTicket;
  if (key === "m") return toggleMute;
  if (/^[1-9]$/.test(key) && recommendation) {
    const candidate = recommendation.candidates[Number(key) - 1];
    return candidate ? () => sendUnit(candidate.unit.call_sign) : null;
  }
  const assignment = currentAssignment();
  if (STEP_BY_KEY[key] && assignment) return () => takeStep(assignment.id, STEP_BY_KEY[key]);
  return null;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || dialog.open) return;
  if (event.key === "Escape" && placingId !== null) {
    startPlacing(placingId);
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  if (event.target instanceof Element && event.target.closest(".leaflet-container")) return;
  const action = keyAction(event.key.length === 1 ? event.key.toLowerCase() : event.key);
  if (action) {
    event.preventDefault();
    action();
  }
});

// --- Live feed ---------------------------------------------------------------------------------

function onIncident(incident) {
  let touched = false;
  for (const ticket of tickets.values()) {
    if (ticket.incident.id !== incident.id) continue;
    ticket.incident = { ...ticket.incident, ...incident };
    touched = true;
  }
  if (!touched) return;
  renderTickets();
  renderTicket();
  showIncidentOnMap(false);
}

document.addEventListener("live:event", ({ detail }) => {
  const data = detail.data || {};
  const family = detail.kind.split(".")[0];
  if (family === "ticket" && data.ticket) upsertTicket(data.ticket);
  else if (family === "incident" && data.incident) onIncident(data.incident);
  else if (family === "assignment" && data.assignment) {
    upsertAssignment(data.assignment);
    refreshRecommendationSoon();
  } else if (family === "unit" && data.unit) {
    upsertUnit(data.unit);
    refreshRecommendationSoon();
  }
});

document.addEventListener("live:hello", ({ detail }) => {
  if (detail.now) learnOffset(detail.now);
});

let wasOffline = false;
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "offline") wasOffline = true;
  if (detail === "online" && wasOffline) {
    wasOffline = false;
    loadAll(); // the snapshot again after an outage, with the server's clock
  }
});

async function loadAll() {
  try {
    await Promise.all([loadTickets(), loadFleet()]);
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

if (window.L) {
  deskMap = createMap($("desk-map"), { onClick: placeUnit });
}
renderSound();
loadAll();
setInterval(tick, 1000);
