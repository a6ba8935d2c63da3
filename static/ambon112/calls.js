// The call-taker's console: the live queue of ringing calls (oldest first, waiting time from
// the server's clock, amber near the deadline and red past it with the alarm once), take, the
// screen-pop with the caller's history and warnings, and the intake form: a disposition per
// key, or an incident (type, priority, location, duplicates).
//
// Everything the server sends is inserted as text. Writes go over REST; the queue follows the
// live feed's `live:event`s (see live.js), so a call taken elsewhere leaves this queue at once.

import { limitText, playSound } from "./alarms.js";
import { channelBadge, isMessage, senderText, wireContactForm } from "./contacts.js";
import { wireLocationLink } from "./location_link.js";
import { createMap, desaList } from "./map.js";
import { picker } from "./picker.js";
import {
  api,
  ApiError,
  categoryLabel,
  dispositionLabel,
  distance,
  duration,
  el,
  errorText,
  fill,
  fmt,
  jsonScript,
  notify,
  placeText,
  statusLabel,
  timeEl,
  typingIn,
  when,
} from "./ui.js";

const SOON_S = 5; // amber this long before the deadline
const DISPOSITION_KEYS = { e: "emergency", i: "information", p: "prank", g: "ghost", d: "dropped", t: "test" };
const ALT_DIGITS = ["emergency", "information", "prank", "ghost", "dropped", "test"];

const app = document.getElementById("calls-app");
const me = app.dataset.user;
const $ = (id) => document.getElementById(id);
const toasts = $("calls-toasts");
const queueList = $("call-queue");
const queueEmpty = $("queue-empty");
const queueCount = $("queue-count");
const mineBlock = $("mine-block");
const mineList = $("my-calls");
const intake = $("intake");
const form = $("incident-form");
const field = {
  type: $("f-type"),
  priority: $("f-priority"),
  area: $("f-area"),
  address: $("f-address"),
  description: $("f-description"),
  callerName: $("f-caller-name"),
  callback: $("f-callback"),
  notes: $("f-notes"),
};
const useAmlButton = $("use-aml");
const amlInfo = $("aml-info");
const detected = $("detected");
const duplicates = $("duplicates");
const dupList = $("dup-list");
const dupHelp = $("dup-help");
const formError = $("form-error");

const queue = new Map(); // id -> call still waiting for a call-taker
const mine = new Map(); // id -> call I took and have not classified yet
let current = null; // the call in the screen-pop
let history = null;
let offsetMs = 0; // server clock minus this machine's clock
let spot = null; // {lat, lon, source: "aml"|"map"|"area", area?: code}
let intakeMap = null;
let busy = false;
let duplicateRequest = 0;
// The active `call_unanswered` policy's ladder (docs/architecture.md "Deadlines" defaults until it
// is read).
let deadlineS = 15;
let overdueS = 30;
// The `contact_unhandled` policy's: a message has no ring clock, it waits for a first response.
let contactDeadlineS = 300;
let contactOverdueS = 600;
const sounded = new Set(); // ids of ringing calls whose alarm has played

// --- Server clock -----------------------------------------------------------------------------

const serverNow = () => Date.now() + offsetMs;

function learnOffset(nowIso, sentAt) {
  const server = Date.parse(nowIso);
  if (Number.isNaN(server)) return;
  offsetMs = server - (sentAt + Date.now()) / 2;
}

// --- The queue --------------------------------------------------------------------------------

/**
 * A call waits in the queue until it is answered (T1: taken on a console or answered at a
 * handset) or the caller hangs up (as /api/calls/?status=ringing).
 */
