// The live map's data: a snapshot from /api/situation/map/, then every change from the live feed
// applied in place; events that arrive while a snapshot is on its way wait for it.

import { api, errorText } from "../ui.js";
import { applyEscalation, escalationEntry } from "./escalations.js";
import { query, showIgnored, syncSelects } from "./filters.js";
import { incidentMarkers, upsertIncident } from "./incidents.js";
import { heatShown, refreshHeat, refreshHeatLater } from "./layers.js";
import { drawLists, renderLists } from "./lists.js";
import { ACTIVE_ASSIGNMENT, container, escalations, filters, incidents } from "./state.js";
import { unitMarkers, upsertUnit } from "./units.js";

let lastUpdate = new Date();
let loading = null;
let queued = [];
let generation = 0;

/** When the map last had news from the server. */
export const lastUpdated = () => lastUpdate;

export async function loadSnapshot(rawQuery = null) {
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
  const located = (collection) => collection.features.map((feature) => feature.properties);
  incidentMarkers.reset(located(data.incidents), data.unlocated.incidents);
  unitMarkers.reset(located(data.units), data.unlocated.units);
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
  if (heatShown() && detail.kind.startsWith("call.")) refreshHeatLater();
});

document.addEventListener("situation:resync", () => {
  loadSnapshot();
  if (heatShown()) refreshHeat();
});
