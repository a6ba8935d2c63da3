// The supervisor's live city map: open incidents (colour = priority, shape = status, letter =
// category, halo = an open escalation), units (letter = kind, colour = status), stations and
// hospitals, today's calls by kelurahan, filters, a kecamatan panel and the wallboard strip.
//
// A snapshot comes from /api/situation/map/; after that every change arrives on the live feed
// (live.js, started by console.js) and is applied in place: one marker per incident and per
// unit, kept in a Map by id, moved with setLatLng and restyled with setIcon. Markers are
// clustered when zoomed out (Leaflet.markercluster). After a reconnection the snapshot is
// fetched again. Performance marks: "situation:first-render" and one "situation:update"
// measure per live event handled (read by benchmarks/map_render.py).

import { createMap, loadAreas } from "./map.js";
import { categoryLabel, kindLabel, priorityLabel, statusLabel } from "./labels.js";
import { api, clockFormat, duration, el, errorText, fill, fmt, jsonScript, placeText, timeEl } from "./ui.js";
import { startWallboard, watchStale } from "./wallboard.js";

const L = window.L;
const options = jsonScript("situation-options", {});
const MAX_AGE_MS = (options.position_max_age_min || 30) * 60 * 1000;
const OPEN = new Set(["new", "dispatched", "responding", "on_scene", "resolved"]);
const INCIDENT_STATUSES = new Set(options.incident_statuses.map((s) => s.code));
const UNIT_STATUSES = new Set(options.unit_statuses.map((s) => s.code));
const ACTIVE_ASSIGNMENT = new Set(["dispatched", "en_route", "on_scene", "transporting", "at_hospital"]);

const CATEGORY_GLYPH = {
  kebakaran: "K",
  bencana: "B",
  medis: "M",
  kamtibmas: "A",
  kecelakaan: "L",
  lain_lain: "·",
  mobil_jenazah: "J",
};
const KIND_GLYPH = {
  engine: "PK",
  tanker: "T",
  rescue: "R",
  ambulance: "A",
  hearse: "J",
  patrol: "P",
  motorcycle: "M",
  boat: "KP",
  truck: "TR",
  utility: "U",
  tow: "D",
};

const unitStatusLabel = statusLabel;

const agencyNames = new Map(options.agencies.map((a) => [a.code, a.name]));

// --- State ------------------------------------------------------------------------------------

const app = document.getElementById("situation-app");
const container = document.getElementById("situation-map");
const incidents = new Map(); // id → {data, marker|null}
const units = new Map(); // id → {data, marker|null}
const escalations = new Map(); // id → {id, incident_id, summary, raised_at, resolved}
let filters = { category: "", agency: "", status: "", kecamatan: "" };
let lastUpdate = new Date();
let loading = null;
let queued = [];
let generation = 0;

const { map, ready: outlinesReady } = createMap(container);
map.createPane("heat");
map.getPane("heat").classList.add("heat-pane");

const clusterOptions = (kind) => ({
  chunkedLoading: true,
  maxClusterRadius: 45,
  disableClusteringAtZoom: 16,
  spiderfyOnMaxZoom: false,
  showCoverageOnHover: false,
  iconCreateFunction: (cluster) => clusterIcon(kind, cluster),
});
const incidentLayer = L.markerClusterGroup(clusterOptions("incidents")).addTo(map);
const unitLayer = L.markerClusterGroup(clusterOptions("units")).addTo(map);
const stationLayer = L.layerGroup().addTo(map);
let heatLayer = null;
let areaHighlight = null;

function clusterIcon(kind, cluster) {
  const children = cluster.getAllChildMarkers();
  let top = 4;
  let escalated = false;
  if (kind === "incidents") {
    for (const marker of children) {
      const item = incidents.get(marker.options.itemId);
      if (!item) continue;
      top = Math.min(top, item.data.priority);
      escalated = escalated || item.data.escalated;
    }
  }
  const classes = ["sit-cluster", `cluster-${kind}`];
  if (kind === "incidents") classes.push(`p${top}`);
  if (escalated) classes.push("escalated");
  return L.divIcon({
    className: classes.join(" "),
    html: `<span>${children.length}</span>`,
    iconSize: [34, 34],
  });
}

// --- Incidents --------------------------------------------------------------------------------

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

