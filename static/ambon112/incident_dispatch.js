// The dispatch panel of one incident: forward it to agencies (the type's defaults proposed,
// any other added), its tickets with their state and waiting time, its units with the time of
// every step, and the closure with an outcome (reopened by a supervisor). The server decides
// what this person may do (may_forward, may_close, may_reopen); the page only shows it.

import { learnOffset, secondsSince } from "./clock.js";
import {
  ACCEPT_SLA_S,
  declinedText,
  isOpenTicket,
  tick,
  waitEl,
} from "./dispatch.js";
import { outcomeLabel, statusLabel } from "./labels.js";
import { api, duration, el, errorText, fill, fmt, notify, timeEl } from "./ui.js";

const OUTCOMES = ["resolved", "false_alarm", "cancelled", "transferred"];

function roleLabel(role) {
  const labels = {
    primary: gettext("primary"),
    support: gettext("support"),
    added: gettext("added"),
  };
  return labels[role] || role || "";
}

export function startDispatchPanel({ id, toasts }) {
  const $ = (name) => document.getElementById(name);
  const panel = $("dispatch-panel");
  const choices = new Map(); // agency code -> ticked, as this dispatcher set it
  let added = []; // agencies picked from "add another agency", {code, short_name}
  let agencies = null; // every active agency, loaded once when the form is first shown
  let overview = null;
  let busy = false;

  // --- Forwarding -----------------------------------------------------------------------------

  /** The agencies to offer: the type's proposals, then the ones added by hand. */
  function offered() {
    const rows = overview.proposed.map((p) => ({ ...p }));
    for (const agency of added) {
      if (!rows.some((row) => row.agency.code === agency.code)) {
        rows.push({ agency, role: "added", cross_border: false, routed_from: null });
      }
    }
    // Agencies forwarded by hand earlier stay listed, with their ticket.
    for (const ticket of overview.tickets) {
      if (!rows.some((row) => row.agency.code === ticket.agency.code)) {
        rows.push({ agency: ticket.agency, role: ticket.role, cross_border: ticket.cross_border, routed_from: null });
      }
    }
    return rows;
  }

  const latestTicket = (code) =>
    overview.tickets.filter((ticket) => ticket.agency.code === code).at(-1) || null;

  function forwardRow(offer) {
    const code = offer.agency.code;
    const ticket = latestTicket(code);
    const open = ticket && isOpenTicket(ticket);
    // The type's agencies are pre-ticked for the first forward only: after it, the ones left
    // out (or that declined) are offered, never sent again unless the dispatcher ticks them.
    const first = overview.tickets.length === 0;
    const ticked = open ? true : choices.has(code) ? choices.get(code) : first;
    const box = el("input", {
      type: "checkbox",
      id: `forward-${code}`,
      value: code,
      checked: ticked,
      disabled: Boolean(open),
    });
    box.addEventListener("change", () => choices.set(code, box.checked));
    return el(
      "li",
      { className: `forward-item${open ? " has-ticket" : ""}`, dataset: { agency: code } },
      box,
      el(
        "label",
        { for: `forward-${code}` },
        el("span", { className: "agency" }, offer.agency.short_name),
        " ",
        el("span", { className: `badge role role-${offer.role}` }, roleLabel(offer.role)),
        offer.cross_border ? el("span", { className: "badge warn" }, gettext("cross-border")) : null,
        offer.routed_from
          ? el("span", { className: "badge muted-badge" }, fmt(gettext("routed from %(agency)s"), { agency: offer.routed_from.short_name }))
          : null,
        ticket ? el("span", { className: `ticket-note ticket-${ticket.status}` }, statusLabel(ticket.status)) : null
      )
    );
  }

  function renderForward() {
    const form = $("forward-form");
    form.hidden = !overview.may_forward;
    if (!overview.may_forward) return;
    const rows = offered();
    fill($("forward-list"), rows.map(forwardRow));
    const listed = new Set(rows.map((row) => row.agency.code));
    const others = (agencies || []).filter((agency) => agency.is_active !== false && !listed.has(agency.code));
    fill(
      $("forward-other"),
      el("option", { value: "" }, gettext("— choose an agency —")),
      others.map((agency) => el("option", { value: agency.code }, agency.short_name))
    );
    $("forward-other").disabled = others.length === 0;
    if (agencies === null) loadAgencies();
  }

  async function loadAgencies() {
    agencies = [];
    try {
      const data = await api("/api/agencies/");
      agencies = (Array.isArray(data) ? data : data.results || []).sort((a, b) =>
        a.short_name.localeCompare(b.short_name)
      );
      if (overview) renderForward();
    } catch (error) {
      agencies = null;
      notify(toasts, errorText(error), "error");
    }
  }

  $("forward-other").addEventListener("change", (event) => {
    const agency = (agencies || []).find((a) => a.code === event.target.value);
    if (!agency) return;
    added.push({ code: agency.code, short_name: agency.short_name });
    choices.set(agency.code, true);
    renderForward();
    $("forward-other").focus();
  });

  $("forward-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const codes = [...$("forward-list").querySelectorAll("input[type=checkbox]:checked:not(:disabled)")].map(
      (box) => box.value
    );
    $("forward-error").textContent = "";
    if (!codes.length) {
      $("forward-error").textContent = gettext("Tick at least one agency.");
      return;
    }
    busy = true;
    $("forward-submit").disabled = true;
    try {
      const tickets = await api(`/api/incidents/${id}/tickets/`, { method: "POST", body: { agencies: codes } });
      choices.clear();
      added = [];
      notify(
        toasts,
        fmt(gettext("Forwarded to %(agencies)s."), { agencies: tickets.map((t) => t.agency.short_name).join(", ") }),
        "ok"
      );
      await load();
    } catch (error) {
      $("forward-error").textContent = errorText(error);
    } finally {
      busy = false;
      $("forward-submit").disabled = false;
    }
  });

  // --- Tickets and units ----------------------------------------------------------------------

  function ticketRow(ticket) {
    let waiting;
    if (ticket.status === "notified") {
      waiting = waitEl(ticket.notified_at);
      waiting.dataset.late = ACCEPT_SLA_S;
    } else {
      const answeredAt = ticket.accepted_at || ticket.declined_at;
      waiting = answeredAt
        ? el(
            "span",
            { className: "muted", title: gettext("Time to answer") },
            duration((Date.parse(answeredAt) - Date.parse(ticket.notified_at)) / 1000)
          )
        : el("span", { className: "muted" }, "–");
    }
    const answer = ticket.accepted_by
      ? [ticket.accepted_by, " · ", timeEl(ticket.accepted_at)]
      : ticket.declined_by
        ? [ticket.declined_by, " · ", timeEl(ticket.declined_at)]
        : [el("span", { className: "muted" }, "–")];
    return el(
      "tr",
      { className: `ticket-row ticket-${ticket.status}`, dataset: { agency: ticket.agency.code, status: ticket.status } },
      el(
        "td",
        {},
        el("strong", {}, ticket.agency.short_name),
        el("span", { className: `badge role role-${ticket.role}` }, roleLabel(ticket.role)),
        ticket.cross_border ? el("span", { className: "badge warn" }, gettext("cross-border")) : null
      ),
      el("td", {}, el("span", { className: `badge tstate tstate-${ticket.status}` }, statusLabel(ticket.status))),
      el("td", {}, timeEl(ticket.notified_at), el("div", { className: "muted small" }, ticket.notified_by)),
      el("td", { className: "num" }, waiting),
      el("td", {}, ...answer),
      el("td", { className: "reason" }, ticket.decline_reason || "")
    );
  }

  function stepTime(iso) {
    return iso ? timeEl(iso) : el("span", { className: "muted" }, "–");
  }

  function unitRow(assignment, agencyNames) {
    const unit = assignment.unit;
    const ended = assignment.cancelled_at
      ? [el("span", { className: "muted small" }, gettext("called back")), " ", timeEl(assignment.cancelled_at)]
      : [stepTime(assignment.cleared_at)];
    return el(
      "tr",
      { className: `unit-row assignment-${assignment.status}`, dataset: { unit: unit.call_sign, status: assignment.status } },
      el(
        "td",
        {},
        el("strong", {}, unit.call_sign),
        el("div", { className: "muted small" }, agencyNames.get(assignment.ticket) || unit.agency)
      ),
      el(
        "td",
        {},
        el("span", { className: `badge ustate ustate-${assignment.status}` }, statusLabel(assignment.status)),
        assignment.cancel_reason ? el("div", { className: "small muted" }, assignment.cancel_reason) : null
      ),
      el("td", {}, stepTime(assignment.dispatched_at), el("div", { className: "muted small" }, assignment.dispatched_by || "")),
      el(
        "td",
        { className: "num" },
        assignment.eta_s != null ? fmt(gettext("%(m)s min"), { m: Math.max(1, Math.round(assignment.eta_s / 60)) }) : "–"
      ),
      el("td", {}, stepTime(assignment.en_route_at)),
      el("td", {}, stepTime(assignment.on_scene_at)),
      el("td", { className: "step-fire" }, stepTime(assignment.operations_started_at)),
      el(
        "td",
        { className: "step-medical" },
        stepTime(assignment.transporting_at),
        assignment.destination ? el("div", { className: "muted small" }, assignment.destination.name) : null
      ),
      el("td", { className: "step-medical" }, stepTime(assignment.at_hospital_at)),
      el("td", {}, ...ended)
    );
  }

  function renderTables() {
    fill($("ticket-rows"), overview.tickets.map(ticketRow));
    $("ticket-table").hidden = overview.tickets.length === 0;
    $("tickets-empty").hidden = overview.tickets.length > 0;
    const agencyNames = new Map(overview.tickets.map((ticket) => [ticket.id, ticket.agency.short_name]));
    fill($("unit-rows"), overview.assignments.map((a) => unitRow(a, agencyNames)));
    // Operations started (T6f) is a fire's step, transport (T8, T9) an ambulance's: their
    // columns show where they can happen, or did.
    const list = overview.assignments;
    $("unit-table").classList.toggle(
      "no-fire",
      overview.incident.category !== "kebakaran" && !list.some((a) => a.operations_started_at)
    );
    $("unit-table").classList.toggle(
      "no-medical",
      !list.some((a) => a.unit.kind === "ambulance" || a.transporting_at)
    );
    $("unit-table").hidden = overview.assignments.length === 0;
    $("units-empty").hidden = overview.assignments.length > 0;
  }

  // --- Closing and reopening ------------------------------------------------------------------

  const outcome = $("close-outcome");
  fill(
    outcome,
    el("option", { value: "" }, gettext("— choose the outcome —")),
    OUTCOMES.map((value) => el("option", { value }, outcomeLabel(value)))
  );

  function renderClosure() {
    const incident = overview.incident;
    const closed = Boolean(incident.closed_at);
    $("closed-info").hidden = !closed;
    if (closed) {
      fill(
        $("closed-info"),
        el("strong", {}, gettext("Closed")),
        " ",
        timeEl(incident.closed_at),
        " — ",
        fmt(gettext("outcome: %(outcome)s"), { outcome: outcomeLabel(incident.outcome) })
      );
    }
    $("close-form").hidden = !overview.may_close;
    $("reopen-form").hidden = !overview.may_reopen;
    const out = overview.assignments.filter((a) => !a.cleared_at && !a.cancelled_at);
    $("close-warning").hidden = out.length === 0;
    $("close-warning").textContent = out.length
      ? fmt(gettext("Units still out will be released: %(units)s."), {
          units: out.map((a) => a.unit.call_sign).join(", "),
        })
      : "";
  }

  async function post(url, body, errorNode, button) {
    if (busy) return false;
    busy = true;
    button.disabled = true;
    errorNode.textContent = "";
    try {
      const sentAt = Date.now();
      const data = await api(url, { method: "POST", body });
      learnOffset(data.now, sentAt);
      show(data);
      return true;
    } catch (error) {
      errorNode.textContent = errorText(error);
      return false;
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!outcome.value) {
      $("close-error").textContent = gettext("Choose the outcome.");
      outcome.focus();
      return;
    }
    const body = { outcome: outcome.value, note: $("close-note").value.trim() };
    if (await post(`/api/incidents/${id}/close/`, body, $("close-error"), $("close-submit"))) {
      outcome.value = "";
      $("close-note").value = "";
      notify(toasts, gettext("Incident closed."), "ok");
    }
  });

  $("reopen-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("reopen-reason").value.trim();
    if (!reason) {
      $("reopen-error").textContent = gettext("Say why the incident is reopened.");
      $("reopen-reason").focus();
      return;
    }
    if (await post(`/api/incidents/${id}/reopen/`, { reason }, $("reopen-error"), $("reopen-submit"))) {
      $("reopen-reason").value = "";
      notify(toasts, gettext("Incident reopened."), "ok");
    }
  });

  // --- Loading --------------------------------------------------------------------------------

  function show(data) {
    overview = data;
    panel.hidden = false;
    renderForward();
    renderTables();
    renderClosure();
  }

  async function load() {
    const sentAt = Date.now();
    try {
      const data = await api(`/api/incidents/${id}/dispatch/`);
      learnOffset(data.now, sentAt);
      show(data);
    } catch (error) {
      if (error.status === 403) {
        panel.hidden = true; // not for this role
        return;
      }
      notify(toasts, errorText(error), "error");
    }
  }

  /** A live event about this incident: say a decline out loud once, then fetch again. */
  function onEvent(event) {
    const ticket = event.data && event.data.ticket;
    if (event.kind === "ticket.declined" && ticket && secondsSince(event.at) < 120) {
      notify(toasts, declinedText(ticket), "error");
    }
  }

  tick(panel);
  load();
  return { load, onEvent };
}
