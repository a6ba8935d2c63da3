// The supervisor's panel of nuisance numbers: flagged by the policy or blocked, with block
// and unblock. A blocked number's calls still reach the queue, marked; nothing is dropped.
import { api, el, errorText, fill, fmt, timeEl } from "./ui.js";

const panel = document.getElementById("nuisance");
const list = document.getElementById("nuisance-list");
const status = document.getElementById("nuisance-status");

function row(caller) {
  const reason = el("input", {
    type: "text",
    className: "reason",
    value: caller.block_reason || gettext("Repeated prank calls"),
    maxLength: 200,
    "aria-label": gettext("Reason for the block"),
  });
  const block = el("button", { type: "button", className: "danger" }, gettext("Block 24 h"));
  const unblock = el("button", { type: "button" }, caller.blocked ? gettext("Lift block") : gettext("Dismiss"));
  block.addEventListener("click", () => act(`/api/callers/${caller.id}/block/`, { reason: reason.value }));
  unblock.addEventListener("click", () => act(`/api/callers/${caller.id}/unblock/`));
  const state = caller.blocked
    ? [gettext("Blocked until"), " ", timeEl(caller.blocked_until), " — ", caller.block_reason]
    : [gettext("Flagged by the policy")];
  return el(
    "li",
    { className: caller.blocked ? "blocked" : "flagged", dataset: { caller: caller.id } },
    el("strong", {}, caller.number),
    " ",
    fmt(gettext("%(prank)s prank, %(ghost)s ghost"), { prank: caller.prank_calls, ghost: caller.ghost_calls }),
    el("div", { className: "state" }, state),
    el("div", { className: "actions" }, caller.blocked ? null : reason, caller.blocked ? null : block, unblock),
  );
}

async function act(url, body) {
  try {
    await api(url, { method: "POST", body });
    status.textContent = "";
    await load();
  } catch (error) {
    status.textContent = errorText(error);
  }
}

async function load() {
  try {
    const callers = await api("/api/callers/");
    fill(list, callers.map(row));
    panel.dataset.count = callers.length;
  } catch (error) {
    status.textContent = errorText(error);
  }
}

document.addEventListener("live:event", ({ detail }) => {
  if (detail.kind.startsWith("caller.")) load();
});
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "online") load();
});
load();
