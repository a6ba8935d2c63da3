// The call-taker's queue: ringing calls and waiting messages, oldest first, their waiting time
// from the server's clock against the deadline of the SLA policy in force (amber near it, red
// past it, with the alarm once), and the calls taken here and not yet classified.

import { playSound } from "../alarms/sound.js";
import { limitText } from "../alarms/words.js";
import { learnOffset, secondsSince } from "../clock.js";
import { channelBadge, isMessage, senderText } from "../contacts.js";
import { statusLabel } from "../labels.js";
import { api, ApiError, duration, el, errorText, fmt, notify } from "../ui.js";
import { closeIntake, openCall, popState, renderPop } from "./pop.js";
import { $, me, mine, mineList, queue, queueList, state, toasts } from "./state.js";

const SOON_S = 5; // amber this long before the deadline
const queueEmpty = $("queue-empty");
const queueCount = $("queue-count");
const mineBlock = $("mine-block");
// The active `call_unanswered` policy's ladder (docs/architecture.md "Deadlines" defaults until it
// is read).
let deadlineS = 15;
let overdueS = 30;
// The `contact_unhandled` policy's: a message has no ring clock, it waits for a first response.
let contactDeadlineS = 300;
let contactOverdueS = 600;
const sounded = new Set(); // ids of ringing calls whose alarm has played

/**
 * A call waits in the queue until it is answered (T1: taken on a console or answered at a
 * handset) or the caller hangs up (as /api/calls/?status=ringing).
 */
const waiting = (call) => !call.answered_at && !call.ended_at && !call.disposition;
export const isMine = (call) => call.taken_by === me && !call.disposition;
export const byRinging = (a, b) =>
  Date.parse(a.ringing_at || 0) - Date.parse(b.ringing_at || 0) || a.id - b.id;

function badges(call) {
  const list = [];
  const caller = call.caller;
  if (!caller && !isMessage(call)) list.push(el("span", { className: "badge muted-badge" }, gettext("number withheld")));
  if (caller && caller.blocked) list.push(el("span", { className: "badge bad" }, gettext("blocked")));
  if (caller && caller.flagged) list.push(el("span", { className: "badge warn" }, gettext("flagged")));
  if (caller && caller.prank_calls) {
    list.push(
      el("span", { className: "badge warn" }, fmt(ngettext("%(n)s prank", "%(n)s pranks", caller.prank_calls), { n: caller.prank_calls }))
    );
  }
  if (call.aml) list.push(el("span", { className: "badge ok" }, gettext("AML")));
  return list;
}

