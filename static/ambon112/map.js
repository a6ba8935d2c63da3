// Map of Ambon Island for the consoles: Leaflet (vendored by django-leaflet, loaded as a
// classic script before this module) with the kecamatan and desa/kelurahan outlines drawn
// from /api/areas/ above the tiles, so the map is usable when no tile server answers.

import { api, jsonScript } from "./ui.js";

const DEFAULTS = {
  center: [-3.6954, 128.1814],
  zoom: 12,
  tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
};

let areasPromise = null;

/** Every area of Ambon Island as GeoJSON, fetched once per page. */
export function loadAreas() {
  if (!areasPromise) {
    areasPromise = api("/api/areas/").catch((error) => {
      areasPromise = null;
      throw error;
    });
  }
  return areasPromise;
}

/** Desa/kelurahan for a picker: [{code, name, kecamatan, label: [lat, lon]}], by name. */
export async function desaList() {
  const areas = await loadAreas();
  const kecamatan = new Map(
    areas.features
      .filter((f) => f.properties.level === "kecamatan")
      .map((f) => [f.properties.code, f.properties.name])
  );
  return areas.features
    .filter((f) => f.properties.level === "desa")
    .map((f) => ({
      code: f.properties.code,
      name: f.properties.name,
      kecamatan: kecamatan.get(f.properties.parent) || "",
      label: [f.properties.label[1], f.properties.label[0]],
    }))
    .sort((a, b) => a.name.localeCompare(b.name, "id"));
}

/** Kecamatan for a filter: [{code, name}], by name. */
export async function kecamatanList() {
  const areas = await loadAreas();
  return areas.features
    .filter((f) => f.properties.level === "kecamatan")
    .map((f) => ({ code: f.properties.code, name: f.properties.name }))
    .sort((a, b) => a.name.localeCompare(b.name, "id"));
}

const LABEL_ZOOM = 14;
const POINT_ZOOM = 15;
const HIGHLIGHT_STYLE = { color: "#b3261e", weight: 2.5, opacity: 1, fillColor: "#f4b400", fillOpacity: 0.25 };
const OUTLINE_STYLE = {
  kecamatan: { color: "#20262e", weight: 2.2, opacity: 0.9, fill: false },
  desa: { color: "#5c6570", weight: 1, opacity: 0.8, fillColor: "#9fb3c8", fillOpacity: 0.08 },
};

/**
 * A map in `container`. Options: onClick(latlng) when the map is clicked.
 * Returns {map, setPoint, clearPoint, showIncidents, ready}.
 */
export function createMap(container, { onClick = null, interactive = true } = {}) {
  const config = { ...DEFAULTS, ...(jsonScript("map-config") || {}) };
  const L = window.L;
  const map = L.map(container, {
    center: config.center,
    zoom: config.zoom,
    zoomControl: interactive,
    keyboard: interactive,
    attributionControl: true,
  });
  map.attributionControl.setPrefix("Leaflet");
  if (config.tiles) {
    L.tileLayer(config.tiles, {
      maxZoom: 19,
      attribution: config.attribution || "© OpenStreetMap",
    }).addTo(map);
  }
  map.createPane("outlines");
  map.getPane("outlines").classList.add("outline-pane");
  map.createPane("labels");
  map.getPane("labels").classList.add("labels-pane");
  map.createPane("marks");
  map.getPane("marks").classList.add("marks-pane");

  let desaLayer = null;
  let highlighted = null;
  const labels = L.layerGroup();
  const ready = loadAreas()
    .then((areas) => {
      const byLevel = (level) => ({
        type: "FeatureCollection",
        features: areas.features.filter((f) => f.properties.level === level),
      });
      desaLayer = L.geoJSON(byLevel("desa"), {
        pane: "outlines",
        style: OUTLINE_STYLE.desa,
        interactive: false,
      }).addTo(map);
      L.geoJSON(byLevel("kecamatan"), {
        pane: "outlines",
        style: OUTLINE_STYLE.kecamatan,
        interactive: false,
      }).addTo(map);
      // Kelurahan names when zoomed in: the map reads without any tile server.
      for (const feature of byLevel("desa").features) {
        const name = document.createElement("span");
        name.textContent = feature.properties.name;
        const [lon, lat] = feature.properties.label;
        L.tooltip({
          permanent: true,
          direction: "center",
          offset: [0, 14], // just under the label point, where a kelurahan's incidents sit
          className: "area-label",
          interactive: false,
          pane: "labels",
        })
          .setLatLng([lat, lon])
          .setContent(name)
          .addTo(labels);
      }
      const showLabels = () => {
        if (map.getZoom() >= LABEL_ZOOM) labels.addTo(map);
        else labels.remove();
      };
      map.on("zoomend", showLabels);
      showLabels();
      if (highlighted) highlightArea(highlighted);
      container.dataset.outlines = String(areas.features.length);
    })
    .catch(() => {
      container.dataset.outlines = "0";
    });

  /** Shade one desa/kelurahan (the one the point fell in), or none. */
  function highlightArea(code) {
    highlighted = code;
    if (!desaLayer) return;
    desaLayer.eachLayer((layer) => {
      const on = code && layer.feature.properties.code === code;
      layer.setStyle(on ? HIGHLIGHT_STYLE : OUTLINE_STYLE.desa);
    });
  }

  let point = null;
  let ring = null;

  function clearPoint() {
    if (point) point.remove();
    if (ring) ring.remove();
    point = ring = null;
    highlightArea(null);
  }

  /** Mark a point; radius_m draws the fix's uncertainty; approximate draws it dashed. */
  function setPoint(lat, lon, { radius = null, approximate = false, pan = true } = {}) {
    clearPoint();
    if (radius) {
      ring = L.circle([lat, lon], {
        radius,
        pane: "marks",
        color: "#1a5fb4",
        weight: 1,
        fillOpacity: 0.12,
        interactive: false,
      }).addTo(map);
    }
    point = L.circleMarker([lat, lon], {
      radius: 9,
      pane: "marks",
      color: "#fff",
      weight: 3,
      fillColor: "#b3261e",
      fillOpacity: 1,
      dashArray: approximate ? "4 3" : null,
      interactive: false,
    }).addTo(map);
    if (pan) map.setView([lat, lon], Math.max(map.getZoom(), POINT_ZOOM), { animate: false });
  }

  let incidentsLayer = null;
  /** Small markers for incidents (id, lat, lon, priority), each with a title. */
  function showIncidents(incidents, { onSelect = null } = {}) {
    if (incidentsLayer) incidentsLayer.remove();
    incidentsLayer = L.layerGroup().addTo(map);
    for (const incident of incidents) {
      if (incident.lat == null || incident.lon == null) continue;
      const marker = L.circleMarker([incident.lat, incident.lon], {
        radius: 7,
        pane: "marks",
        color: "#fff",
        weight: 2,
        fillColor: incident.priority === 1 ? "#b3261e" : incident.priority === 2 ? "#c26a00" : "#1a5fb4",
        fillOpacity: 1,
      });
      const tip = document.createElement("span");
      tip.textContent = `#${incident.id} ${incident.incident_type ? incident.incident_type.name : ""}`;
      marker.bindTooltip(tip);
      if (onSelect) marker.on("click", () => onSelect(incident));
      marker.addTo(incidentsLayer);
    }
  }

  if (onClick) map.on("click", (event) => onClick(event.latlng));

  return { map, setPoint, clearPoint, highlightArea, showIncidents, ready };
}