function upsertIncident(incoming) {
  const item = incidents.get(incoming.id);
  const previous = item ? item.data : {};
  const data = {
    agencies: [],
    escalated: escalatedIncidents().has(incoming.id),
    ...previous,
    ...incoming,
  };
  if (!matchesIncident(data)) {
    removeIncident(incoming.id);
    return;
  }
  const located = data.lat != null && data.lon != null;
  if (!item) {
    const entry = { data, marker: null, key: "" };
    incidents.set(data.id, entry);
    if (located) placeIncident(entry);
    return;
  }
  item.data = data;
  if (!located) {
    if (item.marker) incidentLayer.removeLayer(item.marker);
    item.marker = null;
    return;
  }
  if (!item.marker) {
    placeIncident(item);
    return;
  }
  const position = item.marker.getLatLng();
  if (position.lat !== data.lat || position.lng !== data.lon) item.marker.setLatLng([data.lat, data.lon]);
  const key = iconKey(data);
  if (key !== item.key) {
    item.key = key;
    item.marker.setIcon(incidentIcon(data));
    incidentLayer.refreshClusters(item.marker);
  }
}

function placeIncident(entry, bulk = null) {
  entry.key = iconKey(entry.data);
  entry.marker = L.marker([entry.data.lat, entry.data.lon], {
    icon: incidentIcon(entry.data),
    itemId: entry.data.id,
    keyboard: false,
    title: `#${entry.data.id} ${entry.data.incident_type ? entry.data.incident_type.name : ""}`,
    zIndexOffset: (5 - entry.data.priority) * 100,
  });
  entry.marker.bindPopup(() => incidentPopup(incidents.get(entry.data.id).data), { maxWidth: 300 });
  if (bulk) bulk.push(entry.marker);
  else incidentLayer.addLayer(entry.marker);
}

function removeIncident(id) {
  const item = incidents.get(id);
  if (!item) return;
  if (item.marker) incidentLayer.removeLayer(item.marker);
  incidents.delete(id);
}

// --- Units ------------------------------------------------------------------------------------

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
    el("p", {}, el("span", { className: `badge us-${data.status}` }, unitStatusLabel(data.status))),
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

function upsertUnit(state, extra = {}) {
  const item = units.get(state.id);
  const data = { ...unitFrom(state, item ? item.data : {}), ...extra };
  if (!matchesUnit(data)) {
    removeUnit(data.id);
    return;
  }
  if (!item) {
    const entry = { data, marker: null, key: "" };
    units.set(data.id, entry);
    if (data.lat != null) placeUnit(entry);
    return;
  }
  item.data = data;
  if (data.lat == null) {
    if (item.marker) unitLayer.removeLayer(item.marker);
    item.marker = null;
    return;
  }
  if (!item.marker) {
    placeUnit(item);
    return;
  }
  const position = item.marker.getLatLng();
  if (position.lat !== data.lat || position.lng !== data.lon) item.marker.setLatLng([data.lat, data.lon]);
  const key = unitKey(data);
  if (key !== item.key) {
    item.key = key;
    item.marker.setIcon(unitIcon(data));
  }
}

function placeUnit(entry, bulk = null) {
  entry.key = unitKey(entry.data);
  entry.marker = L.marker([entry.data.lat, entry.data.lon], {
    icon: unitIcon(entry.data),
    itemId: entry.data.id,
    keyboard: false,
    title: entry.data.call_sign,
  });
  entry.marker.bindPopup(() => unitPopup(units.get(entry.data.id).data), { maxWidth: 280 });
  if (bulk) bulk.push(entry.marker);
  else unitLayer.addLayer(entry.marker);
}

function removeUnit(id) {
  const item = units.get(id);
  if (!item) return;
  if (item.marker) unitLayer.removeLayer(item.marker);
  units.delete(id);
}

// --- Escalations --------------------------------------------------------------------------------

function escalatedIncidents() {
  const ids = new Set();
  for (const e of escalations.values()) if (e.incident_id) ids.add(e.incident_id);
  return ids;
}

/** One entry per subject, at its highest level, newest first. */
function escalatedSubjects() {
  const top = new Map();
  for (const e of escalations.values()) {
    const known = top.get(e.key);
    if (!known || e.level > known.level) top.set(e.key, e);
  }
  return [...top.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1));
}