const waiting = (call) => !call.answered_at && !call.ended_at && !call.disposition;
const isMine = (call) => call.taken_by === me && !call.disposition;
const byRinging = (a, b) =>
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
async function loadDeadline() {
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
  return duration((serverNow() - Date.parse(call.ringing_at)) / 1000);
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

function renderQueue() {
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
        { className: `call-row${current && current.id === call.id ? " current" : ""}`, dataset: { id: call.id } },
        isMessage(call) ? channelBadge(call) : el("span", { className: "line" }, call.line || ""),
        el("span", { className: "number" }, senderText(call)),
        el("span", { className: "muted" }, statusLabel(call.status)),
        current && current.id === call.id
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

function tick() {
  for (const row of queueList.children) {
    if (!row.dataset.ringingAt) continue;
    const seconds = (serverNow() - Date.parse(row.dataset.ringingAt)) / 1000;
    row.querySelector(".wait").textContent = duration(seconds);
    const deadline = Number(row.dataset.deadline);
    row.dataset.clock = clockState(seconds, [deadline, Number(row.dataset.overdue)]);
    const id = Number(row.dataset.id);
    if (seconds >= deadline && !sounded.has(id)) {
      sounded.add(id);
      playSound("alarm");
    }
  }
  if (current) $("pop-state").textContent = popState(current);
}

function startTicking() {
  // Tick on the server's second boundary, so every console shows the same number.
  setTimeout(() => {
    tick();
    setInterval(tick, 1000);
  }, 1000 - (serverNow() % 1000));
}

/** Apply a call snapshot from the server (REST or a live event). */
function upsert(call) {
  if (waiting(call)) queue.set(call.id, call);
  else queue.delete(call.id);
  if (isMine(call)) mine.set(call.id, call);
  else mine.delete(call.id);
  if (current && current.id === call.id) {
    current = { ...current, ...call };
    if (call.disposition || (call.taken_by && call.taken_by !== me)) {
      closeIntake();
    } else {
      renderPop();
    }
  }
}

let touched = null; // ids of calls a live event changed while a snapshot was on its way

async function loadQueue() {
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
    if (!current && mine.size) openCall([...mine.values()].sort(byRinging)[0]);
  } catch (error) {
    touched = null;
    notify(toasts, errorText(error), "error");
  }
}

async function take(id) {
  if (busy) return;
  busy = true;
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
    busy = false;
  }
}

function takeOldest() {
  const oldest = [...queue.values()].sort(byRinging)[0];
  if (oldest) take(oldest.id);
  else notify(toasts, gettext("No call is waiting."));
}

// --- Screen-pop -------------------------------------------------------------------------------

function popState(call) {
  if (isMessage(call)) {
    // No line to hang up and no ring: when it came, and how long its first response took.
    const handled = call.taken_at || call.answered_at;
    const parts = [fmt(gettext("received %(at)s"), { at: when(call.ringing_at) })];
    if (handled) parts.push(fmt(gettext("first handled after %(t)s"), { t: duration((Date.parse(handled) - Date.parse(call.ringing_at)) / 1000) }));
    return parts.join(" · ");
  }
  if (call.ended_at) return gettext("The caller has hung up");
  const since = call.answered_at || call.taken_at; // T1: the handset's answer or the take
  const waited =
    call.ringing_at && since ? (Date.parse(since) - Date.parse(call.ringing_at)) / 1000 : null;
  const parts = [statusLabel(call.status)];
  if (waited != null) parts.push(fmt(gettext("answered after %(t)s"), { t: duration(waited) }));
  if (call.answered_via === "pbx" && call.answered_extension) {
    parts.push(fmt(gettext("at the handset, ext. %(ext)s"), { ext: call.answered_extension }));
  }
  if (since) parts.push(fmt(gettext("on the line %(t)s"), { t: duration((serverNow() - Date.parse(since)) / 1000) }));
  return parts.join(" · ");
}

function warnings(call) {
  const items = [];
  const caller = call.caller;
  if (!caller) {
    const text = isMessage(call) ? gettext("No number or account given: no history.") : gettext("Number withheld: no history.");
    items.push(["muted-badge", text]);
  }
  if (caller && caller.blocked) {
    const until = caller.blocked_until ? when(caller.blocked_until) : "";
    items.push([
      "bad",
      caller.block_reason
        ? fmt(gettext("Blocked until %(until)s: %(reason)s"), { until, reason: caller.block_reason })
        : fmt(gettext("Blocked until %(until)s"), { until }),
    ]);
  }
  if (caller && caller.flagged) items.push(["warn", gettext("Flagged for repeated nuisance calls")]);
  if (caller && caller.prank_calls) {
    items.push(["warn", fmt(ngettext("%(n)s earlier prank call", "%(n)s earlier prank calls", caller.prank_calls), { n: caller.prank_calls })]);
  }
  if (caller && caller.ghost_calls) {
    items.push(["warn", fmt(ngettext("%(n)s earlier silent call", "%(n)s earlier silent calls", caller.ghost_calls), { n: caller.ghost_calls })]);
  }
  if (call.clock_skew_s) {
    items.push(["muted-badge", fmt(gettext("Telephony clock off by %(s)s s"), { s: call.clock_skew_s })]);
  }
  return items.map(([kind, text]) => el("li", { className: `badge ${kind}` }, text));
}

