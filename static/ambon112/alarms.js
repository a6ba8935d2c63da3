// Escalations on every console (DESIGN.md §6). The bar under the header shows the server's clock
// (WIT) and how many escalations are open for me; a banner lists those sent to me until someone
// acknowledges them, with a chime when one arrives; a page that gives it a container
// (#escalation-panel) gets the supervisor's panel instead: every open escalation, who was
// alerted, acknowledge, and the backup agency where the ladder offers it.
//
// A snapshot over REST (/api/escalations/), then the live feed's escalation.* events (live.js).
// Times come from the server's clock. The sounds are muted per console, never globally, and play
// only after the first click or key on the page (the browser's rule); calls.js plays its alarm
// through `playSound`.

import { api, ApiError, clockFormat, duration, el, errorText, fill, fmt } from "./ui.js";

const $ = (id) => document.getElementById(id);
const bar = $("alarm-bar");
const ROLE = bar.dataset.role;
const AGENCY = bar.dataset.agency;
const OVERSEERS = new Set(["supervisor", "dispatcher", "admin"]);
const BACKUP_ROLES = new Set(["supervisor", "admin"]); // as dispatch/services/escalations.py
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

// --- Escalations ------------------------------------------------------------------------------

const open = new Map(); // id -> escalation visible to me that nobody acknowledged yet
let touched = null; // ids an event changed while a snapshot was on its way

function apply(escalation) {
  if (touched) touched.add(escalation.id);
  if (escalation.acknowledged_at || !visible(escalation)) open.delete(escalation.id);
  else open.set(escalation.id, escalation);
}

const newestFirst = (a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at) || b.id - a.id;

function watchLabel(escalation) {
  const labels = {
    call_unanswered: gettext("Call ringing, unanswered"),
    incident_not_forwarded: gettext("Emergency answered, no agency notified"),
    ticket_not_accepted: gettext("Ticket not accepted"),
    no_unit_en_route: gettext("Ticket accepted, no unit en route"),
    fire_no_operations: gettext("Fire: no operations started"),
  };
  return labels[escalation.watch] || escalation.watch_name;
}

function alertedText(escalation) {
  const names = {
    call_takers: gettext("Call-takers"),
    supervisors: gettext("Supervisors"),
    agency: escalation.agency
      ? fmt(gettext("%(agency)s desk"), { agency: escalation.agency.short_name })
      : gettext("Agency desk"),
  };
  return fmt(gettext("Alerted: %(who)s"), { who: escalation.recipients.map((r) => names[r]).join(", ") });
}

/** How long it has waited, counting until it stopped waiting; tick() keeps it current. */
function waitedEl(escalation) {
  const node = el("span", {
    className: "wait",
    title: gettext("Waiting"),
    dataset: { waitedFrom: escalation.started_at, waitedUntil: escalation.resolved_at || "" },
  });
  showWaited(node);
  return node;
}

function showWaited(node) {
  const until = node.dataset.waitedUntil ? Date.parse(node.dataset.waitedUntil) : serverNow();
  node.textContent = duration((until - Date.parse(node.dataset.waitedFrom)) / 1000);
}

function row(escalation, oversight) {
  const limit = (Date.parse(escalation.due_at) - Date.parse(escalation.started_at)) / 1000;
  const offersBackup =
    oversight && escalation.action === "offer_backup" && escalation.backup && BACKUP_ROLES.has(ROLE);
  return el(
    "li",
    {
      className: [
        "escalation",
        `level-${Math.min(escalation.level, 2)}`,
        escalation.resolved_at ? "resolved" : "",
        offersBackup ? "offers-backup" : "",
      ]
        .filter(Boolean)
        .join(" "),
      dataset: { id: escalation.id },
    },
    el("span", { className: "level", title: fmt(gettext("Level %(n)s"), { n: escalation.level }) }, `L${escalation.level}`),
    el(
      "span",
      { className: "what" },
      el("strong", {}, watchLabel(escalation)),
      el(
        "span",
        { className: "summary" },
        escalation.incident ? el("a", { href: `/incidents/${escalation.incident}/` }, escalation.summary) : escalation.summary
      ),
      oversight ? el("span", { className: "who" }, alertedText(escalation)) : null
    ),
    el("span", { className: "clock" }, waitedEl(escalation), el("span", { className: "limit" }, limitText(limit))),
    el(
      "span",
      { className: "actions" },
      escalation.resolved_at ? el("span", { className: "badge muted-badge" }, gettext("no longer waiting")) : null,
      el("button", { type: "button", className: "acknowledge", dataset: { id: escalation.id } }, gettext("Acknowledge")),
      offersBackup
        ? el(
            "button",
            { type: "button", className: "backup", dataset: { id: escalation.id } },
            fmt(gettext("Send to the backup agency (%(agency)s)"), { agency: escalation.backup.short_name })
          )
        : null
    )
  );
}

