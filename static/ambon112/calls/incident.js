// What the intake makes of an emergency call: attached to an open incident nearby of the same
// type (the duplicates the server suggests), or a new incident.

import { statusLabel } from "../labels.js";
import { api, distance, el, errorText, fmt, notify, placeText, timeEl } from "../ui.js";
import { typePicker } from "./intake.js";
import { closeIntake, callerDetails } from "./pop.js";
import { upsert } from "./queue.js";
import { $, duplicates, dupList, field, form, formError, state, toasts } from "./state.js";

const dupHelp = $("dup-help");
let duplicateRequest = 0;

export async function checkDuplicates() {
  const type = typePicker.value;
  if (!state.current || !type || !state.spot) {
    duplicates.hidden = true;
    return;
  }
  const request = ++duplicateRequest;
  const query = new URLSearchParams({
    lat: state.spot.lat.toFixed(6),
    lon: state.spot.lon.toFixed(6),
    incident_type: type.code,
  });
  try {
    const result = await api(`/api/calls/${state.current.id}/duplicates/?${query}`);
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

export async function attach(incidentId) {
  if (!state.current || state.busy) return;
  state.busy = true;
  const call = state.current;
  try {
    const result = await api(`/api/calls/${call.id}/attach/`, {
      method: "POST",
      body: { incident: Number(incidentId) },
    });
    notify(toasts, fmt(gettext("Call attached to incident #%(id)s."), { id: incidentId }), "ok");
    upsert(result);
    if (state.current && state.current.id === call.id) closeIntake();
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    state.busy = false;
  }
}

export function attachFirst() {
  const first = dupList.querySelector("button.attach");
  if (first) attach(first.dataset.id);
  else notify(toasts, gettext("No incident is suggested."));
}

// --- Create the incident ----------------------------------------------------------------------

export async function createIncident() {
  if (!state.current || state.busy) return;
  const type = typePicker.value;
  if (!type) {
    formError.textContent = gettext("Choose the incident type first.");
    field.type.focus();
    return;
  }
  const body = { incident_type: type.code, priority: Number(field.priority.value) };
  if (state.spot && state.spot.source === "area") body.area = state.spot.area;
  else if (state.spot) Object.assign(body, { lat: state.spot.lat, lon: state.spot.lon });
  if (field.address.value.trim()) body.address = field.address.value.trim();
  if (field.description.value.trim()) body.description = field.description.value.trim();
  Object.assign(body, callerDetails());
  state.busy = true;
  formError.textContent = "";
  const call = state.current;
  try {
    const incident = await api(`/api/calls/${call.id}/incident/`, { method: "POST", body });
    const note = notify(toasts, "", "ok");
    note.append(
      fmt(gettext("Incident %(id)s created:"), { id: `#${incident.id}` }),
      " ",
      el("a", { href: `/incidents/${incident.id}/` }, incident.incident_type ? incident.incident_type.name : ""),
      placeText(incident) ? ` — ${placeText(incident)}` : ""
    );
    if (state.current && state.current.id === call.id) {
      upsert({ ...call, disposition: "emergency", incident: incident.id });
      if (state.current && state.current.id === call.id) closeIntake();
    }
  } catch (error) {
    formError.textContent = errorText(error);
  } finally {
    state.busy = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  createIncident();
});