function incidentLink(id) {
  return el("a", { href: `/incidents/${id}/` }, `#${id}`);
}

function renderHistory() {
  const calls = (history && history.calls) || [];
  const incidents = (history && history.incidents) || [];
  const earlier = calls.filter((call) => !current || call.id !== current.id);
  $("pop-history-summary").textContent = fmt(
    gettext("Earlier calls from this number: %(calls)s · incidents: %(incidents)s"),
    { calls: earlier.length, incidents: incidents.length }
  );
  $("pop-calls").replaceChildren(
    ...(earlier.length
      ? earlier.map((call) =>
          el(
            "li",
            { className: call.disposition === "prank" || call.disposition === "ghost" ? "warn" : "" },
            timeEl(call.ringing_at),
            " ",
            dispositionLabel(call.disposition),
            call.incident ? [" → ", incidentLink(call.incident)] : null
          )
        )
      : [el("li", { className: "muted" }, gettext("No earlier calls."))])
  );
  $("pop-incidents").replaceChildren(
    ...(incidents.length
      ? incidents.map((incident) =>
          el(
            "li",
            {},
            incidentLink(incident.id),
            " ",
            typeof incident.type === "object" && incident.type ? incident.type.name : incident.type || "",
            " · ",
            statusLabel(incident.status),
            " · ",
            timeEl(incident.created_at)
          )
        )
      : [el("li", { className: "muted" }, gettext("No incidents from this number."))])
  );
}

function renderPop() {
  const call = current;
  $("pop-number").textContent = senderText(call);
  $("pop-line").replaceChildren(isMessage(call) ? channelBadge(call) : call.line ? fmt(gettext("line %(line)s"), { line: call.line }) : "");
  renderMessage(call);
  $("pop-state").textContent = popState(call);
  $("pop-warnings").replaceChildren(...warnings(call));
  intake.classList.toggle("blocked", Boolean(call.caller && call.caller.blocked));
  useAmlButton.disabled = !call.aml;
  amlInfo.textContent = call.aml
    ? fmt(gettext("±%(r)s, %(source)s at %(at)s"), {
        r: distance(call.aml.radius_m),
        source: (call.aml.source || "aml").toUpperCase(),
        at: when(call.aml.at),
      })
    : gettext("No handset location received.");
  renderHistory();
}

/** A contact's text, and its thread as the message gateway relayed it (from the detail). */
function renderMessage(call) {
  const box = $("pop-message");
  const relayed = (call.messages || []).map((m) => ({ at: m.received_at, text: m.text }));
  // A contact logged by hand holds its text itself; the gateway's first message is its text.
  const logged = call.message && (!relayed.length || relayed[0].text !== call.message);
  const thread = [...(logged ? [{ at: call.ringing_at, text: call.message }] : []), ...relayed];
  box.hidden = !isMessage(call) || !thread.length;
  if (box.hidden) return;
  fill(
    box,
    ...thread.map((m) =>
      el("p", { className: "message-text" }, el("span", { className: "muted" }, `${when(m.at)} `), m.text)
    ),
    call.link ? el("p", {}, el("a", { href: call.link, rel: "noopener noreferrer", target: "_blank" }, call.link)) : null
  );
}

function resetForm() {
  form.reset();
  typePicker.clear({ silent: true });
  areaPicker.clear({ silent: true });
  spot = null;
  if (intakeMap) intakeMap.clearPoint();
  fill(detected, el("span", { className: "muted" }, gettext("No location yet.")));
  duplicates.hidden = true;
  dupList.replaceChildren();
  formError.textContent = "";
}

