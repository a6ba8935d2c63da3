// The units recommended for the selected ticket (nearest suitable first, with an ETA), those
// left out and why, and sending one.

import { capabilityLabel, kindLabel, leftOutLabel, positionLabel } from "../labels.js";
import { api, distance, el, errorText, fill, fmt, notify } from "../ui.js";
import { upsertAssignment } from "./assignments.js";
import { badge } from "./badges.js";
import { $, desk, run, selectedTicket, toasts } from "./state.js";

let recommendTimer = null;
let recommendRequest = 0;

export async function loadRecommendation() {
  const ticket = selectedTicket();
  const request = ++recommendRequest;
  if (!ticket || ticket.status !== "accepted") {
    desk.recommendation = null;
    renderRecommendation();
    return;
  }
  try {
    const found = await api(`/api/tickets/${ticket.id}/recommendations/`);
    if (request !== recommendRequest) return; // another ticket was selected meanwhile
    desk.recommendation = found;
    renderRecommendation();
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

export function refreshRecommendationSoon() {
  clearTimeout(recommendTimer);
  recommendTimer = setTimeout(loadRecommendation, 150);
}

export function etaText(candidate) {
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

export function renderRecommendation() {
  const found = desk.recommendation;
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

export function sendUnit(callSign) {
  run(async () => {
    const ticket = selectedTicket();
    if (!ticket || ticket.status !== "accepted") return;
    try {
      const assignment = await api(`/api/tickets/${ticket.id}/dispatch/`, { method: "POST", body: { unit: callSign } });
      desk.currentAssignmentId = assignment.id;
      upsertAssignment(assignment);
      notify(toasts, fmt(gettext("%(unit)s sent to incident #%(id)s."), { unit: callSign, id: ticket.incident_id }), "ok");
    } finally {
      loadRecommendation();
    }
  });
}
