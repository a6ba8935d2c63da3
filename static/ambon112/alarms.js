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
// only after the first click or key on the page (the browser's rule); calls.js plays its alarm
// through `playSound`.

import { api, ApiError, clockFormat, duration, el, errorText, fill, fmt, timeEl, when } from "./ui.js";

const $ = (id) => document.getElementById(id);
const bar = $("alarm-bar");
const ROLE = bar.dataset.role;
const AGENCY = bar.dataset.agency;
const OVERSEERS = new Set(["supervisor", "dispatcher", "admin"]);
const BACKUP_ROLES = new Set(["supervisor", "admin"]); // as dispatch/services/escalations.py
const SHELVERS = BACKUP_ROLES; // shelving is the supervisor's call too (issue #16)
const ALERTED = OVERSEERS.has(ROLE) || ROLE === "call_taker" || ROLE === "agency_desk";
const FRESH_S = 60; // an escalation raised longer ago than this (a resync replay) makes no sound
const QUIET_GAP_MS = 2500; // one sound at a time: the alarm at 15 s and the chime need not both play
const NOTE_MS = 8000;

// --- The server's clock -----------------------------------------------------------------------

let offsetMs = 0; // server clock minus this machine's clock

function learnOffset(nowIso, sentAt, receivedAt = Date.now()) {
  const server = Date.parse(nowIso);
  if (!Number.isNaN(server)) offsetMs = server - (sentAt + receivedAt) / 2;
}

export const serverNow = () => Date.now() + offsetMs;

/** "batas 15 dtk", "batas 2 mnt": a deadline as a person reads it next to a waiting time. */
export function limitText(seconds) {
  return seconds < 120
    ? fmt(gettext("limit %(s)s s"), { s: Math.round(seconds) })
    : fmt(gettext("limit %(m)s min"), { m: Math.round(seconds / 60) });
}

// The page was rendered with the server's time: the first estimate, before any answer.
const navigation = performance.getEntriesByType("navigation")[0];
learnOffset(
  bar.dataset.serverNow,
  performance.timeOrigin + (navigation ? navigation.requestStart : 0),
  performance.timeOrigin + (navigation ? navigation.responseStart : performance.now())
);

// --- Sound ------------------------------------------------------------------------------------

const MUTE_KEY = `ambon112:alarms-muted:${bar.dataset.console}`;
const sounds = { chime: $("alarm-chime"), alarm: $("alarm-alarm") };
const unlockButton = $("alarm-unlock");
const muteButton = $("alarm-mute");
// The agency desk has its own "Enable sound" button: the same click unlocks these sounds too.
const pageUnlocks = Boolean($("sound-unlock"));
let unlocked = false;
let muted = localStorage.getItem(MUTE_KEY) === "1";
let lastSoundAt = 0;

function renderSound() {
  const playing = Object.values(sounds).some((audio) => !audio.paused);
  bar.dataset.sound = muted ? "muted" : !unlocked ? "locked" : playing ? "playing" : "ready";
  unlockButton.hidden = unlocked || muted || pageUnlocks;
  muteButton.setAttribute("aria-pressed", String(muted));
  muteButton.textContent = muted ? gettext("Alert sound off") : gettext("Alert sound on");
}

/** Play "alarm" or "chime" once, unless this console is muted or a sound has just played. */
export function playSound(name) {
  if (muted || !unlocked || Date.now() - lastSoundAt < QUIET_GAP_MS) return;
  lastSoundAt = Date.now();
  const audio = sounds[name];
  audio.currentTime = 0;
  audio.play().catch((error) => {
    if (error.name === "NotAllowedError") {
      unlocked = false;
      renderSound();
    }
  });
}

function unlock() {
  if (unlocked) return;
  unlocked = true;
  renderSound();
}

muteButton.addEventListener("click", () => {
  muted = !muted;
  localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  renderSound();
});
unlockButton.addEventListener("click", unlock);
for (const [name, audio] of Object.entries(sounds)) {
  audio.addEventListener("playing", () => {
    bar.dataset.lastSound = name; // "playing" lasts as long as the sound (a second): this stays
    renderSound();
  });
  audio.addEventListener("pause", renderSound);
}
// Any click or key on the page counts as the gesture that lets the browser play sound.
document.addEventListener("pointerdown", unlock, { capture: true });
document.addEventListener("keydown", unlock, { capture: true });