async function openCall(call) {
  const fresh = !current || current.id !== call.id;
  current = call;
  history = null;
  intake.hidden = false;
  if (fresh) {
    resetForm();
    field.callback.value = call.callback_number || call.number || "";
    field.callerName.value = call.caller_name || "";
    field.notes.value = call.notes || "";
  }
  renderPop();
  renderQueue();
  ensureMap();
  if (fresh) intake.focus({ preventScroll: true });
  intake.scrollIntoView({ block: "nearest" });
  try {
    const detail = await api(`/api/calls/${call.id}/`);
    if (!current || current.id !== call.id) return;
    history = detail.history || null;
    const { history: _unused, ...snapshot } = detail;
    current = { ...current, ...snapshot };
    renderPop();
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

function closeIntake() {
  current = null;
  history = null;
  intake.hidden = true;
  resetForm();
  renderQueue();
  const next = [...mine.values()].sort(byRinging)[0];
  if (next) {
    openCall(next);
  } else {
    // Back to the queue: the next key press is A for the next call.
    const first = queueList.querySelector("button.take");
    (first || app).focus({ preventScroll: true });
  }
}

/** Fields of the caller that go with any disposition. */
function callerDetails() {
  const details = {};
  const add = (name, value) => {
    if (value.trim()) details[name] = value.trim();
  };
  add("caller_name", field.callerName.value);
  add("notes", field.notes.value);
  if (field.callback.value.trim() && field.callback.value.trim() !== (current.number || "")) {
    add("callback_number", field.callback.value);
  }
  return details;
}

async function dispose(disposition) {
  if (!current || busy) return;
  if (disposition === "emergency") {
    field.type.focus();
    return;
  }
  busy = true;
  const call = current;
  try {
    const result = await api(`/api/calls/${call.id}/dispose/`, {
      method: "POST",
      body: { disposition, ...callerDetails() },
    });
    notify(
      toasts,
      fmt(gettext("Call from %(number)s classified: %(disposition)s."), {
        number: call.number || gettext("Withheld number"),
        disposition: dispositionLabel(disposition),
      }),
      "ok"
    );
    upsert(result);
    if (current && current.id === call.id) closeIntake();
    else renderQueue();
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    busy = false;
  }
}

// --- Incident type, priority, location ------------------------------------------------------

const LANG = (document.documentElement.lang || "id").slice(0, 2);

async function incidentTypes() {
  const embedded = jsonScript("incident-types");
  if (embedded && embedded.length) return embedded;
  const types = await api("/api/incident-types/");
  const list = Array.isArray(types) ? types : types.results || [];
  return list.map((t) => ({
    code: t.code,
    name: t.name || (LANG === "en" ? t.name_en : t.name_id),
    name_en: t.name_en,
    category: t.category,
    default_priority: t.default_priority,
  }));
}

const typePicker = picker(field.type, {
  max: 10,
  onPick(item) {
    if (!item) {
      duplicates.hidden = true;
      return;
    }
    field.priority.value = String(item.default_priority);
    // Where the next keystroke is most useful: the handset fix, else the kelurahan.
    if (!spot && current && current.aml) useAmlButton.focus();
    else if (!spot) field.area.focus();
    else field.address.focus();
    checkDuplicates();
  },
});

incidentTypes()
  .then((types) =>
    typePicker.setItems(
      types.map((t) => ({
        ...t,
        label: t.name,
        hint: `${categoryLabel(t.category)} · P${t.default_priority}`,
        search: `${categoryLabel(t.category)} ${t.category} ${t.code.replace(/[._]/g, " ")} ${t.name_en || ""}`,
      }))
    )
  )
  .catch((error) => notify(toasts, errorText(error), "error"));

const areaPicker = picker(field.area, {
  max: 8,
  onPick(item) {
    if (!item) return;
    spot = { lat: item.lat, lon: item.lon, source: "area", area: item.code };
    if (intakeMap) {
      intakeMap.setPoint(item.lat, item.lon, { approximate: true });
      intakeMap.highlightArea(item.code);
    }
    fill(detected, 
      el("strong", {}, item.label),
      ", ",
      fmt(gettext("Kec. %(name)s"), { name: item.kecamatan }),
      el("span", { className: "muted" }, ` — ${gettext("centre of the kelurahan; add the address")}`)
    );
    field.address.focus();
    checkDuplicates();
  },
});

desaList()
  .then((desa) =>
    areaPicker.setItems(
      desa.map((d, _i, all) => ({
        code: d.code,
        label: d.name,
        // Two areas may share a name (Nusaniwe, Urimessing): the code tells them apart.
        hint: [
          fmt(gettext("Kec. %(name)s"), { name: d.kecamatan }),
          all.filter((other) => other.name === d.name).length > 1 ? d.code : null,
        ].filter(Boolean).join(" · "),
        search: d.kecamatan,
        kecamatan: d.kecamatan,
        lat: d.label[0],
        lon: d.label[1],
      }))
    )
  )
  .catch((error) => notify(toasts, errorText(error), "error"));

function ensureMap() {
  if (intakeMap || !window.L) return;
  intakeMap = createMap($("intake-map"), {
    onClick: (latlng) => placePoint(latlng.lat, latlng.lng, "map"),
  });
}

async function describePoint(lat, lon) {
  const asked = spot;
  fill(detected, el("span", { className: "muted" }, gettext("Finding the kelurahan…")));
  try {
    const where = await api(`/api/areas/locate/?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
    if (spot !== asked) return;
    if (intakeMap) intakeMap.highlightArea(where.desa.code);
    fill(detected, 
      gettext("Kelurahan/desa:"),
      " ",
      el("strong", { className: "desa" }, where.desa.name),
      " · ",
      gettext("Kecamatan:"),
      " ",
      el("strong", { className: "kecamatan" }, where.kecamatan.name),
      " · ",
      where.regency ? where.regency.name : "",
      where.approximate
        ? el(
            "span",
            { className: "badge warn" },
            fmt(gettext("approximate, %(d)s from the nearest area"), { d: distance(where.distance_m) })
          )
        : null
    );
  } catch (error) {
    if (spot !== asked) return;
    if (error instanceof ApiError && error.status === 404) {
      fill(detected, 
        el("span", { className: "badge bad" }, gettext("Outside Ambon Island")),
        " ",
        gettext("The incident will be marked outside coverage.")
      );
    } else {
      fill(detected, el("span", { className: "error" }, errorText(error)));
    }
  }
}

function placePoint(lat, lon, source, radius = null) {
  spot = { lat, lon, source };
  areaPicker.clear({ silent: true });
  if (intakeMap) intakeMap.setPoint(lat, lon, { radius });
  describePoint(lat, lon);
  checkDuplicates();
}

function useAml() {
  if (!current || !current.aml) {
    notify(toasts, gettext("No handset location received for this call."), "error");
    return;
  }
  const { lat, lon, radius_m: radius } = current.aml;
  placePoint(lat, lon, "aml", radius);
  field.address.focus();
}

// --- Duplicates -------------------------------------------------------------------------------

async function checkDuplicates() {
  const type = typePicker.value;
  if (!current || !type || !spot) {
    duplicates.hidden = true;
    return;
  }
  const request = ++duplicateRequest;
  const query = new URLSearchParams({
    lat: spot.lat.toFixed(6),
    lon: spot.lon.toFixed(6),
    incident_type: type.code,
  });
  try {
    const result = await api(`/api/calls/${current.id}/duplicates/?${query}`);
    if (request !== duplicateRequest) return;
    const candidates = result.candidates || [];
    duplicates.hidden = candidates.length === 0;
    dupHelp.textContent = fmt(
      gettext("Open incidents within %(r)s in the last %(h)s hours. Attach this call instead of creating a new incident:"),
      { r: distance(result.radius_m), h: result.window_h }
    );
    dupList.replaceChildren(
      ...candidates.map((incident, index) =>
        el(
          "li",
          { className: "dup", dataset: { id: incident.id } },
          el(
            "div",
            { className: "dup-what" },
            el("a", { href: `/incidents/${incident.id}/`, target: "_blank" }, `#${incident.id}`),
            " ",
            el("strong", {}, incident.incident_type ? incident.incident_type.name : ""),
            " · ",
            el("span", { className: `status status-${incident.status}` }, statusLabel(incident.status)),
            " · ",
            el("span", { className: "dist" }, distance(incident.distance_m)),
            " · ",
            timeEl(incident.created_at)
          ),
          el(
            "div",
            { className: "dup-where muted" },
            [placeText(incident), incident.address].filter(Boolean).join(" — "),
            incident.calls_count
              ? ` · ${fmt(ngettext("%(n)s call", "%(n)s calls", incident.calls_count), { n: incident.calls_count })}`
              : ""
          ),
          el(
            "button",
            { type: "button", className: "attach secondary", dataset: { id: incident.id } },
            index === 0 ? el("kbd", {}, "S") : null,
            index === 0 ? " " : null,
            fmt(gettext("Attach this call to #%(id)s"), { id: incident.id })
          )
        )
      )
    );
  } catch (error) {
    if (request === duplicateRequest) {
      duplicates.hidden = false;
      dupHelp.textContent = errorText(error);
      dupList.replaceChildren();
    }
  }
}

