// My position and state on the calls console: sign in at a desk (the choice is remembered by
// this browser), then one key changes the state — R ready, W wrap-up, J break (jeda, with a reason),
// X away. On a call follows the calls by itself. Also lists the calls answered at a handset
// whose desk had nobody signed in, for whoever handles them to take.
import { learnOffset, secondsSince } from "./clock.js";
import { presenceLabel as stateLabel } from "./labels.js";
import { api, duration, el, errorText, fill, fmt, timeEl, typingIn } from "./ui.js";

const REMEMBERED = "ambon112.position"; // this browser's desk
const KEYS = { r: "ready", w: "wrap_up", j: "break", x: "away" }; // J: jeda, a break

const $ = (id) => document.getElementById(id);
const root = $("presence");
const me = root.dataset.user;
const signInForm = $("presence-sign-in");
const positionSelect = $("presence-position");
const mineBox = $("presence-mine");
const where = $("presence-where");
const stateBadge = $("presence-state");
const since = $("presence-since");
const breakForm = $("presence-break");
const reasonInput = $("presence-reason");
const errorLine = $("presence-error");
const unclaimedBlock = $("unclaimed-block");
const unclaimedList = $("unclaimed-list");

let presence = null;

function show(next) {
  presence = next;
  errorLine.textContent = "";
  signInForm.hidden = Boolean(presence);
  mineBox.hidden = !presence;
  breakForm.hidden = true;
  if (!presence) return;
  localStorage.setItem(REMEMBERED, String(presence.position.id));
  where.textContent = presence.position.name;
  stateBadge.className = `presence-state state-${presence.state}`;
  stateBadge.textContent = presence.break_reason
    ? `${stateLabel(presence.state)} — ${presence.break_reason}`
    : stateLabel(presence.state);
  root.dataset.state = presence.state;
  for (const button of mineBox.querySelectorAll("button[data-state]")) {
    button.setAttribute("aria-pressed", String(button.dataset.state === presence.state));
  }
  tick();
}

function tick() {
  if (!presence) return;
  const seconds = secondsSince(presence.state_since);
  since.textContent = fmt(gettext("for %(t)s"), { t: duration(seconds) });
}

async function loadPositions() {
  const positions = (await api("/api/positions/")).filter((p) => p.is_active);
  const remembered = localStorage.getItem(REMEMBERED);
  fill(
    positionSelect,
    positions.map((p) =>
      el(
        "option",
        { value: String(p.id), selected: String(p.id) === remembered },
        p.extensions.length ? fmt(gettext("%(name)s (ext. %(ext)s)"), { name: p.name, ext: p.extensions.join(", ") }) : p.name
      )
    )
  );
}

async function load() {
  try {
    const sentAt = Date.now();
    const mine = await api("/api/presence/me/");
    learnOffset(mine.now, sentAt);
    if (!mine.presence) await loadPositions();
    show(mine.presence);
    await loadUnclaimed();
  } catch (error) {
    errorLine.textContent = errorText(error);
  }
}

async function act(url, body) {
  try {
    show(await api(url, { method: "POST", body }));
  } catch (error) {
    errorLine.textContent = errorText(error);
  }
}

async function signOut() {
  try {
    await api("/api/presence/sign-out/", { method: "POST" });
    await loadPositions();
    show(null);
  } catch (error) {
    errorLine.textContent = errorText(error);
  }
}

function choose(state) {
  if (!presence) return;
  if (state === "break") {
    breakForm.hidden = false;
    reasonInput.value = "";
    reasonInput.focus();
    return;
  }
  act("/api/presence/state/", { state });
}

// --- Calls answered at a handset with nobody signed in ----------------------------------------

async function loadUnclaimed() {
  const { calls } = await api("/api/calls/?status=unclaimed");
  unclaimedBlock.hidden = !calls.length;
  fill(
    unclaimedList,
    calls.map((call) =>
      el(
        "li",
        { dataset: { call: call.id } },
        el("strong", {}, call.number || gettext("number withheld")),
        " ",
        fmt(gettext("ext. %(ext)s"), { ext: call.answered_extension || "?" }),
        call.answered_position ? ` (${call.answered_position.name})` : "",
        " · ",
        timeEl(call.answered_at),
        " ",
        el("button", { type: "button", className: "take", dataset: { call: call.id } }, gettext("Take"))
      )
    )
  );
}

unclaimedList.addEventListener("click", async (event) => {
  const button = event.target.closest("button.take");
  if (!button) return;
  try {
    await api(`/api/calls/${button.dataset.call}/take/`, { method: "POST" });
  } catch (error) {
    errorLine.textContent = errorText(error);
  }
  loadUnclaimed();
});

// --- Wiring -----------------------------------------------------------------------------------

signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  act("/api/presence/sign-in/", { position: Number(positionSelect.value) });
});
breakForm.addEventListener("submit", (event) => {
  event.preventDefault();
  act("/api/presence/state/", { state: "break", reason: reasonInput.value });
});
mineBox.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-state]");
  if (button) choose(button.dataset.state);
});
$("presence-sign-out").addEventListener("click", signOut);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || !presence) return;
  if (!event.altKey && typingIn(event.target)) return;
  const key = event.altKey ? /^Key([A-Z])$/.exec(event.code)?.[1].toLowerCase() : event.key.toLowerCase();
  if (!KEYS[key]) return;
  event.preventDefault();
  choose(KEYS[key]);
});

document.addEventListener("live:event", ({ detail }) => {
  const data = detail.data || {};
  if (detail.kind.startsWith("presence.") && data.presence && data.presence.user === me) {
    show(detail.kind === "presence.signed_out" ? null : data.presence);
    if (detail.kind === "presence.signed_out") loadPositions();
  } else if (detail.kind.startsWith("call.") && data.call && data.call.answered_via === "pbx") {
    loadUnclaimed();
  }
});
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "online") load();
});

setInterval(tick, 1000);
load();
