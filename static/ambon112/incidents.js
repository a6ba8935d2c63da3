// Incident pages: the list of open incidents (filters by category and kecamatan, kept current
// by the live feed) and one incident (facts, calls, notes with an add-note box, and a
// timeline built from the event log and the calls' own times). Server text goes in as text.

import { channelBadge, channelLabel, isMessage, senderText } from "./contacts.js";
import { startDispatchPanel } from "./incident_dispatch.js";
import { categoryLabel, dispositionLabel, outcomeLabel, priorityLabel, statusLabel } from "./labels.js";
import { onReconnect } from "./live.js";
import { createMap, kecamatanList } from "./map.js";
import { api, el, errorText, eventLabel, fill, fmt, notify, placeText, timeEl } from "./ui.js";

const OPEN = ["new", "dispatched", "responding", "on_scene", "resolved"];

function statusBadge(status) {
  return el("span", { className: `badge status status-${status}` }, statusLabel(status));
}

function priorityBadge(priority) {
  return el("span", { className: `badge prio prio-${priority}`, title: priorityLabel(priority) }, `P${priority}`);
}

// --- The list ---------------------------------------------------------------------------------

function startList(root) {
  const rows = document.getElementById("incident-rows");
  const empty = document.getElementById("incident-empty");
  const count = document.getElementById("incident-count");
  const toasts = document.getElementById("incident-toasts");
  const category = document.getElementById("filter-category");
  const kecamatan = document.getElementById("filter-kecamatan");
  const incidents = new Map();

  const params = new URLSearchParams(window.location.search);
  category.value = params.get("category") || "";

  const matches = (incident) =>
    OPEN.includes(incident.status) &&
    (!category.value || incident.category === category.value) &&
    (!kecamatan.value || (incident.kecamatan && incident.kecamatan.code === kecamatan.value));

  function row(incident, fresh) {
    const link = el("a", { href: `/incidents/${incident.id}/` }, `#${incident.id}`);
    const where = [placeText(incident), incident.address].filter(Boolean).join(" — ");
    return el(
      "tr",
      { dataset: { id: incident.id }, className: `prio-row-${incident.priority}${fresh ? " fresh" : ""}` },
      el("td", {}, link),
      el("td", {}, priorityBadge(incident.priority)),
      el(
        "td",
        {},
        el("a", { href: `/incidents/${incident.id}/` }, incident.incident_type ? incident.incident_type.name : ""),
        el("div", { className: "muted small" }, categoryLabel(incident.category))
      ),
      el("td", {}, statusBadge(incident.status)),
      el(
        "td",
        {},
        where || el("span", { className: "muted" }, gettext("no location")),
        incident.location_approximate ? el("span", { className: "badge warn" }, gettext("approximate")) : null,
        incident.outside_coverage ? el("span", { className: "badge bad" }, gettext("outside coverage")) : null
      ),
      el("td", {}, timeEl(incident.created_at)),
      el("td", { className: "num" }, String(incident.calls_count ?? ""))
    );
  }

  function render(freshId = null) {
    const list = [...incidents.values()]
      .filter(matches)
      .sort((a, b) => a.priority - b.priority || Date.parse(b.created_at) - Date.parse(a.created_at));
    rows.replaceChildren(...list.map((incident) => row(incident, incident.id === freshId)));
    empty.hidden = list.length > 0;
    count.textContent = list.length ? fmt(gettext("%(n)s open"), { n: list.length }) : "";
  }

  async function load() {
    const query = new URLSearchParams({ status: "open" });
    if (category.value) query.set("category", category.value);
    if (kecamatan.value) query.set("kecamatan", kecamatan.value);
    try {
      const list = await api(`/api/incidents/?${query}`);
      incidents.clear();
      for (const incident of list) incidents.set(incident.id, incident);
      render();
    } catch (error) {
      notify(toasts, errorText(error), "error");
    }
  }

  function filtersChanged() {
    const next = new URLSearchParams();
    if (category.value) next.set("category", category.value);
    if (kecamatan.value) next.set("kecamatan", kecamatan.value);
    const search = next.toString();
    window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
    load();
  }

  category.addEventListener("change", filtersChanged);
  kecamatan.addEventListener("change", filtersChanged);
  document.getElementById("incident-filters").addEventListener("submit", (e) => e.preventDefault());

  kecamatanList()
    .then((list) => {
      kecamatan.append(...list.map((k) => el("option", { value: k.code }, k.name)));
      kecamatan.value = params.get("kecamatan") || "";
    })
    .catch((error) => notify(toasts, errorText(error), "error"))
    .finally(load);

  document.addEventListener("live:event", ({ detail }) => {
    const incident = detail.data && detail.data.incident;
    if (!incident || typeof incident !== "object") return;
    const known = incidents.get(incident.id);
    if (known && known.calls_count != null && incident.calls_count == null) {
      incident.calls_count = known.calls_count;
    }
    incidents.set(incident.id, incident);
    render(detail.kind === "incident.created" ? incident.id : null);
  });

  onReconnect(load);
}

