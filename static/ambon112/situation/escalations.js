// Open escalations on the live map: a halo on their incidents, one entry per subject.

import { upsertIncident } from "./incidents.js";
import { escalations, incidents } from "./state.js";

export function escalatedIncidents() {
  const ids = new Set();
  for (const e of escalations.values()) if (e.incident_id) ids.add(e.incident_id);
  return ids;
}

/** One entry per subject, at its highest level, newest first. */
export function escalatedSubjects() {
  const top = new Map();
  for (const e of escalations.values()) {
    const known = top.get(e.key);
    if (!known || e.level > known.level) top.set(e.key, e);
  }
  return [...top.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1));
}

/** An escalation as the side list keeps it: keyed by its subject, so that a subject shows once
 * (issue #16). The snapshot's rows name the subject in two fields, the events in one. */
export function escalationEntry(e) {
  const subject = e.subject || { type: e.subject_type, id: e.subject_id };
  return {
    id: e.id,
    key: subject.type ? `${e.watch}|${subject.type}|${subject.id}|${e.started_at}` : `id|${e.id}`,
    incident_id: e.incident_id ?? e.incident,
    summary: e.summary,
    raised_at: e.raised_at,
    level: e.level,
  };
}

export function applyEscalation(kind, escalation) {
  // Acknowledged, or its cause ended: it leaves the map at once.
  if (kind === "escalation.acknowledged" || escalation.resolved_at) escalations.delete(escalation.id);
  else if (kind === "escalation.raised") escalations.set(escalation.id, escalationEntry(escalation));
  const escalated = escalatedIncidents();
  for (const item of incidents.values()) {
    if (Boolean(item.data.escalated) !== escalated.has(item.data.id)) {
      upsertIncident({ id: item.data.id, escalated: escalated.has(item.data.id) });
    }
  }
}