async function attach(incidentId) {
  if (!current || busy) return;
  busy = true;
  const call = current;
  try {
    const result = await api(`/api/calls/${call.id}/attach/`, {
      method: "POST",
      body: { incident: Number(incidentId) },
    });
    notify(toasts, fmt(gettext("Call attached to incident #%(id)s."), { id: incidentId }), "ok");
    upsert(result);
    if (current && current.id === call.id) closeIntake();
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    busy = false;
  }
}

function attachFirst() {
  const first = dupList.querySelector("button.attach");
  if (first) attach(first.dataset.id);
  else notify(toasts, gettext("No incident is suggested."));
}

// --- Create the incident ----------------------------------------------------------------------

async function createIncident() {
  if (!current || busy) return;
  const type = typePicker.value;
  if (!type) {
    formError.textContent = gettext("Choose the incident type first.");
    field.type.focus();
    return;
  }
  const body = { incident_type: type.code, priority: Number(field.priority.value) };
  if (spot && spot.source === "area") body.area = spot.area;
  else if (spot) Object.assign(body, { lat: spot.lat, lon: spot.lon });
  if (field.address.value.trim()) body.address = field.address.value.trim();
  if (field.description.value.trim()) body.description = field.description.value.trim();
  Object.assign(body, callerDetails());
  busy = true;
  formError.textContent = "";
  const call = current;
  try {
    const incident = await api(`/api/calls/${call.id}/incident/`, { method: "POST", body });
    const note = notify(toasts, "", "ok");
    note.append(
      fmt(gettext("Incident %(id)s created:"), { id: `#${incident.id}` }),
      " ",
      el("a", { href: `/incidents/${incident.id}/` }, incident.incident_type ? incident.incident_type.name : ""),
      placeText(incident) ? ` — ${placeText(incident)}` : ""
    );
    if (current && current.id === call.id) {
      upsert({ ...call, disposition: "emergency", incident: incident.id });
      if (current && current.id === call.id) closeIntake();
    }
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    busy = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  createIncident();
});

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
wireLocationLink({ currentCall: () => current, toasts });
dupList.addEventListener("click", (event) => {
  const button = event.target.closest("button.attach");
  if (button) attach(button.dataset.id);
});

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const inIntake = current && intake.contains(event.target);
  // Ctrl+Enter: create the incident from anywhere in the form.
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && current) {
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
    if (digit && current) {
      event.preventDefault();
      dispose(ALT_DIGITS[Number(digit[1]) - 1]);
    } else if (actions[event.code] && (current || event.code === "KeyA")) {
      event.preventDefault();
      actions[event.code]();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  const key = event.key.toLowerCase();
  if (key === "a" && !current) {
    event.preventDefault();
    takeOldest();
  } else if (current && DISPOSITION_KEYS[key]) {
    event.preventDefault();
    dispose(DISPOSITION_KEYS[key]);
  } else if (current && key === "l") {
    event.preventDefault();
    useAml();
  } else if (current && key === "k") {
    event.preventDefault();
    field.area.focus();
  } else if (current && key === "s") {
    event.preventDefault();
    attachFirst();
  }
});

