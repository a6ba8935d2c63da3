// The intake form's incident type and location: the type picker, the kelurahan picker, the
// handset's fix (AML) and the map, and what the server says of the point chosen.

import { categoryLabel } from "../labels.js";
import { createMap, desaList } from "../map.js";
import { picker } from "../picker.js";
import { api, ApiError, distance, el, errorText, fill, fmt, jsonScript, notify } from "../ui.js";
import { checkDuplicates } from "./incident.js";
import {
  $,
  detected,
  duplicates,
  dupList,
  field,
  form,
  formError,
  state,
  toasts,
  useAmlButton,
} from "./state.js";

let intakeMap = null;

export function resetForm() {
  form.reset();
  typePicker.clear({ silent: true });
  areaPicker.clear({ silent: true });
  state.spot = null;
  if (intakeMap) intakeMap.clearPoint();
  fill(detected, el("span", { className: "muted" }, gettext("No location yet.")));
  duplicates.hidden = true;
  dupList.replaceChildren();
  formError.textContent = "";
}

const LANG = (document.documentElement.lang || "id").slice(0, 2);

async function incidentTypes() {
  const embedded = jsonScript("incident-types");
  if (embedded && embedded.length) return embedded;
  const types = await api("/api/incident-types/");
  const list = Array.isArray(types) ? types : types.results || [];
  return list.map((t) => ({
    code: t.code,
    name: t.name || (LANG === "en" ? t.name_en : t.name_id),
    name_en: t.name_en,
    category: t.category,
    default_priority: t.default_priority,
  }));
}

export const typePicker = picker(field.type, {
  max: 10,
  onPick(item) {
    if (!item) {
      duplicates.hidden = true;
      return;
    }
    field.priority.value = String(item.default_priority);
    // Where the next keystroke is most useful: the handset fix, else the kelurahan.
    if (!state.spot && state.current && state.current.aml) useAmlButton.focus();
    else if (!state.spot) field.area.focus();
    else field.address.focus();
    checkDuplicates();
  },
});

incidentTypes()
  .then((types) =>
    typePicker.setItems(
      types.map((t) => ({
        ...t,
        label: t.name,
        hint: `${categoryLabel(t.category)} · P${t.default_priority}`,
        search: `${categoryLabel(t.category)} ${t.category} ${t.code.replace(/[._]/g, " ")} ${t.name_en || ""}`,
      }))
    )
  )
  .catch((error) => notify(toasts, errorText(error), "error"));

export const areaPicker = picker(field.area, {
  max: 8,
  onPick(item) {
    if (!item) return;
    state.spot = { lat: item.lat, lon: item.lon, source: "area", area: item.code };
    if (intakeMap) {
      intakeMap.setPoint(item.lat, item.lon, { approximate: true });
      intakeMap.highlightArea(item.code);
    }
    fill(detected, 
      el("strong", {}, item.label),
      ", ",
      fmt(gettext("Kec. %(name)s"), { name: item.kecamatan }),
      el("span", { className: "muted" }, ` — ${gettext("centre of the kelurahan; add the address")}`)
    );
    field.address.focus();
    checkDuplicates();
  },
});

desaList()
  .then((desa) =>
    areaPicker.setItems(
      desa.map((d, _i, all) => ({
        code: d.code,
        label: d.name,
        // Two areas may share a name (Nusaniwe, Urimessing): the code tells them apart.
        hint: [
          fmt(gettext("Kec. %(name)s"), { name: d.kecamatan }),
          all.filter((other) => other.name === d.name).length > 1 ? d.code : null,
        ].filter(Boolean).join(" · "),
        search: d.kecamatan,
        kecamatan: d.kecamatan,
        lat: d.label[0],
        lon: d.label[1],
      }))
    )
  )
  .catch((error) => notify(toasts, errorText(error), "error"));

export function ensureMap() {
  if (intakeMap || !window.L) return;
  intakeMap = createMap($("intake-map"), {
    onClick: (latlng) => placePoint(latlng.lat, latlng.lng, "map"),
  });
}

async function describePoint(lat, lon) {
  const asked = state.spot;
  fill(detected, el("span", { className: "muted" }, gettext("Finding the kelurahan…")));
  try {
    const where = await api(`/api/areas/locate/?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
    if (state.spot !== asked) return;
    if (intakeMap) intakeMap.highlightArea(where.desa.code);
    fill(detected, 
      gettext("Kelurahan/desa:"),
      " ",
      el("strong", { className: "desa" }, where.desa.name),
      " · ",
      gettext("Kecamatan:"),
      " ",
      el("strong", { className: "kecamatan" }, where.kecamatan.name),
      " · ",
      where.regency ? where.regency.name : "",
      where.approximate
        ? el(
            "span",
            { className: "badge warn" },
            fmt(gettext("approximate, %(d)s from the nearest area"), { d: distance(where.distance_m) })
          )
        : null
    );
  } catch (error) {
    if (state.spot !== asked) return;
    if (error instanceof ApiError && error.status === 404) {
      fill(detected, 
        el("span", { className: "badge bad" }, gettext("Outside Ambon Island")),
        " ",
        gettext("The incident will be marked outside coverage.")
      );
    } else {
      fill(detected, el("span", { className: "error" }, errorText(error)));
    }
  }
}

function placePoint(lat, lon, source, radius = null) {
  state.spot = { lat, lon, source };
  areaPicker.clear({ silent: true });
  if (intakeMap) intakeMap.setPoint(lat, lon, { radius });
  describePoint(lat, lon);
  checkDuplicates();
}

export function useAml() {
  if (!state.current || !state.current.aml) {
    notify(toasts, gettext("No handset location received for this call."), "error");
    return;
  }
  const { lat, lon, radius_m: radius } = state.current.aml;
  placePoint(lat, lon, "aml", radius);
  field.address.focus();
}
