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

import { showArea } from "./situation/area.js";
import { lastUpdated, loadSnapshot } from "./situation/feed.js";
import { buildSelects } from "./situation/filters.js";
import { loadStations } from "./situation/layers.js";
import { legend } from "./situation/legend.js";
import { focusIncident } from "./situation/lists.js";
import {
  app,
  container,
  incidentLayer,
  incidents,
  map,
  outlinesReady,
  unitLayer,
  units,
} from "./situation/state.js";
import { startWallboard, watchStale } from "./wallboard.js";

buildSelects();
legend();
const wallboardRoot = document.getElementById("wallboard");
const wallboard = startWallboard(wallboardRoot, { onArea: showArea });
document.addEventListener("situation:resync", () => wallboard.refresh());
watchStale(app, document.getElementById("stale-note"), lastUpdated);
loadStations();

window.situation = { map, incidents, units, incidentLayer, unitLayer, showArea, focusIncident };
window.situation.ready = Promise.all([outlinesReady, loadSnapshot(window.location.search.slice(1))]).then(() => {
  performance.mark("situation:first-render");
  container.dataset.ready = "true";
});
