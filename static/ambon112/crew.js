// The crew page (issue #19): a crew runs its unit from a phone.
//
// A snapshot over REST (/api/crew/), then the agency's live feed (live.js): any event of the
// feed reloads the snapshot. A new assignment rings and vibrates until the crew taps "Got it".
// Every step tap is queued in localStorage with the time it was made and sent in order; a tap
// made without signal stays queued (shown under "Not sent yet") and goes when the connection
// returns, carrying its tap time: the server records the step then and marks it late. What
// steps come next is read from the server's own table of steps (dispatch/steps.py), so a phone
// without signal still offers the right next tap. While on a unit, the phone's position
// (Geolocation API) is posted every few seconds when it moved.

import { learnOffset, serverIso } from "./clock.js";
import { watchPosition } from "./crew/position.js";
import { kindLabel, priorityLabel, statusLabel, stepLabel } from "./labels.js";
import { startLive } from "./live.js";
import { api, ApiError, clockFormat, el, errorText, fill, fmt, placeText } from "./ui.js";

const app = document.getElementById("crew-app");
const $ = (id) => document.getElementById(id);
const USER = app.dataset.user;
const QUEUE_KEY = `ambon112:crew-queue:${USER}`;
const ACK_KEY = `ambon112:crew-acknowledged:${USER}`;
const RETRY_MS = 5000;
const VIBRATION = [600, 300, 600, 300, 600];

const alarm = $("crew-alarm");
let state = null; // the snapshot from /api/crew/
let queue = load(QUEUE_KEY, []); // taps not sent yet: {assignment, step, at, destination}
let acknowledged = new Set(load(ACK_KEY, []));
let picking = false;
let flushing = false;
let ringing = null;
let refreshTimer = null;