/** An escalation as the side list keeps it: keyed by its subject, so that a subject shows once
 * (issue #16). The snapshot's rows name the subject in two fields, the events in one. */
function escalationEntry(e) {
  const subject = e.subject || { type: e.subject_type, id: e.subject_id };
  return {
    id: e.id,
    key: subject.type ? `${e.watch}|${subject.type}|${subject.id}|${e.started_at}` : `id|${e.id}`,
    incident_id: e.incident_id ?? e.incident,
    summary: e.summary,
    raised_at: e.raised_at,
    level: e.level,
  };
}

function applyEscalation(kind, escalation) {
  // Acknowledged, or its cause ended: it leaves the map at once.
  if (kind === "escalation.acknowledged" || escalation.resolved_at) escalations.delete(escalation.id);
  else if (kind === "escalation.raised") escalations.set(escalation.id, escalationEntry(escalation));
  const escalated = escalatedIncidents();
  for (const item of incidents.values()) {
    if (Boolean(item.data.escalated) !== escalated.has(item.data.id)) {
      upsertIncident({ id: item.data.id, escalated: escalated.has(item.data.id) });
    }
  }
}

// --- Side lists ---------------------------------------------------------------------------------

let listTimer = null;
function renderLists() {
  clearTimeout(listTimer);
  listTimer = setTimeout(drawLists, 150);
}

function drawLists() {
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
        el("span", { className: "muted" }, `${u.agency_name || u.agency} · ${unitStatusLabel(u.status)}`)
      )
    ),
    noIncidents.length + noUnits.length ? null : el("li", { className: "empty" }, gettext("None"))
  );
}

function focusIncident(id) {
  const item = incidents.get(id);
  if (!item || !item.marker) return;
  incidentLayer.zoomToShowLayer(item.marker, () => item.marker.openPopup());
}

// --- Snapshot -----------------------------------------------------------------------------------

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return params;
}

function showIgnored(ignored) {
  const note = document.getElementById("filter-note");
  note.hidden = !ignored.length;
  note.textContent = ignored.length
    ? fmt(gettext("Unknown filter values were ignored: %(list)s"), {
        list: ignored.map((i) => `${i.filter}=${i.value}`).join(", "),
      })
    : "";
}

async function loadSnapshot(rawQuery = null) {
  const started = performance.now();
  loading = (async () => {
    const search = rawQuery ?? query().toString();
    const data = await api(`/api/situation/map/${search ? `?${search}` : ""}`);
    return data;
  })();
  const mine = ++generation;
  let data;
  try {
    data = await loading;
    if (mine !== generation) return; // a newer snapshot (other filters) is on its way
  } catch (error) {
    if (mine !== generation) return;
    const problem = document.getElementById("map-error");
    problem.textContent = errorText(error);
    problem.hidden = false;
    loading = null;
    queued.splice(0).forEach(handle);
    return;
  }
  document.getElementById("map-error").hidden = true;
  // The server's view of the filters, so a hand-typed URL shows what was applied.
  for (const name of Object.keys(filters)) filters[name] = (data.filters[name] || [])[0] || "";
  syncSelects();
  showIgnored(data.ignored);

  escalations.clear();
  for (const e of data.escalations) if (!e.resolved_at) escalations.set(e.id, escalationEntry(e));
  incidentLayer.clearLayers();
  unitLayer.clearLayers();
  incidents.clear();
  units.clear();
  const incidentMarkers = [];
  for (const feature of data.incidents.features) {
    const entry = { data: feature.properties, marker: null, key: "" };
    incidents.set(entry.data.id, entry);
    placeIncident(entry, incidentMarkers);
  }
  for (const props of data.unlocated.incidents) incidents.set(props.id, { data: props, marker: null, key: "" });
  const unitMarkers = [];
  for (const feature of data.units.features) {
    const entry = { data: feature.properties, marker: null, key: "" };
    units.set(entry.data.id, entry);
    placeUnit(entry, unitMarkers);
  }
  for (const props of data.unlocated.units) units.set(props.id, { data: props, marker: null, key: "" });
  incidentLayer.addLayers(incidentMarkers);
  unitLayer.addLayers(unitMarkers);
  lastUpdate = new Date();
  loading = null;
  const pending = queued;
  queued = [];
  pending.forEach(handle);
  drawLists();
  container.dataset.loaded = "true";
  performance.measure("situation:snapshot", { start: started, end: performance.now() });
}

