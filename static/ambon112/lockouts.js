// The supervisor's panel of accounts locked by failed sign-ins, with unlock. An account is
// locked per address (the console the failures came from); unlocking clears every address.
import { api, el, errorText, fill, fmt, timeEl } from "./ui.js";

const panel = document.getElementById("lockouts");
const list = document.getElementById("lockouts-list");
const empty = document.getElementById("lockouts-empty");
const status = document.getElementById("lockouts-status");

function row(account) {
  const unlock = el("button", { type: "button" }, gettext("Unlock"));
  unlock.addEventListener("click", () => act(account));
  const locks = account.locks.map((lock) =>
    el(
      "div",
      { className: "state" },
      fmt(gettext("%(failures)s failed sign-ins from %(address)s, locked until"), {
        failures: lock.failures,
        address: lock.address || "?",
      }),
      " ",
      timeEl(lock.locked_until),
    ),
  );
  return el(
    "li",
    { className: "flagged", dataset: { account: account.id } },
    el("strong", {}, account.username),
    " ",
    account.name,
    locks,
    el("div", { className: "actions" }, unlock),
  );
}

async function act(account) {
  try {
    await api(`/api/accounts/${account.id}/unlock/`, { method: "POST" });
    status.textContent = "";
  } catch (error) {
    status.textContent = errorText(error);
  }
  await load();
}

async function load() {
  try {
    const accounts = await api("/api/accounts/locked/");
    fill(list, accounts.map(row));
    empty.hidden = accounts.length > 0;
    panel.dataset.count = accounts.length;
  } catch (error) {
    status.textContent = errorText(error);
  }
}

document.addEventListener("live:event", ({ detail }) => {
  if (detail.kind === "account.unlocked") load();
});
document.addEventListener("live:status", ({ detail }) => {
  if (detail === "online") load();
});
// A lock is not an event (the failed sign-ins happen before anyone is known): look again
// every minute, and when a lock runs out.
setInterval(load, 60_000);
load();