/** Read the deadline of a ringing call from the SLA policy in force. */
export async function loadDeadline() {
  try {
    const policies = await api("/api/sla-policies/");
    const ladder = (watch) => {
      const policy = policies.find((p) => p.watch === watch);
      const levels = policy ? [...policy.levels].sort((a, b) => a.level - b.level) : [];
      return levels.length ? [levels[0].delay_s, levels.length > 1 ? levels[1].delay_s : Infinity] : null;
    };
    [deadlineS, overdueS] = ladder("call_unanswered") || [deadlineS, overdueS];
    [contactDeadlineS, contactOverdueS] = ladder("contact_unhandled") || [contactDeadlineS, contactOverdueS];
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
  renderQueue();
}

/** The deadline and the next level of a call's wait: a ring clock, or a message's first response. */
const limitsOf = (call) => (isMessage(call) ? [contactDeadlineS, contactOverdueS] : [deadlineS, overdueS]);

function clockState(seconds, [deadline, overdue]) {
  if (seconds >= overdue) return "overdue";
  if (seconds >= deadline) return "late";
  return seconds >= deadline - SOON_S ? "soon" : "ok";
}

function waitText(call) {
  return duration(secondsSince(call.ringing_at));
}

function queueRow(call, index) {
  const take = el(
    "button",
    { type: "button", className: "take", dataset: { id: call.id } },
    index === 0 ? el("kbd", {}, "A") : null,
    index === 0 ? " " : null,
    gettext("Take")
  );
  const [deadline, overdue] = limitsOf(call);
  const message = isMessage(call);
  const row = el(
    "li",
    { className: `call-row${message ? " message" : ""}`, dataset: { id: call.id, ringingAt: call.ringing_at || "", clock: "ok", deadline, overdue } },
    el(
      "span",
      { className: "clock" },
      el("span", { className: "wait", title: message ? gettext("Waiting for a first response") : gettext("Waiting") }, call.ringing_at ? waitText(call) : "–"),
      el("span", { className: "limit" }, limitText(deadline))
    ),
    el("span", { className: "line" }, message ? channelBadge(call) : call.line || gettext("line ?")),
    el("span", { className: "number" }, senderText(call)),
    el("span", { className: "badges" }, badges(call)),
    take,
    message && call.message ? el("span", { className: "snippet" }, call.message.slice(0, 120)) : null
  );
  if (call.caller && call.caller.blocked) row.classList.add("blocked");
  return row;
}

export function renderQueue() {
  // Rows are rebuilt on every event: keep the keyboard focus on the same call's button.
  const focused = document.activeElement;
  const refocus =
    focused && focused.dataset && (queueList.contains(focused) || mineList.contains(focused))
      ? `button[data-id="${focused.dataset.id}"]`
      : null;
  const calls = [...queue.values()].sort(byRinging);
  queueList.replaceChildren(...calls.map(queueRow));
  queueEmpty.hidden = calls.length > 0;
  const messages = calls.filter(isMessage).length;
  queueCount.textContent = [
    calls.length > messages ? fmt(gettext("%(n)s ringing"), { n: calls.length - messages }) : "",
    messages ? fmt(gettext("%(n)s messages waiting"), { n: messages }) : "",
  ]
    .filter(Boolean)
    .join(" · ");
  tick();
  const mineCalls = [...mine.values()].sort(byRinging);
  mineBlock.hidden = mineCalls.length === 0;
  mineList.replaceChildren(
    ...mineCalls.map((call) =>
      el(
        "li",
        { className: `call-row${state.current && state.current.id === call.id ? " current" : ""}`, dataset: { id: call.id } },
        isMessage(call) ? channelBadge(call) : el("span", { className: "line" }, call.line || ""),
        el("span", { className: "number" }, senderText(call)),
        el("span", { className: "muted" }, statusLabel(call.status)),
        state.current && state.current.id === call.id
          ? el("span", { className: "badge ok" }, gettext("open"))
          : el("button", { type: "button", className: "open", dataset: { id: call.id } }, gettext("Open"))
      )
    )
  );
  if (refocus) {
    const again = queueList.querySelector(refocus) || mineList.querySelector(refocus);
    if (again) again.focus({ preventScroll: true });
  }
}

export function tick() {
  for (const row of queueList.children) {
    if (!row.dataset.ringingAt) continue;
    const seconds = secondsSince(row.dataset.ringingAt);
    row.querySelector(".wait").textContent = duration(seconds);
    const deadline = Number(row.dataset.deadline);
    row.dataset.clock = clockState(seconds, [deadline, Number(row.dataset.overdue)]);
    const id = Number(row.dataset.id);
    if (seconds >= deadline && !sounded.has(id)) {
      sounded.add(id);
      playSound("alarm");
    }
  }
  if (state.current) $("pop-state").textContent = popState(state.current);
}

/** Apply a call snapshot from the server (REST or a live event). */
export function upsert(call) {
  if (waiting(call)) queue.set(call.id, call);
  else queue.delete(call.id);
  if (isMine(call)) mine.set(call.id, call);
  else mine.delete(call.id);
  if (state.current && state.current.id === call.id) {
    state.current = { ...state.current, ...call };
    if (call.disposition || (call.taken_by && call.taken_by !== me)) {
      closeIntake();
    } else {
      renderPop();
    }
  }
}

let touched = null; // ids of calls a live event changed while a snapshot was on its way

/** A call from the live feed: newer than any snapshot on its way. */
export function applyLive(call) {
  if (touched) touched.add(call.id);
  upsert(call);
  renderQueue();
}

export async function loadQueue() {
  const sentAt = Date.now();
  touched = new Set();
  try {
    const [ringing, taken] = await Promise.all([
      api("/api/calls/?status=ringing"),
      api("/api/calls/?status=mine"),
    ]);
    learnOffset(ringing.now, sentAt);
    // Merge, never replace: an event applied meanwhile is newer than this snapshot.
    const snapshot = [...ringing.calls, ...taken.calls];
    const listed = new Set(snapshot.map((call) => call.id));
    for (const id of [...queue.keys(), ...mine.keys()]) {
      if (!listed.has(id) && !touched.has(id)) {
        queue.delete(id);
        mine.delete(id);
      }
    }
    for (const call of snapshot) if (!touched.has(call.id)) upsert(call);
    touched = null;
    renderQueue();
    if (!state.current && mine.size) openCall([...mine.values()].sort(byRinging)[0]);
  } catch (error) {
    touched = null;
    notify(toasts, errorText(error), "error");
  }
}

export async function take(id) {
  if (state.busy) return;
  state.busy = true;
  try {
    const call = await api(`/api/calls/${id}/take/`, { method: "POST" });
    upsert(call);
    renderQueue();
    openCall(call);
  } catch (error) {
    notify(toasts, errorText(error), "error");
    if (error instanceof ApiError && error.status === 409) {
      queue.delete(Number(id));
      renderQueue();
    }
  } finally {
    state.busy = false;
  }
}

export function takeOldest() {
  const oldest = [...queue.values()].sort(byRinging)[0];
  if (oldest) take(oldest.id);
  else notify(toasts, gettext("No call is waiting."));
}
