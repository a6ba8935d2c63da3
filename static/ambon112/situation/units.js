// Units on the live map: one marker each (letter = kind, colour = status), at its tracked
// position while fresh, else at its station.

import { kindLabel, statusLabel } from "../labels.js";
import { duration, el, fmt } from "../ui.js";
import { markerKeeper } from "./markers.js";
import {
  agencyNames,
  filters,
  INCIDENT_STATUSES,
  KIND_GLYPH,
  L,
  MAX_AGE_MS,
  units,
  unitLayer,
  UNIT_STATUSES,
} from "./state.js";

/** A unit from the map API, or from a UnitStateSerializer payload (events). */
function unitFrom(state, previous = {}) {
  if ("position" in state) return { ...previous, ...state };
  const fixAt = state.last_position_at ? Date.parse(state.last_position_at) : null;
  const fresh = fixAt != null && state.last_lat != null && Date.now() - fixAt < MAX_AGE_MS;
  let lat = null;
  let lon = null;
  let position = "unknown";
  if (fresh) [lat, lon, position] = [state.last_lat, state.last_lon, "tracked"];
  else if (state.station_lat != null) [lat, lon, position] = [state.station_lat, state.station_lon, "station"];
  return {
    incident: null,
    ...previous,
    id: state.id,
    call_sign: state.call_sign,
    agency: state.agency,
    agency_name: agencyNames.get(state.agency) || previous.agency_name || state.agency,
    kind: state.kind,
    status: state.status,
    station: state.station,
    lat,
    lon,
    position,
    last_position_at: state.last_position_at,
  };
}

function unitIcon(data) {
  const classes = ["sit-unit", `us-${data.status}`, `kind-${data.kind}`, data.position === "station" ? "at-station" : ""];
  return L.divIcon({
    className: classes.filter(Boolean).join(" "),
    html: `<span class="u" data-unit="${Number(data.id)}">${KIND_GLYPH[data.kind] || "U"}</span>`,
    iconSize: [26, 18],
  });
}

function positionText(data) {
  if (data.position === "tracked") {
    return fmt(gettext("Tracked position, %(age)s ago"), { age: ageText(data.last_position_at) });
  }
  if (data.position === "station") {
    const base = fmt(gettext("At its station (%(station)s)"), { station: data.station || "—" });
    return data.last_position_at
      ? `${base}; ${fmt(gettext("last fix %(age)s ago"), { age: ageText(data.last_position_at) })}`
      : base;
  }
  return gettext("Position unknown");
}

function ageText(iso) {
  return duration((Date.now() - Date.parse(iso)) / 1000);
}

function unitPopup(data) {
  return el(
    "div",
    { className: "sit-popup" },
    el("h3", {}, data.call_sign),
    el("p", {}, data.agency_name || data.agency, " · ", kindLabel(data.kind)),
    el("p", {}, el("span", { className: `badge us-${data.status}` }, statusLabel(data.status))),
    el("p", { className: "muted" }, positionText(data)),
    data.incident
      ? el("a", { href: `/incidents/${data.incident}/` }, fmt(gettext("On incident #%(id)s"), { id: data.incident }), " →")
      : null
  );
}

function matchesUnit(data) {
  if (filters.agency && data.agency !== filters.agency) return false;
  const unitStatus = filters.status && UNIT_STATUSES.has(filters.status) && !INCIDENT_STATUSES.has(filters.status);
  if (unitStatus && data.status !== filters.status) return false;
  return true;
}

const unitKey = (data) => `${data.status}|${data.kind}|${data.position}`;

export const unitMarkers = markerKeeper({
  items: units,
  layer: unitLayer,
  icon: unitIcon,
  iconKey: unitKey,
  options: (data) => ({ title: data.call_sign }),
  popup: unitPopup,
  popupWidth: 280,
});

export function upsertUnit(state, extra = {}) {
  const item = units.get(state.id);
  const data = { ...unitFrom(state, item ? item.data : {}), ...extra };
  if (!matchesUnit(data)) {
    unitMarkers.remove(data.id);
    return;
  }
  unitMarkers.keep(data);
}