// --- Live feed --------------------------------------------------------------------------------

document.addEventListener("live:event", ({ detail }) => {
  const data = detail.data || {};
  if (detail.kind.startsWith("call.") && data.call) {
    if (touched) touched.add(data.call.id);
    upsert(data.call);
    renderQueue();
    // Answered at my desk's handset: the screen-pop follows the handset. (A take of mine
    // opens from its own answer, when the take is done.)
    if (detail.kind === "call.answered" && !current && isMine(data.call)) openCall(data.call);
  } else if (detail.kind.startsWith("caller.") && data.caller) {
    for (const map of [queue, mine]) {
      for (const call of map.values()) {
        if (call.caller && call.caller.id === data.caller.id) call.caller = data.caller;
      }
    }
    if (current && current.caller && current.caller.id === data.caller.id) {
      current.caller = data.caller;
      renderPop();
    }
    renderQueue();
  } else if (detail.kind.startsWith("incident.") && current && !duplicates.hidden) {
    checkDuplicates();
  }
});

let wasOffline = false;
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "offline") wasOffline = true;
  if (detail === "online" && wasOffline) {
    wasOffline = false;
    loadQueue(); // the snapshot again: the resync has the events, this has the clock
  }
});

// Another message in the contact on my screen: its thread grows as it arrives.
document.addEventListener("live:event", ({ detail }) => {
  const call = (detail.data || {}).call;
  if (detail.kind !== "call.message_received" || !current || !call || current.id !== call.id) return;
  current.messages = [...(current.messages || []), { received_at: detail.at, text: detail.data.text }];
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
loadQueue().then(startTicking);
