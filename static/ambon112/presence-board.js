// The supervisor's panel of positions: who is signed in at each desk, in which state and for
// how long (counted from the server's clock), live from the feed's presence events.
import { learnOffset, secondsSince } from "./clock.js";
import { presenceLabel as stateLabel } from "./labels.js";
import { api, duration, el, errorText, fill, fmt } from "./ui.js";

const $ = (id) => document.getElementById(id);
const rows = $("presence-rows");
const counts = $("presence-counts");
const status = $("presence-board-status");

let pending = null;

function row(position) {
  const p = position.presence;
  const state = p
    ? el("span", { className: `presence-state state-${p.state}` }, p.break_reason ? `${stateLabel(p.state)} — ${p.break_reason}` : stateLabel(p.state))
    : el("span", { className: "muted" }, gettext("nobody signed in"));
  return el(
    "tr",
    { dataset: { position: position.id, state: p ? p.state : "" } },
    el("th", { scope: "row" }, position.name),
    el("td", {}, position.extensions.join(", ")),
    el("td", {}, p ? p.user_name : "—"),
    el("td", {}, state),
    el("td", { className: "num", dataset: { since: p ? p.state_since : "" } })
  );
}

function tick() {
  for (const cell of rows.querySelectorAll("td[data-since]")) {
    if (cell.dataset.since) cell.textContent = duration(secondsSince(cell.dataset.since));
  }
}

async function load() {
  pending = null;
  try {
    const sentAt = Date.now();
    const board = await api("/api/presence/");
    learnOffset(board.now, sentAt);
    fill(rows, board.positions.map(row));
    const c = board.counts;
    counts.textContent = fmt(
      gettext("%(staffed)s staffed · %(ready)s ready · %(on_call)s on a call · %(wrap_up)s wrap-up · %(on_break)s on break · %(away)s away"),
      c
    );
    counts.classList.toggle("alert", c.ready === 0);
    status.textContent = "";
    tick();
  } catch (error) {
    status.textContent = errorText(error);
  }
}

/** Several events arrive together (a take and its presence change): one reload for them. */
function reloadSoon() {
  if (!pending) pending = setTimeout(load, 200);
}

document.addEventListener("live:event", ({ detail }) => {
  if (detail.kind.startsWith("presence.") || detail.kind.startsWith("position.")) reloadSoon();
});
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "online") load();
});
setInterval(tick, 1000);
load();
