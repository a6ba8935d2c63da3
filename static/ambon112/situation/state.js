// The live city map: its options from the page, its elements, the map and its layers, and the
// incidents, units and escalations on it. Shared by the map's modules (situation.js and
// situation/*.js).

import { createMap } from "../map.js";
import { jsonScript } from "../ui.js";

export const L = window.L;
export const options = jsonScript("situation-options", {});
export const MAX_AGE_MS = (options.position_max_age_min || 30) * 60 * 1000;
export const OPEN = new Set(["new", "dispatched", "responding", "on_scene", "resolved"]);
export const INCIDENT_STATUSES = new Set(options.incident_statuses.map((s) => s.code));
export const UNIT_STATUSES = new Set(options.unit_statuses.map((s) => s.code));
export const ACTIVE_ASSIGNMENT = new Set(["dispatched", "en_route", "on_scene", "transporting", "at_hospital"]);

export const CATEGORY_GLYPH = {
  kebakaran: "K",
  bencana: "B",
  medis: "M",
  kamtibmas: "A",
  kecelakaan: "L",
  lain_lain: "·",
  mobil_jenazah: "J",
};
export const KIND_GLYPH = {
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

export const agencyNames = new Map(options.agencies.map((a) => [a.code, a.name]));

export const app = document.getElementById("situation-app");
export const container = document.getElementById("situation-map");
export const incidents = new Map(); // id → {data, marker|null}
export const units = new Map(); // id → {data, marker|null}
export const escalations = new Map(); // id → {id, incident_id, summary, raised_at, resolved}
export const filters = { category: "", agency: "", status: "", kecamatan: "" };

export const { map, ready: outlinesReady } = createMap(container);
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
export const incidentLayer = L.markerClusterGroup(clusterOptions("incidents")).addTo(map);
export const unitLayer = L.markerClusterGroup(clusterOptions("units")).addTo(map);
export const stationLayer = L.layerGroup().addTo(map);

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