function load(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

function save() {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  localStorage.setItem(ACK_KEY, JSON.stringify([...acknowledged].slice(-50)));
}

function crewStepLabel(step) {
  const labels = { en_route: gettext("Depart"), on_scene: gettext("Arrived") };
  return labels[step] || stepLabel(step);
}

function showError(text) {
  $("crew-error").textContent = text;
}

// --- Steps, with the taps not sent yet applied ---------------------------------------------

function rule(name) {
  return state.steps.find((step) => step.name === name);
}

/** The assignment as the crew sees it: the server's, with the queued taps on top. */
function currentJob() {
  const job = state && state.assignment ? { ...state.assignment } : null;
  if (!job) return null;
  for (const tap of queue.filter((t) => t.assignment === job.id)) {
    const step = rule(tap.step);
    job.status = step.to;
    job[step.field] = tap.at;
  }
  return job;
}

function applies(job, step) {
  if (step.name === "operations_started") return job.is_fire;
  if (step.name === "transporting" || step.name === "at_hospital") return job.carries_patients;
  return true;
}

function nextSteps(job) {
  return state.steps
    .filter((step) => applies(job, step) && step.allowed_from.includes(job.status) && !job[step.field])
    .map((step) => step.name);
}

function tap(step) {
  const job = currentJob();
  if (!job || !nextSteps(job).includes(step)) return;
  // Stamped now: a tap kept offline keeps its true moment.
  const entry = { assignment: job.id, step, at: serverIso() };
  if (step === "transporting") entry.destination = Number($("hospital").value);
  queue.push(entry);
  save();
  showError("");
  render();
  flush();
}

async function flush() {
  if (flushing) return;
  flushing = true;
  let sent = false;
  try {
    while (queue.length) {
      const entry = queue[0];
      try {
        await api("/api/crew/steps/", { method: "POST", body: entry });
      } catch (error) {
        // No answer, a server error or "slow down": keep it and try again later. Any other
        // refusal is final (the step is not possible any more): drop it and say why.
        const final = error instanceof ApiError && error.status < 500 && error.status !== 429;
        if (!final) break;
        showError(fmt(gettext("%(step)s was not recorded: %(reason)s"), {
          step: crewStepLabel(entry.step),
          reason: errorText(error),
        }));
      }
      queue.shift();
      save();
      sent = true;
    }
  } finally {
    flushing = false;
  }
  if (sent) await refresh();
  else render();
}

// --- Drawing -----------------------------------------------------------------------------------

function fact(label, ...value) {
  return [el("dt", {}, label), el("dd", {}, ...value)];
}

function wit(iso) {
  return `${clockFormat.format(new Date(iso))} WIT`;
}

function renderUnit() {
  const shift = state.shift;
  $("on-unit").hidden = !shift || picking;
  $("pick-unit").hidden = Boolean(shift) && !picking;
  if (shift) {
    $("unit-name").textContent = shift.unit.call_sign;
    $("unit-status").textContent = statusLabel(shift.unit.status);
    $("unit-status").className = `badge status-${shift.unit.status}`;
  }
  fill(
    $("unit-picks"),
    ...state.units.map((unit) =>
      el(
        "li",
        {},
        el(
          "button",
          {
            type: "button",
            className: "big unit-pick",
            dataset: { unit: unit.call_sign },
            onclick: () => signIn(unit.call_sign),
          },
          el("strong", {}, unit.call_sign),
          el("span", {}, `${kindLabel(unit.kind)} · ${unit.station || ""}`),
        ),
      ),
    ),
  );
}

function renderJob() {
  const job = currentJob();
  const active = job && !["cleared", "cancelled"].includes(job.status);
  $("job").hidden = !job;
  $("no-job").hidden = Boolean(job) || !state.shift;
  if (!job) return;
  const incident = job.incident_detail;
  $("job-title").textContent = `#${incident.id} ${incident.incident_type.name}`;
  $("job-priority").textContent = `${gettext("Priority")} ${priorityLabel(incident.priority)}`;
  $("job-priority").className = `job-priority p${incident.priority}`;
  const facts = [
    ...fact(gettext("Address or landmark"), incident.address || "–"),
    ...fact(gettext("Kelurahan"), placeText(incident) || "–"),
  ];
  if (incident.description) facts.push(...fact(gettext("Notes"), incident.description));
  for (const call of job.calls) {
    if (call.notes) facts.push(...fact(gettext("Caller said"), call.notes));
    if (call.callback_number) {
      const masked = call.callback_number.includes("•");
      const number = masked
        ? call.callback_number
        : el("a", { href: `tel:${call.callback_number}` }, call.callback_number);
      facts.push(...fact(gettext("Callback number"), number));
    }
  }
  fill($("job-facts"), ...facts);
  const nav = $("navigate");
  nav.hidden = incident.lat == null;
  if (incident.lat != null) {
    const point = `${incident.lat},${incident.lon}`;
    nav.href = `geo:${point}?q=${point}(${encodeURIComponent(`#${incident.id}`)})`;
  }
  const next = active ? nextSteps(job) : [];
  $("hospital-field").hidden = !next.includes("transporting");
  fill(
    $("steps"),
    ...state.steps
      .filter((step) => applies(job, step))
      .map((step) =>
        el(
          "button",
          {
            type: "button",
            className: `big step${next[0] === step.name ? " primary" : ""}`,
            dataset: { step: step.name },
            disabled: !next.includes(step.name),
            onclick: () => tap(step.name),
          },
          crewStepLabel(step.name),
        ),
      ),
  );
  const pending = new Set(queue.filter((t) => t.assignment === job.id).map((t) => t.step));
  const late = job.late_steps || {};
  fill(
    $("step-log"),
    ...state.steps
      .filter((step) => job[step.field])
      .map((step) =>
        el(
          "li",
          { dataset: { step: step.name } },
          el("span", {}, crewStepLabel(step.name)),
          el("time", { dateTime: job[step.field] }, wit(job[step.field])),
          pending.has(step.name) ? el("em", { className: "unsent" }, gettext("not sent yet")) : null,
          late[step.name] ? el("em", { className: "late" }, gettext("arrived late")) : null,
        ),
      ),
  );
  if (active && !acknowledged.has(job.id)) ring();
  else silence();
}

function renderPending() {
  $("pending").hidden = queue.length === 0;
  fill(
    $("pending-list"),
    ...queue.map((entry) =>
      el("li", {}, `${crewStepLabel(entry.step)} · #${entry.assignment} · ${wit(entry.at)}`),
    ),
  );
}

function render() {
  if (!state) return;
  renderUnit();
  renderJob();
  renderPending();
  if (state.shift) watchPosition({ intervalS: state.position_interval_s, onShift: () => Boolean(state.shift) });
}

// --- Alarm ---------------------------------------------------------------------------------------

function ring() {
  $("job-alarm").hidden = false;
  if (ringing) return;
  alarm.play().catch(() => {}); // refused until the first tap on the page; the banner stays
  const buzz = () => navigator.vibrate && navigator.vibrate(VIBRATION);
  buzz();
  ringing = setInterval(buzz, 3000);
}

function silence() {
  $("job-alarm").hidden = true;
  if (!ringing) return;
  clearInterval(ringing);
  ringing = null;
  alarm.pause();
  if (navigator.vibrate) navigator.vibrate(0);
}

$("acknowledge").addEventListener("click", () => {
  const job = currentJob();
  if (job) acknowledged.add(job.id);
  save();
  silence();
});

// --- Shift ---------------------------------------------------------------------------------------

async function signIn(callSign) {
  try {
    await api("/api/crew/shift/", { method: "POST", body: { unit: callSign } });
    picking = false;
    showError("");
    await refresh();
  } catch (error) {
    showError(errorText(error));
  }
}

$("change-unit").addEventListener("click", () => {
  picking = true;
  render();
});

$("end-shift").addEventListener("click", async () => {
  if (!window.confirm(gettext("End your shift on this unit?"))) return;
  try {
    await api("/api/crew/shift/", { method: "DELETE" });
    await refresh();
  } catch (error) {
    showError(errorText(error));
  }
});

// --- Live ----------------------------------------------------------------------------------------

async function refresh() {
  try {
    const asked = Date.now();
    state = await api("/api/crew/");
    learnOffset(state.now, asked);
  } catch (error) {
    if (!state) showError(errorText(error));
    return;
  }
  render();
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 200);
}

document.addEventListener("live:event", refreshSoon);
// The socket's state, or no network at all: a phone in the hills may keep a socket that
// carries nothing, and says so first through `navigator.onLine`.
let socketStatus = "connecting";
function showConnection() {
  const status = navigator.onLine ? socketStatus : "offline";
  app.dataset.liveStatus = status;
  $("live-banner").hidden = status !== "offline";
}
document.addEventListener("live:status", ({ detail }) => {
  socketStatus = detail;
  showConnection();
  if (detail === "online") flush();
});
window.addEventListener("offline", showConnection);
window.addEventListener("online", () => {
  showConnection();
  flush();
});
setInterval(() => queue.length && flush(), RETRY_MS);

refresh().then(flush);
startLive({ lastSeq: Number(app.dataset.lastSeq) || 0 });