// --- Live events ----------------------------------------------------------------------------------

function handle(event) {
  const data = event.data || {};
  const kind = event.kind;
  if (kind.startsWith("incident.") && data.incident) {
    upsertIncident(data.incident);
  } else if (kind.startsWith("ticket.") && data.ticket) {
    const ticket = data.ticket;
    const known = incidents.get(ticket.incident_id);
    const agencies = new Set(known ? known.data.agencies : []);
    if (ticket.agency && ticket.agency.code) agencies.add(ticket.agency.code);
    if (ticket.incident) upsertIncident({ ...ticket.incident, agencies: [...agencies] });
  } else if (kind.startsWith("assignment.") && data.assignment) {
    const assignment = data.assignment;
    const on = ACTIVE_ASSIGNMENT.has(assignment.status) ? assignment.incident : null;
    upsertUnit(assignment.unit, { incident: on });
  } else if ((kind === "unit.moved" || kind === "unit.status_changed") && data.unit) {
    upsertUnit(data.unit);
  } else if (kind.startsWith("escalation.") && data.escalation) {
    applyEscalation(kind, data.escalation);
  } else {
    return;
  }
  lastUpdate = new Date();
  renderLists();
}

let refetchTimer = null;
document.addEventListener("live:event", ({ detail }) => {
  if (loading) {
    queued.push(detail);
    return;
  }
  const started = performance.now();
  // A kecamatan filter needs the server to place units in areas: fetch again, shortly.
  if (filters.kecamatan && /^(unit|assignment)\./.test(detail.kind)) {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => loadSnapshot(), 1000);
  }
  handle(detail);
  performance.measure("situation:update", { start: started, end: performance.now(), detail: detail.kind });
  if (heatLayer && detail.kind.startsWith("call.")) refreshHeatLater();
});

document.addEventListener("situation:resync", () => {
  loadSnapshot();
  if (heatLayer) refreshHeat();
});

// --- Filters --------------------------------------------------------------------------------------

function option(value, label) {
  return el("option", { value }, label);
}

function buildSelects() {
  const all = gettext("All");
  fill(document.getElementById("filter-category"), option("", all), options.categories.map((c) => option(c.code, categoryLabel(c.code))));
  fill(document.getElementById("filter-agency"), option("", all), options.agencies.map((a) => option(a.code, a.name)));
  fill(
    document.getElementById("filter-status"),
    option("", all),
    el("optgroup", { label: gettext("Incidents") }, options.incident_statuses.map((s) => option(s.code, statusLabel(s.code)))),
    el(
      "optgroup",
      { label: gettext("Units") },
      options.unit_statuses
        .filter((s) => !INCIDENT_STATUSES.has(s.code))
        .map((s) => option(s.code, unitStatusLabel(s.code)))
    )
  );
  fill(document.getElementById("filter-kecamatan"), option("", all), options.kecamatan.map((k) => option(k.code, k.name)));
}

function syncSelects() {
  for (const [name, value] of Object.entries(filters)) {
    document.getElementById(`filter-${name}`).value = value;
  }
}

document.getElementById("situation-filters").addEventListener("change", (event) => {
  const select = event.target;
  filters[select.name] = select.value;
  const params = query();
  const url = `${window.location.pathname}${params.toString() ? `?${params}` : ""}`;
  window.history.replaceState(null, "", url);
  loadSnapshot();
});

// --- Layers ---------------------------------------------------------------------------------------

function toggle(id, layer) {
  document.getElementById(id).addEventListener("change", (event) => {
    if (event.target.checked) layer.addTo(map);
    else layer.remove();
  });
}
toggle("layer-incidents", incidentLayer);
toggle("layer-units", unitLayer);
toggle("layer-stations", stationLayer);

const STATION_GLYPH = { hospital: "H", puskesmas: "+", fire_station: "D", police: "P", police_post: "P", military: "T", bpbd: "B", sar: "S", ems: "A", airport: "✈", port: "⚓" };

