// The live map's layers: incidents, units and stations shown or hidden, the stations and
// hospitals, and today's calls by kelurahan (a choropleth of the desa polygons).

import { loadAreas } from "../map.js";
import { api, el } from "../ui.js";
import { container, incidentLayer, L, map, stationLayer, unitLayer } from "./state.js";

let heatLayer = null;

/** True while today's calls are drawn. */
export const heatShown = () => Boolean(heatLayer);

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

export async function loadStations() {
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
export const HEAT_STEPS = [1, 3, 6, 10, 20];
const HEAT_COLOURS = ["#fde0c5", "#facba6", "#f59e72", "#e85d40", "#b3261e"];
function heatColour(count) {
  let colour = null;
  HEAT_STEPS.forEach((step, i) => {
    if (count >= step) colour = HEAT_COLOURS[i];
  });
  return colour;
}

export async function refreshHeat() {
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
export function refreshHeatLater() {
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
