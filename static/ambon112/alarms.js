// Escalations on every console (docs/architecture.md "Deadlines", issue #16). The bar under the
// header shows the server's clock (WIT) and how many subjects wait for someone to act; a banner
// shows those sent to me, one card per subject at its highest level with its history inside, many
// of one kind folded into one line, with a chime when one arrives; a page that gives it a container
// (#escalation-panel) gets the supervisor's panel instead: every open subject, who was alerted,
// acknowledge, the backup agency where the ladder offers it, shelving, and below them what ended
// before anyone acknowledged it and what is shelved. The room's wallboard shows the count only.
//
// A snapshot over REST (/api/escalations/), then the live feed's escalation.* events (live.js).
// Times come from the server's clock. The sounds are muted per console, never globally, and play
// only after the first click or key on the page (the browser's rule); the call-taker's queue
// plays its alarm through `playSound` (alarms/sound.js).

import "./alarms/actions.js"; // the cards' buttons
import { $, addressed, ALERTED, bar, OVERSEERS, ROLE, WALL } from "./alarms/bar.js";
import { showWaited } from "./alarms/cards.js";
import { badge, banner, draw, panelRoot, render } from "./alarms/panel.js";
import { load } from "./alarms/snapshot.js";
import { playSound, renderSound } from "./alarms/sound.js";
import { apply, escalations, isOpen, keyOf, shelves, subjectOf, subjects } from "./alarms/subjects.js";
import { everyServerSecond, learnOffset, secondsSince, serverNow } from "./clock.js";
import { onReconnect } from "./live.js";
import { clockFormat } from "./ui.js";

const FRESH_S = 60; // an escalation raised longer ago than this (a resync replay) makes no sound

// The page was rendered with the server's time: the first estimate, before any answer.
const navigation = performance.getEntriesByType("navigation")[0];
learnOffset(
  bar.dataset.serverNow,
  performance.timeOrigin + (navigation ? navigation.requestStart : 0),
  performance.timeOrigin + (navigation ? navigation.responseStart : performance.now())
);

// --- The clock ticks on the server's second ---------------------------------------------------

function tick() {
  $("server-clock").textContent = clockFormat.format(new Date(serverNow()));
  for (const node of document.querySelectorAll("[data-waited-from]")) showWaited(node);
  // A shelving ends by itself: its subject comes back to the cards.
  for (const [key, shelf] of shelves) {
    if (Date.parse(shelf.until) <= serverNow()) {
      shelves.delete(key);
      render();
    }
  }
}

// --- Live feed --------------------------------------------------------------------------------

if (ALERTED) {
  document.addEventListener("live:event", ({ detail }) => {
    if (!detail.kind.startsWith("escalation.")) return;
    if (detail.kind === "escalation.shelved" || detail.kind === "escalation.unshelved") {
      load(); // who shelved it, until when and why: the server's view of the subject
      return;
    }
    const escalation = detail.data && detail.data.escalation;
    if (!escalation) return;
    const arrived = detail.kind === "escalation.raised" && !escalations.has(escalation.id);
    // A subject's levels change together (resolved, acknowledged once ended): all in one event.
    for (const changed of detail.data.escalations || [escalation]) apply(changed);
    if (detail.kind === "escalation.resolved") shelves.delete(subjectOf(escalation)); // ends with it
    render();
    const subject = arrived && escalations.has(escalation.id) && subjects().find((s) => s.key === keyOf(escalation));
    const fresh = secondsSince(escalation.raised_at) < FRESH_S;
    const sounds = subject && isOpen(subject) && !escalation.shelved && addressed(escalation);
    if (sounds && fresh && !WALL) playSound("chime");
  });

  onReconnect(load);
  $("alarm-sound").hidden = WALL;
  badge.hidden = false;
  badge.href = panelRoot ? "#escalation-panel" : OVERSEERS.has(ROLE) && !WALL ? bar.dataset.panelUrl : banner ? "#escalation-banner" : "";
  if (!badge.getAttribute("href")) badge.removeAttribute("href");
  load();
}

renderSound();
draw();
everyServerSecond(tick);