async function loadStations() {
  try {
    const stations = await api("/api/stations/");
    for (const station of stations) {
      if (station.lat == null || station.lon == null) continue;
      const approx = station.position_quality !== "exact" ? " approx" : "";
      const marker = L.marker([station.lat, station.lon], {
        icon: L.divIcon({
          className: `sit-station kind-${station.kind}${approx}`,
          html: `<span>${STATION_GLYPH[station.kind] || "•"}</span>`,
          iconSize: [16, 16],
        }),
        keyboard: false,
        zIndexOffset: -500,
      });
      const tip = el("span", {}, station.name, station.position_quality !== "exact" ? ` (${gettext("approximate position")})` : "");
      marker.bindTooltip(tip);
      marker.addTo(stationLayer);
    }
  } catch {
    // Stations are a backdrop: the map works without them.
  }
}

// Today's calls by kelurahan: a choropleth of the desa polygons.
const HEAT_STEPS = [1, 3, 6, 10, 20];
const HEAT_COLOURS = ["#fde0c5", "#facba6", "#f59e72", "#e85d40", "#b3261e"];
function heatColour(count) {
  let colour = null;
  HEAT_STEPS.forEach((step, i) => {
    if (count >= step) colour = HEAT_COLOURS[i];
  });
  return colour;
}

async function refreshHeat() {
  const [areas, today] = await Promise.all([loadAreas(), api("/api/situation/calls-today/")]);
  const desa = areas.features.filter((f) => f.properties.level === "desa");
  if (heatLayer) heatLayer.remove();
  if (!document.getElementById("layer-heat").checked) {
    heatLayer = null;
    return;
  }
  heatLayer = L.geoJSON(
    { type: "FeatureCollection", features: desa },
    {
      pane: "heat",
      interactive: false,
      style: (feature) => {
        const count = today.areas[feature.properties.code] || 0;
        const colour = heatColour(count);
        return colour ? { stroke: false, fillColor: colour, fillOpacity: 0.65 } : { stroke: false, fillOpacity: 0 };
      },
    }
  ).addTo(map);
  container.dataset.heatTotal = String(today.total);
}
let heatTimer = null;
function refreshHeatLater() {
  clearTimeout(heatTimer);
  heatTimer = setTimeout(refreshHeat, 1500);
}
document.getElementById("layer-heat").addEventListener("change", (event) => {
  if (event.target.checked) refreshHeat();
  else if (heatLayer) {
    heatLayer.remove();
    heatLayer = null;
  }
});

// --- Kecamatan panel ---------------------------------------------------------------------------------

const panel = document.getElementById("area-panel");

async function showArea(code) {
  panel.hidden = false;
  document.getElementById("area-hint").hidden = true;
  fill(panel, el("p", { className: "empty" }, gettext("Loading…")));
  let data;
  try {
    data = await api(`/api/situation/areas/${encodeURIComponent(code)}/`);
  } catch (error) {
    fill(panel, el("p", { className: "error" }, errorText(error)));
    return;
  }
  const areas = await loadAreas().catch(() => null);
  if (areaHighlight) areaHighlight.remove();
  const feature = areas && areas.features.find((f) => f.properties.code === code);
  if (feature) {
    areaHighlight = L.geoJSON(feature, {
      pane: "outlines",
      interactive: false,
      style: { color: "#1a5fb4", weight: 3.5, fill: false, dashArray: "6 4" },
    }).addTo(map);
  }
  const close = el("button", { type: "button", className: "close", "aria-label": gettext("Close") }, "×");
  close.addEventListener("click", () => {
    panel.hidden = true;
    document.getElementById("area-hint").hidden = false;
    if (areaHighlight) areaHighlight.remove();
    areaHighlight = null;
  });
  panel.dataset.area = code;
  fill(
    panel,
    el("div", { className: "panel-head" }, el("h2", {}, data.area.level === "kecamatan" ? `${gettext("Kec.")} ${data.area.name}` : data.area.name), close),
    el(
      "p",
      { className: "area-figures" },
      el("span", { dataset: { metric: "area-open" } }, fmt(gettext("%(n)s open incidents"), { n: data.incidents.length })),
      " · ",
      el("span", { dataset: { metric: "area-calls" } }, fmt(gettext("%(n)s calls today"), { n: data.calls_today })),
      " · ",
      el("span", { dataset: { metric: "area-units" } }, fmt(gettext("%(n)s units"), { n: data.units.length }))
    ),
    el("h3", {}, gettext("Open incidents")),
    data.incidents.length
      ? el(
          "ul",
          {},
          data.incidents.map((i) =>
            el(
              "li",
              {},
              el("span", { className: `badge prio p${i.priority}` }, `P${i.priority}`),
              " ",
              el("a", { href: `/incidents/${i.id}/` }, `#${i.id} ${i.incident_type.name}`),
              " ",
              el("span", { className: "muted" }, `${statusLabel(i.status)}${i.area ? ` · ${i.area.name}` : ""}`)
            )
          )
        )
      : el("p", { className: "empty" }, gettext("None")),
    el("h3", {}, gettext("Units inside or assigned here")),
    data.units.length
      ? el(
          "ul",
          {},
          data.units.map((u) =>
            el(
              "li",
              {},
              el("span", { className: `badge us-${u.status}` }, u.call_sign),
              " ",
              el("span", { className: "muted" }, `${u.agency_name} · ${unitStatusLabel(u.status)}`),
              u.assigned_here && u.incident ? [" ", el("a", { href: `/incidents/${u.incident}/` }, `#${u.incident}`)] : null
            )
          )
        )
      : el("p", { className: "empty" }, gettext("None"))
  );
}

