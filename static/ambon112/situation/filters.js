// The live map's filters (category, agency, status, kecamatan), kept in the page's URL.

import { categoryLabel, statusLabel } from "../labels.js";
import { el, fill, fmt } from "../ui.js";
import { loadSnapshot } from "./feed.js";
import { filters, INCIDENT_STATUSES, options } from "./state.js";

export function query() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return params;
}

export function showIgnored(ignored) {
  const note = document.getElementById("filter-note");
  note.hidden = !ignored.length;
  note.textContent = ignored.length
    ? fmt(gettext("Unknown filter values were ignored: %(list)s"), {
        list: ignored.map((i) => `${i.filter}=${i.value}`).join(", "),
      })
    : "";
}

function option(value, label) {
  return el("option", { value }, label);
}

export function buildSelects() {
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
        .map((s) => option(s.code, statusLabel(s.code)))
    )
  );
  fill(document.getElementById("filter-kecamatan"), option("", all), options.kecamatan.map((k) => option(k.code, k.name)));
}

export function syncSelects() {
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