// --- Who sees what --------------------------------------------------------------------------

/** Sent to me by the ladder: call-takers, my agency's desk, or the supervisors. */
function addressed(escalation) {
  const to = escalation.recipients;
  if (ROLE === "call_taker") return to.includes("call_takers");
  if (ROLE === "agency_desk") return to.includes("agency") && escalation.agency?.code === AGENCY;
  return OVERSEERS.has(ROLE) && to.includes("supervisors");
}

/** What the server lets me see (dispatch/selectors.escalations_for): events reach more people. */
const visible = (escalation) => OVERSEERS.has(ROLE) || addressed(escalation);

// --- Subjects: one card per thing that waits -------------------------------------------------
// The ladder raises one escalation per level (L1, L2, then its repeats) for one subject: a call,
// a ticket, an incident. People read one card per subject, at its highest level, with the levels
// inside it, and many cards of one kind as one line (ISA-18.2: no flood, every alarm a call to
// act). A subject leaves the banner the moment its cause ends (escalation.resolved); the supervisor
// acknowledges what ended unseen, and may shelve a subject for a stated time with a reason.

const escalations = new Map(); // id -> escalation visible to me that still belongs on a card or list
const shelves = new Map(); // subjectOf() -> {until, reason, by}
let touched = null; // ids an event changed while a snapshot was on its way

// What waits (shelving applies to it), and one wait of it: the room's "nobody ready" waits again
// and again, each wait a card of its own.
const subjectOf = (escalation) => `${escalation.watch}|${escalation.subject.type}|${escalation.subject.id}`;
const keyOf = (escalation) => `${subjectOf(escalation)}|${escalation.started_at}`;
const limitOf = (escalation) => (Date.parse(escalation.due_at) - Date.parse(escalation.started_at)) / 1000;

