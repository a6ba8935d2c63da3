// The escalations visible on this console, as subjects: one card per thing that waits.

import { serverNow } from "../clock.js";
import { addressed, visible } from "./bar.js";

// The ladder raises one escalation per level (L1, L2, then its repeats) for one subject: a call,
// a ticket, an incident. People read one card per subject, at its highest level, with the levels
// inside it, and many cards of one kind as one line (ISA-18.2: no flood, every alarm a call to
// act). A subject leaves the banner the moment its cause ends (escalation.resolved); the supervisor
// acknowledges what ended unseen, and may shelve a subject for a stated time with a reason.

export const escalations = new Map(); // id -> escalation visible to me that still belongs on a card or list
export const shelves = new Map(); // subjectOf() -> {until, reason, by}
export const merging = { touched: null }; // ids an event changed while a snapshot was on its way

// What waits (shelving applies to it), and one wait of it: the room's "nobody ready" waits again
// and again, each wait a card of its own.
export const subjectOf = (escalation) => `${escalation.watch}|${escalation.subject.type}|${escalation.subject.id}`;
export const keyOf = (escalation) => `${subjectOf(escalation)}|${escalation.started_at}`;
export const limitOf = (escalation) => (Date.parse(escalation.due_at) - Date.parse(escalation.started_at)) / 1000;

/** The subjects, each with its levels in order, its highest level, and what it waits for. */
export function subjects() {
  const byKey = new Map();
  for (const escalation of escalations.values()) {
    const key = keyOf(escalation);
    if (!byKey.has(key)) byKey.set(key, { key, levels: [] });
    byKey.get(key).levels.push(escalation);
  }
  const now = serverNow();
  return [...byKey.values()].map((subject) => {
    subject.levels.sort((a, b) => a.level - b.level || Date.parse(a.raised_at) - Date.parse(b.raised_at));
    subject.top = subject.levels[subject.levels.length - 1];
    subject.active = subject.levels.some((escalation) => !escalation.resolved_at);
    subject.unacknowledged = subject.levels.filter((escalation) => !escalation.acknowledged_at);
    subject.mine = subject.levels.some(addressed);
    const shelf = shelves.get(subjectOf(subject.levels[0]));
    subject.shelf = shelf && Date.parse(shelf.until) > now ? shelf : null;
    return subject;
  });
}

// Open while it waits and is not shelved, acknowledged or not (ISA-18.2: an acknowledged alarm
// stays in sight, quieter, until its cause clears).
export const isOpen = (s) => s.active && !s.shelf;
export const endedUnseen = (s) => !s.active && s.unacknowledged.length > 0;
// Nobody has it yet first, then the highest level, then the longest wait.
export const urgentFirst = (a, b) =>
  Number(b.unacknowledged.length > 0) - Number(a.unacknowledged.length > 0) ||
  b.top.level - a.top.level ||
  Date.parse(a.top.started_at) - Date.parse(b.top.started_at);

/** Forget a subject once it ended and was acknowledged: nothing left to show or do. */
export function prune(key) {
  const levels = [...escalations.values()].filter((escalation) => keyOf(escalation) === key);
  if (levels.every((escalation) => escalation.resolved_at && escalation.acknowledged_at)) {
    for (const escalation of levels) escalations.delete(escalation.id);
  }
}

export function apply(escalation) {
  if (merging.touched) merging.touched.add(escalation.id);
  if (visible(escalation)) escalations.set(escalation.id, escalation);
  else escalations.delete(escalation.id);
  prune(keyOf(escalation));
}

/** A subject of the snapshot: its levels as escalations, and its shelving. */
export function fromSubject(subject, into, shelvesInto) {
  const shared = {
    watch: subject.watch,
    watch_name: subject.watch_name,
    subject: subject.subject || { type: subject.subject_type, id: subject.subject_id },
    incident: subject.incident,
    agency: subject.agency,
    summary: subject.summary,
    started_at: subject.started_at,
  };
  // What the ladder offers goes with the highest level (the backup agency).
  const top = { action: subject.action, backup: subject.backup };
  for (const level of subject.history || []) {
    const own = level.id === subject.escalation ? top : {};
    into.set(level.id, { ...shared, ...own, ...level, ...(into.get(level.id) || {}) });
  }
  if (subject.shelved) shelvesInto.set(subjectOf(shared), subject.shelved);
}