// --- One incident -----------------------------------------------------------------------------

function startDetail(root) {
  const id = Number(root.dataset.incidentId);
  const toasts = document.getElementById("incident-toasts");
  const $ = (name) => document.getElementById(name);
  let map = null;
  let reloadTimer = null;

  function fact(term, ...value) {
    return el("div", {}, el("dt", {}, term), el("dd", {}, ...value));
  }

  function renderFacts(incident) {
    $("incident-type-name").textContent = incident.incident_type ? incident.incident_type.name : "";
    fill($("incident-status"), statusLabel(incident.status));
    $("incident-status").className = `badge status status-${incident.status}`;
    $("incident-priority").textContent = priorityLabel(incident.priority);
    $("incident-priority").className = `badge prio prio-${incident.priority}`;
    $("incident-outcome").hidden = !incident.outcome;
    $("incident-outcome").textContent = incident.outcome ? outcomeLabel(incident.outcome) : "";
    const coordinates =
      incident.lat != null ? `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}` : gettext("no point");
    fill(
      $("incident-facts"),
      fact(gettext("Category"), categoryLabel(incident.category)),
      fact(
        gettext("Kelurahan / desa"),
        incident.area ? incident.area.name : "–",
        incident.location_approximate ? el("span", { className: "badge warn" }, gettext("approximate")) : null,
        incident.outside_coverage ? el("span", { className: "badge bad" }, gettext("outside coverage")) : null
      ),
      fact(gettext("Kecamatan"), incident.kecamatan ? incident.kecamatan.name : "–"),
      fact(gettext("Address or landmark"), incident.address || "–"),
      fact(gettext("Coordinates"), coordinates),
      fact(gettext("What happened"), incident.description || "–"),
      fact(gettext("Created"), timeEl(incident.created_at), " · ", incident.created_by || "")
    );
  }

  function renderCalls(calls) {
    fill(
      $("incident-calls"),
      calls.map((call) =>
        el(
          "li",
          { className: "call-card" },
          el(
            "div",
            { className: "call-head" },
            el("strong", { className: "number" }, senderText(call)),
            " ",
            isMessage(call) ? channelBadge(call) : null,
            call.line ? el("span", { className: "muted" }, fmt(gettext("line %(line)s"), { line: call.line })) : null,
            " · ",
            timeEl(call.ringing_at),
            " · ",
            dispositionLabel(call.disposition),
            call.taken_by_name ? ` · ${fmt(gettext("taken by %(name)s"), { name: call.taken_by_name })}` : ""
          ),
          call.caller_name || call.callback_number
            ? el(
                "div",
                { className: "caller" },
                call.caller_name ? el("span", { className: "caller-name" }, call.caller_name) : null,
                call.caller_name && call.callback_number ? " · " : null,
                call.callback_number
                  ? fmt(gettext("callback %(number)s"), { number: call.callback_number })
                  : null
              )
            : null,
          isMessage(call) && call.message ? el("p", { className: "call-notes message-text" }, call.message) : null,
          call.notes ? el("p", { className: "call-notes" }, call.notes) : null
        )
      )
    );
  }

  function renderNotes(notes) {
    $("notes-empty").hidden = notes.length > 0;
    fill(
      $("incident-notes"),
      notes.map((note) =>
        el(
          "li",
          {},
          el("div", { className: "note-meta muted" }, timeEl(note.created_at), " · ", note.author || ""),
          el("p", { className: "note-text" }, note.text)
        )
      )
    );
  }

  /** What a timeline entry adds to its event's label: the agency, the unit, the reason. */
  function eventDetail(event) {
    const data = event.data || {};
    if (data.ticket) {
      const agency = data.ticket.agency ? data.ticket.agency.short_name : "";
      return event.kind === "ticket.declined" && data.ticket.decline_reason
        ? `${agency} — ${data.ticket.decline_reason}`
        : agency;
    }
    if (data.assignment && data.assignment.unit) return data.assignment.unit.call_sign;
    if (event.kind === "incident.status_changed" && data.incident) return statusLabel(data.incident.status);
    if (event.kind === "incident.closed" && data.incident) {
      return [outcomeLabel(data.incident.outcome), data.note].filter(Boolean).join(" — ");
    }
    if (event.kind === "incident.reopened") return data.reason || "";
    return "";
  }

  /** A timeline whose events or times fail the integrity check says so, and what is wrong. */
  function renderIntegrity(integrity) {
    const warning = $("timeline-warning");
    if (!warning || !integrity) return;
    warning.hidden = integrity.intact;
    if (integrity.intact) return;
    fill(
      warning,
      el("strong", {}, gettext("This timeline fails the integrity check: the event log no longer proves it.")),
      el("ul", {}, integrity.problems.map((problem) => el("li", {}, problem)))
    );
  }

  /** The event log's entries, with the calls' own times (ringing, taken, ended) among them. */
  function renderTimeline(incident) {
    const entries = (incident.timeline || []).map((event) => {
      const detail = eventDetail(event);
      return {
        at: event.at,
        text: detail ? `${eventLabel(event.kind)}: ${detail}` : eventLabel(event.kind),
        who: event.actor,
        kind: event.kind,
      };
    });
    for (const call of incident.calls || []) {
      const number = senderText(call);
      if (call.ringing_at && isMessage(call)) {
        // A message or a visit has no ring: it was received, on its channel.
        const text = fmt(gettext("%(channel)s from %(sender)s received"), { channel: channelLabel(call.channel), sender: number });
        entries.push({ at: call.ringing_at, text, who: "", kind: "call.received" });
      } else if (call.ringing_at) {
        entries.push({ at: call.ringing_at, text: fmt(gettext("Call from %(number)s ringing"), { number }), who: call.line, kind: "call.ringing" });
      }
      if (call.taken_at) {
        entries.push({ at: call.taken_at, text: fmt(gettext("Call from %(number)s taken"), { number }), who: call.taken_by, kind: "call.taken" });
      }
      if (call.ended_at) {
        entries.push({ at: call.ended_at, text: fmt(gettext("Call from %(number)s ended"), { number }), who: "", kind: "call.ended" });
      }
    }
    entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    renderIntegrity(incident.integrity);
    fill(
      $("incident-timeline"),
      entries.map((entry) =>
        el(
          "li",
          { dataset: { kind: entry.kind } },
          timeEl(entry.at),
          el("span", { className: "what" }, entry.text),
          entry.who ? el("span", { className: "who muted" }, entry.who) : null
        )
      )
    );
  }

  function renderMap(incident) {
    if (!window.L || incident.lat == null) {
      $("incident-map").hidden = incident.lat == null;
      return;
    }
    if (!map) map = createMap($("incident-map"));
    map.setPoint(incident.lat, incident.lon, { approximate: incident.location_approximate });
    map.highlightArea(incident.area ? incident.area.code : null);
  }

  async function load() {
    try {
      const incident = await api(`/api/incidents/${id}/`);
      renderFacts(incident);
      renderCalls(incident.calls || []);
      renderNotes(incident.notes || []);
      renderTimeline(incident);
      renderMap(incident);
    } catch (error) {
      notify(toasts, errorText(error), "error");
    }
  }

  const dispatch = startDispatchPanel({ id, toasts });

  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      load();
      dispatch.load();
    }, 250);
  }

  const form = $("note-form");
  if (form) {
    const text = $("note-text");
    const send = async () => {
      const value = text.value.trim();
      if (!value) {
        text.focus();
        return;
      }
      $("note-error").textContent = "";
      try {
        await api(`/api/incidents/${id}/notes/`, { method: "POST", body: { text: value } });
        text.value = "";
        load();
      } catch (error) {
        $("note-error").textContent = errorText(error);
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        send();
      }
    });
  }

  document.addEventListener("live:event", ({ detail }) => {
    const data = detail.data || {};
    const aboutThis =
      (detail.subject && detail.subject.type === "incident" && Number(detail.subject.id) === id) ||
      (data.incident && data.incident.id === id) ||
      (data.call && data.call.incident === id) ||
      detail.incident === id;
    if (!aboutThis) return;
    dispatch.onEvent(detail);
    reloadSoon();
  });
  document.addEventListener("live:status", ({ detail }) => {
    if (detail === "online") reloadSoon();
  });

  load();
}

const list = document.getElementById("incident-list-app");
const detail = document.getElementById("incident-detail-app");
if (list) startList(list);
if (detail) startDetail(detail);
