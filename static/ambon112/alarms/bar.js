// The escalation bar under every console's header: whose console it is, and who sees what.

export const $ = (id) => document.getElementById(id);
export const bar = $("alarm-bar");
export const ROLE = bar.dataset.role;
const AGENCY = bar.dataset.agency;
export const OVERSEERS = new Set(["supervisor", "dispatcher", "admin"]);
export const BACKUP_ROLES = new Set(["supervisor", "admin"]); // as dispatch/services/escalations.py
export const SHELVERS = BACKUP_ROLES; // shelving is the supervisor's call too (issue #16)
export const ALERTED = OVERSEERS.has(ROLE) || ROLE === "call_taker" || ROLE === "agency_desk";
export const WALL = "wall" in bar.dataset; // the room's wallboard: the count only

/** Sent to me by the ladder: call-takers, my agency's desk, or the supervisors. */
export function addressed(escalation) {
  const to = escalation.recipients;
  if (ROLE === "call_taker") return to.includes("call_takers");
  if (ROLE === "agency_desk") return to.includes("agency") && escalation.agency?.code === AGENCY;
  return OVERSEERS.has(ROLE) && to.includes("supervisors");
}

/** What the server lets me see (dispatch/selectors.escalations_for): events reach more people. */
export const visible = (escalation) => OVERSEERS.has(ROLE) || addressed(escalation);
