// The agency's units: on a board (service status, position age) and on a map, placed by hand
// where a unit has no tracker.

import { kindLabel } from "../labels.js";
import { createMap } from "../map.js";
import { api, el, fill, fmt } from "../ui.js";
import { ask } from "./ask.js";
import { ageSpan, statusBadge } from "./badges.js";
import { renderRecommendation } from "./recommend.js";
import { $, AGENCY, desk, run, selectedTicket, units } from "./state.js";

let deskMap = null;
const unitMarkers = new Map(); // unit id -> its dot on the map

export function upsertUnit(unit) {
  if (!unit || unit.agency !== AGENCY) return;
  units.set(unit.id, unit);
  renderFleet();
  if (desk.recommendation && unit.status !== "available") {
    // Gone from the candidates at once; the refreshed desk.recommendation says why.
    const { candidates } = desk.recommendation;
    desk.recommendation.candidates = candidates.filter((c) => c.unit.id !== unit.id);
    if (desk.recommendation.candidates.length !== candidates.length) renderRecommendation();
  }
}

function fleetRow(unit) {
  const placing = unit.id === desk.placingId;
  const service =
    unit.status === "available"
      ? el("button", { type: "button", className: "service", dataset: { id: unit.id, inService: "false" } }, gettext("Out of service"))
      : unit.status === "out_of_service"
        ? el("button", { type: "button", className: "service", dataset: { id: unit.id, inService: "true" } }, gettext("Back in service"))
        : null;
  return el(
    "tr",
    { dataset: { id: unit.id, callSign: unit.call_sign }, className: placing ? "placing" : "" },
    el("td", {}, el("strong", {}, unit.call_sign)),
    el("td", {}, kindLabel(unit.kind)),
    el("td", { className: "station", title: unit.station || "" }, unit.station || "–"),
    el("td", {}, statusBadge(unit.status)),
    el("td", { className: "age-cell" }, ageSpan(unit.last_position_at)),
    el(
      "td",
      { className: "unit-actions" },
      el(
        "button",
        { type: "button", className: "place", dataset: { id: unit.id }, "aria-pressed": String(placing), title: gettext("Then click the map where the unit is") },
        gettext("Place on map")
      ),
      service
    )
  );
}

function renderFleet() {
  const list = [...units.values()].sort((a, b) => a.call_sign.localeCompare(b.call_sign, "id", { numeric: true }));
  fill($("fleet-rows"), list.map(fleetRow));
  $("fleet-empty").hidden = list.length > 0;
  renderUnitMarkers(list);
}

const UNIT_COLOURS = { available: "#1e7a34", out_of_service: "#5c6570" }; // else on a call

/** A dot with its call sign per unit with a known position, moved in place as it changes. */
function renderUnitMarkers(list) {
  if (!deskMap) return;
  const shown = new Set();
  for (const unit of list) {
    if (unit.last_lat == null || unit.last_lon == null) continue;
    shown.add(unit.id);
    let marker = unitMarkers.get(unit.id);
    if (!marker) {
      const label = el("span", {}, unit.call_sign);
      marker = window.L.circleMarker([unit.last_lat, unit.last_lon], {
        radius: 6,
        pane: "marks",
        color: "#fff",
        weight: 2,
        fillOpacity: 1,
        interactive: false,
      })
        .bindTooltip(label, { permanent: true, direction: "right", offset: [6, 0], className: "unit-label" })
        .addTo(deskMap.map);
      unitMarkers.set(unit.id, marker);
    }
    marker.setLatLng([unit.last_lat, unit.last_lon]);
    marker.setStyle({ fillColor: UNIT_COLOURS[unit.status] || "#1a5fb4" });
  }
  for (const [id, marker] of unitMarkers) {
    if (shown.has(id)) continue;
    marker.remove();
    unitMarkers.delete(id);
  }
}

export function showIncidentOnMap(pan) {
  const ticket = selectedTicket();
  if (!deskMap) return;
  const incident = ticket && ticket.incident;
  if (!incident || incident.lat == null) {
    deskMap.clearPoint();
    return;
  }
  deskMap.setPoint(incident.lat, incident.lon, { approximate: incident.location_approximate, pan });
  deskMap.highlightArea(incident.area ? incident.area.code : null);
}

export function startPlacing(id) {
  desk.placingId = desk.placingId === id ? null : id;
  const unit = units.get(desk.placingId);
  $("placing").textContent = unit
    ? fmt(gettext("Click the map where %(unit)s is. Esc stops."), { unit: unit.call_sign })
    : "";
  $("desk-map").classList.toggle("placing", Boolean(unit));
  renderFleet();
}

function placeUnit(latlng) {
  const unit = units.get(desk.placingId);
  if (!unit) return;
  run(async () => {
    const body = { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) };
    upsertUnit(await api(`/api/fleet/${unit.id}/position/`, { method: "POST", body }));
    if (desk.placingId === unit.id) startPlacing(unit.id); // placed: stop placing
  });
}

export function setService(unit, inService) {
  const post = (reason) =>
    api(`/api/fleet/${unit.id}/service/`, { method: "POST", body: { in_service: inService, reason } });
  if (inService) {
    run(async () => upsertUnit(await post("")));
    return;
  }
  ask({
    title: fmt(gettext("Take %(unit)s out of service"), { unit: unit.call_sign }),
    label: gettext("Reason (breakdown, no crew, maintenance…)"),
    submit: gettext("Out of service"),
    action: async ({ reason }) => upsertUnit(await post(reason)),
  });
}

export async function loadFleet() {
  const list = await api("/api/fleet/");
  units.clear();
  for (const unit of list) units.set(unit.id, unit);
  renderFleet();
}

export function startMap() {
  if (window.L) deskMap = createMap($("desk-map"), { onClick: placeUnit });
}
