// The side lists of the live map: the counts, the open escalations, and what has no position.

import { statusLabel } from "../labels.js";
import { el, fill, timeEl } from "../ui.js";
import { escalatedSubjects } from "./escalations.js";
import { container, incidentLayer, incidents, units } from "./state.js";

let listTimer = null;
export function renderLists() {
  clearTimeout(listTimer);
  listTimer = setTimeout(drawLists, 150);
}

export function drawLists() {
  const located = (items) => [...items.values()].filter((item) => item.marker).length;
  const incidentCount = located(incidents);
  const unitCount = located(units);
  document.getElementById("count-incidents").textContent = String(incidents.size);
  document.getElementById("count-units").textContent = String(units.size);
  container.dataset.incidents = String(incidentCount);
  container.dataset.units = String(unitCount);

  const list = document.getElementById("escalation-list");
  const rows = escalatedSubjects();
  document.getElementById("count-escalations").textContent = String(rows.length);
  fill(
    list,
    rows.length
      ? rows.slice(0, 30).map((e) =>
          el(
            "li",
            { dataset: { key: e.key, level: e.level } },
            `L${e.level} `,
            timeEl(e.raised_at),
            " ",
            e.incident_id
              ? el("button", { type: "button", className: "link", onclick: () => focusIncident(e.incident_id) }, `#${e.incident_id}`)
              : null,
            " ",
            e.summary
          )
        )
      : el("li", { className: "empty" }, gettext("None"))
  );

  const lost = document.getElementById("unlocated-list");
  const noIncidents = [...incidents.values()].filter((i) => !i.marker).map((i) => i.data);
  const noUnits = [...units.values()].filter((u) => !u.marker).map((u) => u.data);
  document.getElementById("count-unlocated").textContent = String(noIncidents.length + noUnits.length);
  fill(
    lost,
    noIncidents.map((d) =>
      el(
        "li",
        { dataset: { incident: d.id } },
        el("span", { className: `badge prio p${d.priority}` }, `P${d.priority}`),
        " ",
        el("a", { href: `/incidents/${d.id}/` }, `#${d.id} ${d.incident_type ? d.incident_type.name : ""}`),
        " ",
        el("span", { className: "muted" }, statusLabel(d.status))
      )
    ),
    noUnits.map((u) =>
      el(
        "li",
        { dataset: { unit: u.id } },
        el("span", { className: `badge us-${u.status}` }, u.call_sign),
        " ",
        el("span", { className: "muted" }, `${u.agency_name || u.agency} · ${statusLabel(u.status)}`)
      )
    ),
    noIncidents.length + noUnits.length ? null : el("li", { className: "empty" }, gettext("None"))
  );
}

export function focusIncident(id) {
  const item = incidents.get(id);
  if (!item || !item.marker) return;
  incidentLayer.zoomToShowLayer(item.marker, () => item.marker.openPopup());
}
