// The live map's legend: what the colours, shapes and letters mean.

import { categoryLabel, priorityLabel, statusLabel } from "../labels.js";
import { el, fill } from "../ui.js";
import { HEAT_STEPS } from "./layers.js";
import { CATEGORY_GLYPH, OPEN } from "./state.js";

export function legend() {
  const sample = (classes, glyph, label) =>
    el("li", {}, el("span", { className: `legend-icon ${classes}` }, el("span", { className: "shape" }, el("b", {}, glyph))), " ", label);
  const unitSample = (status) =>
    el("li", {}, el("span", { className: `legend-icon sit-unit us-${status}` }, el("span", { className: "u" }, "A")), " ", statusLabel(status));
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
