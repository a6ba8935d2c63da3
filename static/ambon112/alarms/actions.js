// Acting on a card: acknowledge (every level at once), acknowledge what ended unseen, send to
// the backup agency, shelve for a stated time with a reason, unshelve.

import { serverIso } from "../clock.js";
import { api, ApiError, el, errorText, fmt, when } from "../ui.js";
import { bar, SHELVERS, ROLE } from "./bar.js";
import { banner, panel, render, say } from "./panel.js";
import { load } from "./snapshot.js";
import { apply, escalations, shelves, subjectOf, subjects } from "./subjects.js";
import { watchLabel } from "./words.js";

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
  const now = serverIso();
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

for (const box of [panel, banner]) {
  if (!box) continue;
  box.container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (button) act(button, box);
  });
}
