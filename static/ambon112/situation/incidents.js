// Incidents on the live map: one marker each (colour = priority, shape = status, letter =
// category, halo = an open escalation), moved and restyled in place.

import { categoryLabel, priorityLabel, statusLabel } from "../labels.js";
import { el, placeText, timeEl } from "../ui.js";
import { escalatedIncidents } from "./escalations.js";
import { markerKeeper } from "./markers.js";
import {
  agencyNames,
  CATEGORY_GLYPH,
  filters,
  incidentLayer,
  incidents,
  INCIDENT_STATUSES,
  L,
  OPEN,
} from "./state.js";

function incidentIcon(data) {
  const classes = [
    "sit-inc",
    `p${data.priority}`,
    `st-${data.status}`,
    `cat-${data.category}`,
    data.escalated ? "escalated" : "",
    data.location_approximate ? "approx" : "",
  ];
  return L.divIcon({
    className: classes.filter(Boolean).join(" "),
    html: `<span class="shape" data-incident="${Number(data.id)}"><b>${CATEGORY_GLYPH[data.category] || "·"}</b></span>`,
    iconSize: [24, 24],
  });
}

const iconKey = (data) => `${data.priority}|${data.status}|${data.category}|${data.escalated}|${data.location_approximate}`;

function incidentPopup(data) {
  return el(
    "div",
    { className: "sit-popup" },
    el("h3", {}, `#${data.id} `, data.incident_type ? data.incident_type.name : ""),
    el(
      "p",
      {},
      el("span", { className: `badge prio p${data.priority}` }, priorityLabel(data.priority)),
      " ",
      el("span", { className: `badge st-${data.status}` }, statusLabel(data.status))
    ),
    el("p", {}, categoryLabel(data.category), " · ", placeText(data) || gettext("No location")),
    data.address ? el("p", { className: "muted" }, data.address) : null,
    el("p", { className: "muted" }, gettext("Created"), " ", timeEl(data.created_at)),
    data.agencies && data.agencies.length
      ? el("p", {}, gettext("Agencies"), ": ", data.agencies.map((code) => agencyNames.get(code) || code).join(", "))
      : el("p", { className: "muted" }, gettext("Not forwarded yet")),
    data.escalated ? el("p", { className: "error" }, gettext("Escalated: something is waiting too long")) : null,
    data.location_approximate ? el("p", { className: "muted" }, gettext("Approximate location")) : null,
    el("a", { href: `/incidents/${data.id}/` }, gettext("Open the incident"), " →")
  );
}

function matchesIncident(data) {
  if (!OPEN.has(data.status)) return false;
  if (filters.category && data.category !== filters.category) return false;
  // `status` narrows the layer it names; dispatched and on_scene name incidents first.
  if (filters.status && INCIDENT_STATUSES.has(filters.status) && data.status !== filters.status) return false;
  if (filters.kecamatan && (!data.kecamatan || data.kecamatan.code !== filters.kecamatan)) return false;
  if (filters.agency && !(data.agencies || []).includes(filters.agency)) return false;
  return true;
}

export const incidentMarkers = markerKeeper({
  items: incidents,
  layer: incidentLayer,
  icon: incidentIcon,
  iconKey,
  options: (data) => ({
    title: `#${data.id} ${data.incident_type ? data.incident_type.name : ""}`,
    zIndexOffset: (5 - data.priority) * 100,
  }),
  popup: incidentPopup,
  popupWidth: 300,
  refreshClusters: true,
});

export function upsertIncident(incoming) {
  const item = incidents.get(incoming.id);
  const previous = item ? item.data : {};
  const data = {
    agencies: [],
    escalated: escalatedIncidents().has(incoming.id),
    ...previous,
    ...incoming,
  };
  if (!matchesIncident(data)) {
    incidentMarkers.remove(incoming.id);
    return;
  }
  incidentMarkers.keep(data);
}
