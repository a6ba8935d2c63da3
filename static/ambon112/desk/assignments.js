// The units of this agency on the selected ticket's incident: the time of every step, and the
// steps they may take now (a key each).

import { statusLabel, stepLabel } from "../labels.js";
import { api, el, errorText, fill, fmt, notify, timeEl, when } from "../ui.js";
import { ask } from "./ask.js";
import { statusBadge } from "./badges.js";
import { upsertUnit } from "./fleet.js";
import { etaText } from "./recommend.js";
import { $, AGENCY, assignments, desk, run, selectedTicket, toasts } from "./state.js";

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
export const STEP_BY_KEY = Object.fromEntries(Object.entries(STEPS).map(([step, { key }]) => [key, step]));
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

const orderedAssignments = () =>
  [...assignments.values()].sort((a, b) => Date.parse(a.dispatched_at) - Date.parse(b.dispatched_at));

export function currentAssignment() {
  if (assignments.has(desk.currentAssignmentId)) return assignments.get(desk.currentAssignmentId);
  const list = orderedAssignments();
  const active = list.find((a) => a.next_steps.length) || list[0] || null;
  desk.currentAssignmentId = active ? active.id : null;
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

export function renderAssignments() {
  const current = currentAssignment();
  const list = orderedAssignments();
  fill($("assignments"), list.map((a) => assignmentRow(a, current && a.id === current.id)));
  $("assignment-block").hidden = list.length === 0;
}

export function upsertAssignment(assignment) {
  const ticket = selectedTicket();
  if (ticket && assignment.incident === ticket.incident.id) {
    assignments.set(assignment.id, assignment);
    renderAssignments();
  }
  upsertUnit(assignment.unit);
}

export async function loadAssignments() {
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

export function moveAssignment(step) {
  const list = orderedAssignments();
  const current = currentAssignment();
  if (!list.length || !current) return;
  const index = list.findIndex((a) => a.id === current.id);
  desk.currentAssignmentId = list[(index + step + list.length) % list.length].id;
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

export function takeStep(id, step) {
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
