// Quakes that matter, on the live map: the epicentre (sized by magnitude, red when BMKG says
// it may cause a tsunami) joined to Kota Ambon by a dashed line, labelled with the banner's
// words ("Gempa M6,5 — 45 km timur laut Ambon, pukul 08.46 WIT …"). Redrawn on hazard events.
import { api } from "./ui.js";

const CITY = [-3.6954, 128.1814]; // hazards/geo.py CITY
const banner = document.getElementById("hazard-banner");

async function start() {
  while (!window.situation) await new Promise((resolve) => setTimeout(resolve, 100));
  const L = window.L;
  const { map } = window.situation;
  const layer = L.layerGroup().addTo(map);
  const container = map.getContainer();

  async function draw() {
    const situation = await api(banner.dataset.url);
    layer.clearLayers();
    for (const quake of situation.quakes) {
      const colour = quake.tsunami ? "#b00020" : "#7a1f00";
      L.polyline([CITY, [quake.lat, quake.lon]], { color: colour, weight: 2, dashArray: "6 6", interactive: false }).addTo(layer);
      L.circleMarker([quake.lat, quake.lon], {
        radius: 4 + 2 * quake.magnitude,
        color: colour,
        fillColor: colour,
        fillOpacity: 0.35,
        className: "hazard-quake",
      })
        .bindTooltip(quake.banner, { permanent: true, direction: "top", className: "hazard-quake-label" })
        .addTo(layer);
    }
    container.dataset.quakes = String(situation.quakes.length);
  }

  document.addEventListener("live:event", ({ detail }) => {
    if (detail.kind.startsWith("quake.")) draw().catch(() => {});
  });
  await draw().catch(() => {});
}

if (banner) start();
