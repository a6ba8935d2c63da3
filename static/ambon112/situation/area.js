// The kecamatan panel: its open incidents, calls today and units, for the area clicked on the
// map or on the wallboard.

import { statusLabel } from "../labels.js";
import { loadAreas } from "../map.js";
import { api, el, errorText, fill, fmt } from "../ui.js";
import { L, map } from "./state.js";

const panel = document.getElementById("area-panel");
let areaHighlight = null;

const listOrNone = (items, row) => (items.length ? el("ul", {}, items.map(row)) : el("p", { className: "empty" }, gettext("None")));

export async function showArea(code) {
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
    listOrNone(data.incidents, (i) =>
      el(
        "li",
        {},
        el("span", { className: `badge prio p${i.priority}` }, `P${i.priority}`),
        " ",
        el("a", { href: `/incidents/${i.id}/` }, `#${i.id} ${i.incident_type.name}`),
        " ",
        el("span", { className: "muted" }, `${statusLabel(i.status)}${i.area ? ` · ${i.area.name}` : ""}`)
      )
    ),
    el("h3", {}, gettext("Units inside or assigned here")),
    listOrNone(data.units, (u) =>
      el(
        "li",
        {},
        el("span", { className: `badge us-${u.status}` }, u.call_sign),
        " ",
        el("span", { className: "muted" }, `${u.agency_name} · ${statusLabel(u.status)}`),
        u.assigned_here && u.incident ? [" ", el("a", { href: `/incidents/${u.incident}/` }, `#${u.incident}`)] : null
      )
    )
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
