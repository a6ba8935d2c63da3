// The screen-pop of the call on the call-taker's screen: who is calling (history, warnings,
// the handset's location), its state, and its classification by a disposition.

import { secondsSince } from "../clock.js";
import { channelBadge, isMessage, senderText } from "../contacts.js";
import { dispositionLabel, statusLabel } from "../labels.js";
import { api, distance, duration, el, errorText, fill, fmt, notify, timeEl, when } from "../ui.js";
import { ensureMap, resetForm } from "./intake.js";
import { byRinging, renderQueue, upsert } from "./queue.js";
import { $, app, field, formError, intake, mine, queueList, state, toasts, useAmlButton } from "./state.js";

const amlInfo = $("aml-info");
let history = null; // the caller's earlier calls and incidents, from the call's detail

export function popState(call) {
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
  if (since) parts.push(fmt(gettext("on the line %(t)s"), { t: duration(secondsSince(since)) }));
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
  const earlier = calls.filter((call) => !state.current || call.id !== state.current.id);
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

export function renderPop() {
  const call = state.current;
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


export async function openCall(call) {
  const fresh = !state.current || state.current.id !== call.id;
  state.current = call;
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
    if (!state.current || state.current.id !== call.id) return;
    history = detail.history || null;
    const { history: _unused, ...snapshot } = detail;
    state.current = { ...state.current, ...snapshot };
    renderPop();
  } catch (error) {
    notify(toasts, errorText(error), "error");
  }
}

export function closeIntake() {
  state.current = null;
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
export function callerDetails() {
  const details = {};
  const add = (name, value) => {
    if (value.trim()) details[name] = value.trim();
  };
  add("caller_name", field.callerName.value);
  add("notes", field.notes.value);
  if (field.callback.value.trim() && field.callback.value.trim() !== (state.current.number || "")) {
    add("callback_number", field.callback.value);
  }
  return details;
}

export async function dispose(disposition) {
  if (!state.current || state.busy) return;
  if (disposition === "emergency") {
    field.type.focus();
    return;
  }
  state.busy = true;
  const call = state.current;
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
    if (state.current && state.current.id === call.id) closeIntake();
    else renderQueue();
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    state.busy = false;
  }
}