/** A list of escalations with its title and a line for what happened to the last click. */
function listBox(container, title, empty = null) {
  const box = {
    container,
    count: el("span", { className: "queue-count" }),
    note: el("p", { className: "alarm-note", "aria-live": "polite" }),
    list: el("ol", { className: "escalations" }),
    empty,
  };
  fill(container, el("div", { className: "panel-head" }, el("h2", {}, title), box.count), box.note, box.list, empty);
  container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-id]");
    if (!button) return;
    const escalation = open.get(Number(button.dataset.id));
    if (escalation) (button.classList.contains("backup") ? sendToBackup : acknowledge)(escalation, box, button);
  });
  return box;
}

const panelRoot = OVERSEERS.has(ROLE) ? $("escalation-panel") : null;
const panel = panelRoot
  ? listBox(panelRoot, gettext("Escalations"), el("p", { className: "empty" }, gettext("No open escalations.")))
  : null;
const banner = ALERTED && !panel ? listBox($("escalation-banner"), gettext("Deadline passed: please act")) : null;
const badge = $("escalation-count");

function render() {
  // Rows are rebuilt: keep the keyboard focus on the same button.
  const focused = document.activeElement;
  const refocus = focused && focused.closest && focused.closest(".escalations button[data-id]")
    ? `button.${focused.className}[data-id="${focused.dataset.id}"]`
    : null;
  const all = [...open.values()].sort(newestFirst);
  badge.dataset.open = String(all.length);
  $("escalation-open").textContent = String(all.length);
  if (panel) {
    panelRoot.hidden = false;
    fill(panel.list, all.map((escalation) => row(escalation, true)));
    panel.empty.hidden = all.length > 0;
    panel.count.textContent = all.length ? fmt(gettext("%(n)s open"), { n: all.length }) : "";
  }
  if (banner) {
    const mine = all.filter(addressed);
    banner.container.hidden = mine.length === 0;
    fill(banner.list, mine.map((escalation) => row(escalation, false)));
    banner.count.textContent = mine.length > 1 ? fmt(gettext("%(n)s open"), { n: mine.length }) : "";
  }
  const again = refocus && document.querySelector(`.escalations ${refocus}`);
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

async function post(url, button) {
  button.disabled = true;
  try {
    return await api(url, { method: "POST" });
  } finally {
    button.disabled = false;
  }
}

async function acknowledge(escalation, box, button) {
  try {
    apply(await post(`/api/escalations/${escalation.id}/acknowledge/`, button));
    say(box, fmt(gettext("Acknowledged: %(what)s."), { what: escalation.summary }), "ok");
  } catch (error) {
    // 409: somebody else was first, and the server says who.
    if (error instanceof ApiError && error.status === 409) open.delete(escalation.id);
    say(box, errorText(error), "error");
  }
  render();
}

async function sendToBackup(escalation, box, button) {
  try {
    await post(`/api/escalations/${escalation.id}/backup/`, button);
    open.delete(escalation.id);
    say(
      box,
      fmt(gettext("Incident #%(id)s sent to %(agency)s."), { id: escalation.incident, agency: escalation.backup.short_name }),
      "ok"
    );
  } catch (error) {
    say(box, errorText(error), "error");
  }
  render();
}

async function load() {
  const sentAt = Date.now();
  touched = new Set();
  try {
    const answer = await api("/api/escalations/");
    learnOffset(answer.now, sentAt);
    // Merge, never replace: an event applied meanwhile is newer than this snapshot.
    const listed = new Set(answer.escalations.map((escalation) => escalation.id));
    for (const id of open.keys()) if (!listed.has(id) && !touched.has(id)) open.delete(id);
    for (const escalation of answer.escalations) if (!touched.has(escalation.id)) apply(escalation);
    render();
  } catch (error) {
    say(panel || banner, errorText(error), "error");
  } finally {
    touched = null;
  }
}

// --- The clock ticks on the server's second ---------------------------------------------------

function tick() {
  $("server-clock").textContent = clockFormat.format(new Date(serverNow()));
  for (const node of document.querySelectorAll("[data-waited-from]")) showWaited(node);
  setTimeout(tick, 1000 - (serverNow() % 1000));
}

// --- Live feed --------------------------------------------------------------------------------

document.addEventListener("live:hello", ({ detail }) => {
  if (detail.now) learnOffset(detail.now, Date.now());
});

if (ALERTED) {
  document.addEventListener("live:event", ({ detail }) => {
    const escalation = detail.data && detail.data.escalation;
    if (!detail.kind.startsWith("escalation.") || !escalation) return;
    const arrived = detail.kind === "escalation.raised" && !open.has(escalation.id);
    apply(escalation);
    render();
    const fresh = (serverNow() - Date.parse(escalation.raised_at)) / 1000 < FRESH_S;
    if (arrived && open.has(escalation.id) && addressed(escalation) && fresh) playSound("chime");
  });

  let wasOffline = false;
  document.addEventListener("live:status", ({ detail }) => {
    if (detail === "offline") wasOffline = true;
    if (detail === "online" && wasOffline) {
      wasOffline = false;
      load(); // the snapshot again after an outage, with the server's clock
    }
  });
  $("alarm-sound").hidden = false;
  badge.hidden = false;
  badge.href = panelRoot ? "#escalation-panel" : OVERSEERS.has(ROLE) ? bar.dataset.panelUrl : "#escalation-banner";
  load();
}

renderSound();
render();
tick();