map.on("click", async (event) => {
  try {
    const found = await api(`/api/areas/locate/?lat=${event.latlng.lat.toFixed(6)}&lon=${event.latlng.lng.toFixed(6)}`);
    showArea(found.kecamatan.code);
  } catch {
    // A click in the sea, far from any area: nothing to show.
  }
});

// --- Legend -----------------------------------------------------------------------------------------

function legend() {
  const sample = (classes, glyph, label) =>
    el("li", {}, el("span", { className: `legend-icon ${classes}` }, el("span", { className: "shape" }, el("b", {}, glyph))), " ", label);
  const unitSample = (status) =>
    el("li", {}, el("span", { className: `legend-icon sit-unit us-${status}` }, el("span", { className: "u" }, "A")), " ", unitStatusLabel(status));
  fill(
    document.getElementById("legend"),
    el("h3", {}, gettext("Incidents: colour = priority")),
    el("ul", {}, [1, 2, 3, 4].map((p) => sample(`sit-inc p${p} st-on_scene`, "", priorityLabel(p)))),
    el("h3", {}, gettext("Shape and ring = status")),
    el("ul", {}, [...OPEN].map((s) => sample(`sit-inc p3 st-${s}`, "", statusLabel(s)))),
    sample("sit-inc p2 st-new escalated", "", gettext("Halo: open escalation")),
    el("h3", {}, gettext("Letter = category")),
    el(
      "ul",
      { className: "legend-cats" },
      Object.entries(CATEGORY_GLYPH).map(([code, glyph]) => el("li", {}, el("b", {}, glyph), " ", categoryLabel(code)))
    ),
    el("h3", {}, gettext("Units: colour = status, letters = kind")),
    el("ul", {}, ["available", "dispatched", "en_route", "on_scene", "transporting", "out_of_service"].map(unitSample)),
    el("p", { className: "muted" }, gettext("Dashed: placed at its station (no recent position).")),
    el("h3", {}, gettext("Today's calls by kelurahan")),
    el(
      "ul",
      { className: "legend-heat" },
      HEAT_STEPS.map((step, i) => el("li", {}, el("span", { className: `heat-swatch heat-${i}` }), ` ≥ ${step}`))
    )
  );
}

// --- Start ------------------------------------------------------------------------------------------

buildSelects();
legend();
const wallboardRoot = document.getElementById("wallboard");
const wallboard = startWallboard(wallboardRoot, { onArea: showArea });
document.addEventListener("situation:resync", () => wallboard.refresh());
watchStale(app, document.getElementById("stale-note"), () => lastUpdate);
loadStations();

window.situation = { map, incidents, units, incidentLayer, unitLayer, showArea, focusIncident };
window.situation.ready = Promise.all([outlinesReady, loadSnapshot(window.location.search.slice(1))]).then(() => {
  performance.mark("situation:first-render");
  container.dataset.ready = "true";
});
