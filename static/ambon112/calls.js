// The call-taker's console: the live queue of ringing calls (oldest first, waiting time from
// the server's clock, amber near the deadline and red past it with the alarm once), take, the
// screen-pop with the caller's history and warnings, and the intake form: a disposition per
// key, or an incident (type, priority, location, duplicates).
//
// Everything the server sends is inserted as text. Writes go over REST; the queue follows the
// live feed's `live:event`s (see live.js), so a call taken elsewhere leaves this queue at once.

import { attach, attachFirst, checkDuplicates, createIncident } from "./calls/incident.js";
import { useAml } from "./calls/intake.js";
import { dispose, openCall, renderPop } from "./calls/pop.js";
import {
  applyLive,
  isMine,
  loadDeadline,
  loadQueue,
  renderQueue,
  take,
  takeOldest,
  tick,
  upsert,
} from "./calls/queue.js";
import {
  dupList,
  duplicates,
  field,
  intake,
  mine,
  mineList,
  queue,
  queueList,
  state,
  toasts,
  useAmlButton,
} from "./calls/state.js";
import { everyServerSecond, serverNow } from "./clock.js";
import { wireContactForm } from "./contacts.js";
import { onReconnect } from "./live.js";
import { wireLocationLink } from "./location_link.js";
import { typingIn } from "./ui.js";

const DISPOSITION_KEYS = { e: "emergency", i: "information", p: "prank", g: "ghost", d: "dropped", t: "test" };
const ALT_DIGITS = ["emergency", "information", "prank", "ghost", "dropped", "test"];

// --- Clicks and keys --------------------------------------------------------------------------

queueList.addEventListener("click", (event) => {
  const button = event.target.closest("button.take");
  if (button) take(button.dataset.id);
});
mineList.addEventListener("click", (event) => {
  const button = event.target.closest("button.open");
  if (button && mine.has(Number(button.dataset.id))) openCall(mine.get(Number(button.dataset.id)));
});
intake.querySelector(".dispositions").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-disposition]");
  if (button) dispose(button.dataset.disposition);
});
useAmlButton.addEventListener("click", useAml);
wireLocationLink({ currentCall: () => state.current, toasts });
dupList.addEventListener("click", (event) => {
  const button = event.target.closest("button.attach");
  if (button) attach(button.dataset.id);
});

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const inIntake = state.current && intake.contains(event.target);
  // Ctrl+Enter: create the incident from anywhere in the form.
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && state.current) {
    event.preventDefault();
    createIncident();
    return;
  }
  if (event.key === "Escape" && inIntake && typingIn(event.target)) {
    event.preventDefault();
    intake.focus({ preventScroll: true });
    return;
  }
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const digit = /^Digit([1-6])$/.exec(event.code);
    const actions = {
      KeyL: useAml,
      KeyK: () => field.area.focus(),
      KeyS: attachFirst,
      KeyA: takeOldest,
    };
    if (digit && state.current) {
      event.preventDefault();
      dispose(ALT_DIGITS[Number(digit[1]) - 1]);
    } else if (actions[event.code] && (state.current || event.code === "KeyA")) {
      event.preventDefault();
      actions[event.code]();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  const key = event.key.toLowerCase();
  if (key === "a" && !state.current) {
    event.preventDefault();
    takeOldest();
  } else if (state.current && DISPOSITION_KEYS[key]) {
    event.preventDefault();
    dispose(DISPOSITION_KEYS[key]);
  } else if (state.current && key === "l") {
    event.preventDefault();
    useAml();
  } else if (state.current && key === "k") {
    event.preventDefault();
    field.area.focus();
  } else if (state.current && key === "s") {
    event.preventDefault();
    attachFirst();
  }
});

// --- Live feed --------------------------------------------------------------------------------

document.addEventListener("live:event", ({ detail }) => {
  const data = detail.data || {};
  if (detail.kind.startsWith("call.") && data.call) {
    applyLive(data.call);
    // Answered at my desk's handset: the screen-pop follows the handset. (A take of mine
    // opens from its own answer, when the take is done.)
    if (detail.kind === "call.answered" && !state.current && isMine(data.call)) openCall(data.call);
  } else if (detail.kind.startsWith("caller.") && data.caller) {
    for (const map of [queue, mine]) {
      for (const call of map.values()) {
        if (call.caller && call.caller.id === data.caller.id) call.caller = data.caller;
      }
    }
    if (state.current && state.current.caller && state.current.caller.id === data.caller.id) {
      state.current.caller = data.caller;
      renderPop();
    }
    renderQueue();
  } else if (detail.kind.startsWith("incident.") && state.current && !duplicates.hidden) {
    checkDuplicates();
  }
});

onReconnect(loadQueue);

// Another message in the contact on my screen: its thread grows as it arrives.
document.addEventListener("live:event", ({ detail }) => {
  const call = (detail.data || {}).call;
  if (detail.kind !== "call.message_received" || !state.current || !call || state.current.id !== call.id) return;
  state.current.messages = [...(state.current.messages || []), { received_at: detail.at, text: detail.data.text }];
  renderPop();
});

// A contact I logged: the live feed brings it too, but mine opens at once.
document.addEventListener("contact:logged", ({ detail }) => {
  upsert(detail);
  renderQueue();
  if (isMine(detail)) openCall(detail);
});

wireContactForm(serverNow);
loadDeadline();
loadQueue().then(() => everyServerSecond(tick));
