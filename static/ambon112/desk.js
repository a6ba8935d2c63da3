// The agency desk: its agency's open tickets, live (waiting first, with an alarm that sounds
// until each is answered), accept or decline, the recommended units and dispatch, each unit's
// steps on the incident, and the agency's units on a board and a map.
//
// A snapshot over REST, then the live feed's `live:event`s (live.js); writes go over REST.
// Waiting times come from the server's clock. Everything the server sends goes in as text.

import { renderSound, sound, waitingTickets } from "./desk/alarm.js";
import { dialog } from "./desk/ask.js";
import {
  currentAssignment,
  moveAssignment,
  renderAssignments,
  STEP_BY_KEY,
  takeStep,
  upsertAssignment,
} from "./desk/assignments.js";
import { tick } from "./desk/badges.js";
import {
  loadFleet,
  setService,
  showIncidentOnMap,
  startMap,
  startPlacing,
  upsertUnit,
} from "./desk/fleet.js";
import { refreshRecommendationSoon, sendUnit } from "./desk/recommend.js";
import { $, assignments, desk, tickets, toasts, units } from "./desk/state.js";
import {
  acceptTicket,
  declineTicket,
  loadTickets,
  moveTicket,
  renderTicket,
  renderTickets,
  select,
  upsertTicket,
} from "./desk/tickets.js";
import { onReconnect } from "./live.js";
import { errorText, notify, typingIn } from "./ui.js";

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
  desk.currentAssignmentId = assignment.id;
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

function keyAction(key) {
  const moves = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 };
  if (key in moves) return () => moveTicket(moves[key]);
  if (key === "ArrowRight" || key === "ArrowLeft") return () => moveAssignment(key === "ArrowRight" ? 1 : -1);
  if (key === "a") return acceptTicket;
  if (key === "d") return declineTicket;
  if (key === "m") return sound.toggleMute;
  if (/^[1-9]$/.test(key) && desk.recommendation) {
    const candidate = desk.recommendation.candidates[Number(key) - 1];
    return candidate ? () => sendUnit(candidate.unit.call_sign) : null;
  }
  const assignment = currentAssignment();
  if (STEP_BY_KEY[key] && assignment) return () => takeStep(assignment.id, STEP_BY_KEY[key]);
  return null;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || dialog.open) return;
  if (event.key === "Escape" && desk.placingId !== null) {
    startPlacing(desk.placingId);
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

onReconnect(loadAll);

async function loadAll() {
  try {
    await Promise.all([loadTickets(), loadFleet()]);
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

startMap();
renderSound();
loadAll();
setInterval(tick, 1000);
