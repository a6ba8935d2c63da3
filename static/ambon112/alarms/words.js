// What the escalation bar says: the watches, deadlines, groups and who was alerted.

import { fmt } from "../ui.js";

/** "batas 15 dtk", "batas 2 mnt": a deadline as a person reads it next to a waiting time. */
export function limitText(seconds) {
  return seconds < 120
    ? fmt(gettext("limit %(s)s s"), { s: Math.round(seconds) })
    : fmt(gettext("limit %(m)s min"), { m: Math.round(seconds / 60) });
}


export function watchLabel(escalation) {
  const labels = {
    call_unanswered: gettext("Call ringing, unanswered"),
    incident_not_forwarded: gettext("Emergency answered, no agency notified"),
    ticket_not_accepted: gettext("Ticket not accepted"),
    no_unit_en_route: gettext("Ticket accepted, no unit en route"),
    fire_no_operations: gettext("Fire: no operations started"),
    nobody_ready: gettext("No call-taker ready"),
    contact_unhandled: gettext("Message contact, no first response"),
    hazard_unreviewed: gettext("Hazard alert (earthquake), not yet reviewed"),
    unit_not_dispatched: gettext("Ticket accepted, no unit sent"),
    unit_not_en_route: gettext("Unit sent, not en route (turnout)"),
    unit_not_on_scene: gettext("Unit en route, not on scene after its ETA"),
    incident_idle: gettext("Open incident, no activity"),
  };
  return labels[escalation.watch] || escalation.watch_name;
}

/** "15 dtk", "2 mnt": a deadline in a group line. */
function shortLimit(seconds) {
  return seconds < 120
    ? fmt(gettext("%(s)s s"), { s: Math.round(seconds) })
    : fmt(gettext("%(m)s min"), { m: Math.round(seconds / 60) });
}

/** "9 panggilan berdering > 15 dtk": many subjects of one watch, past its first deadline. */
export function groupText(watch, count, seconds, sample) {
  const texts = {
    call_unanswered: gettext("%(n)s calls ringing > %(limit)s"),
    contact_unhandled: gettext("%(n)s messages with no first response > %(limit)s"),
    ticket_not_accepted: gettext("%(n)s tickets not accepted > %(limit)s"),
    no_unit_en_route: gettext("%(n)s accepted tickets with no unit en route > %(limit)s"),
    incident_not_forwarded: gettext("%(n)s emergencies not forwarded > %(limit)s"),
  };
  const values = { n: count, limit: shortLimit(seconds), what: watchLabel(sample) };
  return fmt(texts[watch] || gettext("%(n)s × %(what)s"), values);
}

export function recipientsText(escalation) {
  const names = {
    call_takers: gettext("Call-takers"),
    supervisors: gettext("Supervisors"),
    agency: escalation.agency
      ? fmt(gettext("%(agency)s desk"), { agency: escalation.agency.short_name })
      : gettext("Agency desk"),
  };
  return escalation.recipients.map((r) => names[r] || r).join(", ");
}

export const alertedText = (escalation) => fmt(gettext("Alerted: %(who)s"), { who: recipientsText(escalation) });