/** The subjects, each with its levels in order, its highest level, and what it waits for. */
function subjects() {
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
const isOpen = (s) => s.active && !s.shelf;
const endedUnseen = (s) => !s.active && s.unacknowledged.length > 0;
// Nobody has it yet first, then the highest level, then the longest wait.
const urgentFirst = (a, b) =>
  Number(b.unacknowledged.length > 0) - Number(a.unacknowledged.length > 0) ||
  b.top.level - a.top.level ||
  Date.parse(a.top.started_at) - Date.parse(b.top.started_at);

/** Forget a subject once it ended and was acknowledged: nothing left to show or do. */
function prune(key) {
  const levels = [...escalations.values()].filter((escalation) => keyOf(escalation) === key);
  if (levels.every((escalation) => escalation.resolved_at && escalation.acknowledged_at)) {
    for (const escalation of levels) escalations.delete(escalation.id);
  }
}

function apply(escalation) {
  if (touched) touched.add(escalation.id);
  if (visible(escalation)) escalations.set(escalation.id, escalation);
  else escalations.delete(escalation.id);
  prune(keyOf(escalation));
}

// --- Words ------------------------------------------------------------------------------------

function watchLabel(escalation) {
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
function groupText(watch, count, seconds, sample) {
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

function recipientsText(escalation) {
  const names = {
    call_takers: gettext("Call-takers"),
    supervisors: gettext("Supervisors"),
    agency: escalation.agency
      ? fmt(gettext("%(agency)s desk"), { agency: escalation.agency.short_name })
      : gettext("Agency desk"),
  };
  return escalation.recipients.map((r) => names[r] || r).join(", ");
}

const alertedText = (escalation) => fmt(gettext("Alerted: %(who)s"), { who: recipientsText(escalation) });

// --- Cards ------------------------------------------------------------------------------------

/** How long it has waited, counting until it stopped waiting; tick() keeps it current. */
function waitedEl(escalation, resolvedAt = escalation.resolved_at) {
  const node = el("span", {
    className: "wait",
    title: gettext("Waiting"),
    dataset: { waitedFrom: escalation.started_at, waitedUntil: resolvedAt || "" },
  });
  showWaited(node);
  return node;
}

function showWaited(node) {
  const until = node.dataset.waitedUntil ? Date.parse(node.dataset.waitedUntil) : serverNow();
  node.textContent = duration((until - Date.parse(node.dataset.waitedFrom)) / 1000);
}

const levelEl = (level, className = "level") =>
  el("span", { className, title: fmt(gettext("Level %(n)s"), { n: level }) }, `L${level}`);

const summaryEl = (escalation) =>
  el(
    "span",
    { className: "summary" },
    escalation.incident ? el("a", { href: `/incidents/${escalation.incident}/` }, escalation.summary) : escalation.summary
  );

const actionButton = (act, key, text, className = act) =>
  el("button", { type: "button", className, dataset: { act, key } }, text);

/** Each level reached: when, who was told, who acknowledged it. */
function historyEl(subject) {
  const line = (escalation) =>
    el(
      "li",
      { dataset: { level: escalation.level } },
      levelEl(escalation.level, "step"),
      " ",
      timeEl(escalation.raised_at),
      " · ",
      recipientsText(escalation),
      " · ",
      escalation.acknowledged_at
        ? el(
            "span",
            { className: "acknowledged" },
            fmt(gettext("acknowledged by %(who)s"), { who: escalation.acknowledged_by || "?" }),
            " ",
            timeEl(escalation.acknowledged_at)
          )
        : el("span", { className: "unacknowledged" }, gettext("not acknowledged"))
    );
  return el(
    "details",
    { className: "history", open: openHistories.has(subject.key), dataset: { history: subject.key } },
    el("summary", {}, fmt(gettext("History: %(n)s levels reached"), { n: subject.levels.length })),
    el("ol", {}, subject.levels.map(line))
  );
}

function card(subject, oversight) {
  const top = subject.top;
  const offersBackup =
    oversight && top.action === "offer_backup" && top.backup && BACKUP_ROLES.has(ROLE);
  const taken = subject.unacknowledged.length === 0; // someone has it; it still waits
  return el(
    "li",
    {
      className: [
        "escalation",
        `level-${Math.min(top.level, 2)}`,
        taken ? "acknowledged" : "",
        offersBackup ? "offers-backup" : "",
      ]
        .filter(Boolean)
        .join(" "),
      dataset: { key: subject.key, level: top.level },
    },
    levelEl(top.level),
    el(
      "span",
      { className: "what" },
      el("strong", {}, watchLabel(top)),
      summaryEl(top),
      oversight ? el("span", { className: "who" }, alertedText(top)) : null,
      historyEl(subject)
    ),
    el("span", { className: "clock" }, waitedEl(top), el("span", { className: "limit" }, limitText(limitOf(top)))),
    el(
      "span",
      { className: "actions" },
      taken
        ? el("span", { className: "badge muted-badge" }, fmt(gettext("acknowledged by %(who)s"), { who: top.acknowledged_by || "?" }))
        : actionButton("acknowledge", subject.key, gettext("Acknowledge")),
      offersBackup
        ? actionButton(
            "backup",
            subject.key,
            fmt(gettext("Send to the backup agency (%(agency)s)"), { agency: top.backup.short_name }),
            "backup"
          )
        : null,
      oversight && SHELVERS.has(ROLE) ? actionButton("shelve", subject.key, gettext("Shelve…"), "shelve") : null
    )
  );
}

const GROUP_FROM = 3; // this many open subjects of one watch make one line

/** Cards, with the watches that have many open subjects folded into one expandable line. */
function cards(list, oversight) {
  const byWatch = new Map();
  for (const subject of list) {
    if (!byWatch.has(subject.top.watch)) byWatch.set(subject.top.watch, []);
    byWatch.get(subject.top.watch).push(subject);
  }
  const items = [];
  const grouped = new Set();
  for (const subject of list) {
    const watch = subject.top.watch;
    const members = byWatch.get(watch);
    if (members.length < GROUP_FROM) items.push(card(subject, oversight));
    else if (!grouped.has(watch)) {
      grouped.add(watch);
      items.push(groupLine(watch, members, oversight));
    }
  }
  return items;
}

function groupLine(watch, members, oversight) {
  const top = Math.max(...members.map((s) => s.top.level));
  const firstLimit = Math.min(...members.map((s) => limitOf(s.levels[0])));
  return el(
    "li",
    { className: `escalation-group level-${Math.min(top, 2)}`, dataset: { watch, count: members.length } },
    el(
      "details",
      { open: openGroups.has(watch), dataset: { group: watch } },
      el(
        "summary",
        {},
        levelEl(top),
        el("strong", { className: "group-text" }, groupText(watch, members.length, firstLimit, members[0].top)),
        el("span", { className: "wait-longest" }, gettext("longest"), " ", waitedEl(members[0].top))
      ),
      el("ol", { className: "escalations" }, members.map((subject) => card(subject, oversight)))
    )
  );
}

/** One line of the lists below the cards: what ended unseen, what is shelved. */
function listLine(subject, ...extra) {
  return el(
    "li",
    { className: "escalation-line", dataset: { key: subject.key, level: subject.top.level } },
    levelEl(subject.top.level),
    el("strong", {}, watchLabel(subject.top)),
    summaryEl(subject.top),
    ...extra
  );
}

function endedLine(subject) {
  const ended = subject.levels.map((e) => e.resolved_at).sort().pop();
  return listLine(
    subject,
    el("span", { className: "ended" }, gettext("waited"), " ", waitedEl(subject.top, ended), " · ", gettext("ended at"), " ", timeEl(ended)),
    el("span", { className: "actions" }, actionButton("acknowledge-resolved", subject.key, gettext("Acknowledge")))
  );
}

function shelvedLine(subject) {
  const shelf = subject.shelf;
  return listLine(
    subject,
    el(
      "span",
      { className: "shelf" },
      fmt(gettext("until %(time)s WIT, by %(who)s: %(reason)s"), {
        time: when(shelf.until),
        who: shelf.by || "?",
        reason: shelf.reason,
      })
    ),
    SHELVERS.has(ROLE)
      ? el("span", { className: "actions" }, actionButton("unshelve", subject.key, gettext("Unshelve")))
      : null
  );
}

// --- Where they show ----------------------------------------------------------------------------
// The supervisor's panel (a page with #escalation-panel): every open subject, then what ended
// unseen, then what is shelved. Elsewhere the banner of those sent to me. The room's wallboard
// (data-wall) shows the count only: a screen on the wall acknowledges nothing.

const WALL = "wall" in bar.dataset;
const openGroups = new Set(); // watches whose group line is expanded
const openHistories = new Set(); // subjects whose history is expanded
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
  listen(container, box);
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

function listen(container, box) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (button) act(button, box);
  });
  // Expanded groups and histories stay expanded when the cards are drawn again.
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

const panelRoot = OVERSEERS.has(ROLE) && !WALL ? $("escalation-panel") : null;
const panel = panelRoot
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
const banner =
  ALERTED && !panel && !WALL ? listBox($("escalation-banner"), gettext("Deadline passed: please act")) : null;
const badge = $("escalation-count");

/** Draw again soon: a burst of events draws once. */
function render() {
  if (pendingRender === null) pendingRender = setTimeout(draw, 30);
}

function draw() {
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

function say(box, text, kind = "") {
  box.note.className = `alarm-note ${kind}`;
  box.note.textContent = text;
  clearTimeout(box.noteTimer);
  box.noteTimer = setTimeout(() => {
    box.note.textContent = "";
  }, NOTE_MS);
}

// --- Acting on a card ---------------------------------------------------------------------------

const subjectFields = (subject) => ({
  watch: subject.top.watch,
  subject_type: subject.top.subject.type,
  subject_id: subject.top.subject.id,
});

async function act(button, box) {
  const { act: action, key } = button.dataset;
  const subject = subjects().find((s) => s.key === key);
  if (action === "shelve") return subject && shelveDialog.ask(subject, box);
  button.disabled = true;
  try {
    if (action === "acknowledge-all") await acknowledgeEnded({ all: true }, box);
    else if (!subject) return;
    else if (action === "acknowledge") await acknowledge(subject, box);
    else if (action === "acknowledge-resolved") await acknowledgeEnded(subjectFields(subject), box, subject);
    else if (action === "backup") await sendToBackup(subject.top, box);
    else if (action === "unshelve") await unshelve(subject, box);
  } catch (error) {
    say(box, errorText(error), "error");
    // 409: somebody else was first, and the server says who: take the server's view again.
    if (error instanceof ApiError && error.status === 409) load();
  } finally {
    button.disabled = false;
    render();
  }
}

const postJson = (url, body) => api(url, { method: "POST", body });

/** Every level of the card nobody acknowledged, the highest first: one click per subject. */
async function acknowledge(subject, box) {
  const [top, ...lower] = [...subject.unacknowledged].reverse();
  apply(await postJson(`/api/escalations/${top.id}/acknowledge/`));
  for (const escalation of lower) {
    if (escalations.get(escalation.id)?.acknowledged_at) continue; // an event came first
    try {
      apply(await postJson(`/api/escalations/${escalation.id}/acknowledge/`));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error; // someone else had it
    }
  }
  say(box, fmt(gettext("Acknowledged: %(what)s."), { what: top.summary }), "ok");
}

/** What ended before anyone acknowledged it: one subject, or all of them at once. */
async function acknowledgeEnded(body, box, subject = null) {
  const answer = await postJson("/api/escalations/acknowledge-resolved/", body);
  // The events say the same a moment later; the list empties on the click.
  const now = new Date(serverNow()).toISOString();
  for (const id of answer.acknowledged) {
    const escalation = escalations.get(id);
    if (escalation) apply({ ...escalation, acknowledged_at: now, acknowledged_by: bar.dataset.user });
  }
  say(
    box,
    subject
      ? fmt(gettext("Acknowledged: %(what)s."), { what: subject.top.summary })
      : fmt(gettext("%(n)s ended escalations acknowledged."), { n: answer.subjects }),
    "ok"
  );
}

async function sendToBackup(escalation, box) {
  await postJson(`/api/escalations/${escalation.id}/backup/`);
  say(
    box,
    fmt(gettext("Incident #%(id)s sent to %(agency)s."), { id: escalation.incident, agency: escalation.backup.short_name }),
    "ok"
  );
  load();
}

async function unshelve(subject, box) {
  await postJson("/api/escalations/unshelve/", subjectFields(subject));
  shelves.delete(subjectOf(subject.top));
  say(box, fmt(gettext("Shelving ended: %(what)s."), { what: subject.top.summary }), "ok");
  load();
}

/** Shelve a subject for a stated time with a reason (a known outage…): supervisors only. */
const shelveDialog = (() => {
  if (!panel || !SHELVERS.has(ROLE)) return null;
  const minutes = el("input", { type: "number", id: "shelve-minutes", name: "minutes", min: "1", step: "1", value: "30", inputMode: "numeric" });
  const reason = el("input", { type: "text", id: "shelve-reason", name: "reason", maxLength: 300, autocomplete: "off" });
  const what = el("p", { className: "shelve-what" });
  const problem = el("p", { className: "error", role: "alert" });
  const fieldError = (name) => el("small", { className: "field-error error", dataset: { for: name } });
  const errors = { minutes: fieldError("minutes"), reason: fieldError("reason") };
  const form = el(
    "form",
    { method: "dialog", noValidate: true },
    el("h2", {}, gettext("Shelve this escalation")),
    what,
    el("p", { className: "muted" }, gettext("No alert sounds or shows for it until then; it stays in the shelved list and returns by itself.")),
    el("label", { for: "shelve-minutes" }, gettext("For how many minutes")),
    minutes,
    errors.minutes,
    el("label", { for: "shelve-reason" }, gettext("Reason (e.g. a known outage)")),
    reason,
    errors.reason,
    problem,
    el(
      "div",
      { className: "form-actions" },
      el("button", { type: "submit", className: "primary", value: "shelve" }, gettext("Shelve")),
      el("button", { type: "button", value: "cancel", onclick: () => dialog.close() }, gettext("Cancel"))
    )
  );
  const dialog = el("dialog", { className: "shelve-dialog ui", id: "shelve-dialog" }, form);
  document.body.append(dialog);
  let current = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { subject, box } = current;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    clear();
    try {
      const body = { ...subjectFields(subject), minutes: Number(minutes.value), reason: reason.value.trim() };
      if (!minutes.value.trim()) body.minutes = null; // the server names what is missing
      const answer = await postJson("/api/escalations/shelve/", body);
      dialog.close();
      const until = answer && (answer.until || answer.shelved?.until);
      say(
        box,
        until
          ? fmt(gettext("Shelved until %(time)s WIT: %(what)s."), { time: when(until), what: subject.top.summary })
          : fmt(gettext("Shelved: %(what)s."), { what: subject.top.summary }),
        "ok"
      );
      load();
    } catch (error) {
      // The server's words next to the field they are about; anything else below.
      const fields = (error instanceof ApiError && error.body && error.body.errors) || {};
      for (const [name, node] of Object.entries(errors)) node.textContent = [].concat(fields[name] || []).join(" ");
      const rest = Object.keys(fields).some((name) => !(name in errors));
      problem.textContent = Object.keys(fields).length && !rest ? "" : errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  function clear() {
    problem.textContent = "";
    for (const node of Object.values(errors)) node.textContent = "";
  }
  return {
    ask(subject, box) {
      current = { subject, box };
      what.textContent = `${watchLabel(subject.top)} — ${subject.top.summary}`;
      reason.value = "";
      clear();
      dialog.showModal();
      minutes.focus();
    },
  };
})();

// --- The server's view ----------------------------------------------------------------------------

/** A subject of the snapshot: its levels as escalations, and its shelving. */
function fromSubject(subject, into, shelvesInto) {
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

let loading = null;
let loadAgain = false;

/** The snapshot over REST: what is open for me, and on the panel what ended unseen and what is
 * shelved. Merged with the events that arrived meanwhile, which are newer. */
async function load() {
  if (loading) {
    loadAgain = true;
    return loading;
  }
  loading = (async () => {
    const sentAt = Date.now();
    touched = new Set();
    try {
      const states = panel ? ["open", "resolved", "shelved"] : ["open", "shelved"];
      const answers = await Promise.all(states.map((state) => api(`/api/escalations/?state=${state}`)));
      learnOffset(answers[0].now, sentAt);
      const fresh = new Map();
      const freshShelves = new Map();
      for (const answer of answers) {
        for (const escalation of answer.escalations) fresh.set(escalation.id, escalation);
        for (const subject of answer.subjects || []) fromSubject(subject, fresh, freshShelves);
      }
      for (const id of touched) {
        if (escalations.has(id)) fresh.set(id, escalations.get(id));
        else fresh.delete(id);
      }
      escalations.clear();
      for (const escalation of fresh.values()) if (visible(escalation)) escalations.set(escalation.id, escalation);
      for (const key of new Set([...escalations.values()].map(keyOf))) prune(key);
      shelves.clear();
      for (const [key, shelf] of freshShelves) shelves.set(key, shelf);
      render();
    } catch (error) {
      if (panel || banner) say(panel || banner, errorText(error), "error");
    } finally {
      touched = null;
      loading = null;
    }
    if (loadAgain) {
      loadAgain = false;
      load();
    }
  })();
  return loading;
}

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
  setTimeout(tick, 1000 - (serverNow() % 1000));
}

// --- Live feed --------------------------------------------------------------------------------

document.addEventListener("live:hello", ({ detail }) => {
  if (detail.now) learnOffset(detail.now, Date.now());
});

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
    const fresh = (serverNow() - Date.parse(escalation.raised_at)) / 1000 < FRESH_S;
    const sounds = subject && isOpen(subject) && !escalation.shelved && addressed(escalation);
    if (sounds && fresh && !WALL) playSound("chime");
  });

  let wasOffline = false;
  document.addEventListener("live:status", ({ detail }) => {
    if (detail === "offline") wasOffline = true;
    if (detail === "online" && wasOffline) {
      wasOffline = false;
      load(); // the snapshot again after an outage, with the server's clock
    }
  });
  $("alarm-sound").hidden = WALL;
  badge.hidden = false;
  badge.href = panelRoot ? "#escalation-panel" : OVERSEERS.has(ROLE) && !WALL ? bar.dataset.panelUrl : banner ? "#escalation-banner" : "";
  if (!badge.getAttribute("href")) badge.removeAttribute("href");
  load();
}

renderSound();
draw();
tick();
