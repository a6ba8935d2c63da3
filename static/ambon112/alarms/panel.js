// Where the escalations show. The supervisor's panel (a page with #escalation-panel): every open
// subject, then what ended unseen, then what is shelved. Elsewhere the banner of those sent to
// me. The room's wallboard (data-wall) shows the count only: a screen on the wall acknowledges
// nothing.

import { el, fill, fmt } from "../ui.js";
import { $, ALERTED, OVERSEERS, ROLE, WALL } from "./bar.js";
import { actionButton, cards, endedLine, openGroups, openHistories, shelvedLine } from "./cards.js";
import { endedUnseen, isOpen, subjects, urgentFirst } from "./subjects.js";

const NOTE_MS = 8000;
let pendingRender = null;

/** A list of cards with its title and a line for what happened to the last click. */
function listBox(container, title, empty = null) {
  const box = {
    container,
    count: el("span", { className: "queue-count" }),
    note: el("p", { className: "alarm-note", "aria-live": "polite" }),
    list: el("ol", { className: "escalations" }),
    empty,
  };
  fill(container, el("div", { className: "panel-head" }, el("h2", {}, title), box.count), box.note, box.list, empty);
  keepOpen(container);
  return box;
}

/** A titled list under the cards (ended unseen, shelved), hidden while empty. */
function sideList(className, title, ...head) {
  const list = {
    section: el("section", { className: `escalation-side ${className}`, hidden: true }),
    count: el("span", { className: "queue-count" }),
    items: el("ol", { className: "escalation-lines" }),
  };
  fill(list.section, el("div", { className: "list-head" }, el("h3", {}, title, " ", list.count), ...head), list.items);
  return list;
}

// Expanded groups and histories stay expanded when the cards are drawn again.
function keepOpen(container) {
  container.addEventListener(
    "toggle",
    (event) => {
      const { group, history } = event.target.dataset || {};
      const set = group ? openGroups : history ? openHistories : null;
      if (!set) return;
      if (event.target.open) set.add(group || history);
      else set.delete(group || history);
    },
    true
  );
}

export const panelRoot = OVERSEERS.has(ROLE) && !WALL ? $("escalation-panel") : null;
export const panel = panelRoot
  ? listBox(panelRoot, gettext("Escalations"), el("p", { className: "empty" }, gettext("No open escalations.")))
  : null;
const ended = panel
  ? sideList(
      "ended-unseen",
      gettext("Ended, not yet acknowledged"),
      actionButton("acknowledge-all", "", gettext("Acknowledge all ended"), "acknowledge-all")
    )
  : null;
const shelved = panel ? sideList("shelved", gettext("Shelved")) : null;
if (panel) panelRoot.append(ended.section, shelved.section);
export const banner =
  ALERTED && !panel && !WALL ? listBox($("escalation-banner"), gettext("Deadline passed: please act")) : null;
export const badge = $("escalation-count");

/** Draw again soon: a burst of events draws once. */
export function render() {
  if (pendingRender === null) pendingRender = setTimeout(draw, 30);
}

export function draw() {
  pendingRender = null;
  // Cards are rebuilt: keep the keyboard focus on the same button.
  const focused = document.activeElement;
  const refocus =
    focused && focused.dataset && focused.dataset.act
      ? `button[data-act="${focused.dataset.act}"][data-key="${CSS.escape(focused.dataset.key)}"]`
      : null;
  const all = subjects();
  const open = all.filter(isOpen).sort(urgentFirst);
  badge.dataset.open = String(open.length);
  $("escalation-open").textContent = String(open.length);
  if (panel) {
    panelRoot.hidden = false;
    fill(panel.list, cards(open, true));
    panel.empty.hidden = open.length > 0;
    panel.count.textContent = open.length ? fmt(gettext("%(n)s open"), { n: open.length }) : "";
    const unseen = all.filter(endedUnseen).sort(urgentFirst);
    ended.section.hidden = unseen.length === 0;
    ended.count.textContent = String(unseen.length);
    fill(ended.items, unseen.map(endedLine));
    const resting = all.filter((s) => s.shelf && s.active).sort(urgentFirst);
    shelved.section.hidden = resting.length === 0;
    shelved.count.textContent = String(resting.length);
    fill(shelved.items, resting.map(shelvedLine));
  }
  if (banner) {
    const mine = open.filter((s) => s.mine);
    banner.container.hidden = mine.length === 0;
    fill(banner.list, cards(mine, false));
    banner.count.textContent = mine.length > 1 ? fmt(gettext("%(n)s open"), { n: mine.length }) : "";
  }
  const again = refocus && document.querySelector(refocus);
  if (again) again.focus({ preventScroll: true });
}

export function say(box, text, kind = "") {
  box.note.className = `alarm-note ${kind}`;
  box.note.textContent = text;
  clearTimeout(box.noteTimer);
  box.noteTimer = setTimeout(() => {
    box.note.textContent = "";
  }, NOTE_MS);
}
