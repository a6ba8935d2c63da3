// The supervisor's hazard desk: BMKG's quakes and feeds, the major incident, public warnings
// (CAP). Every write goes over the API; the page reloads its lists when a hazard event arrives.
import { api, el, errorText, fill, fmt, jsonScript, timeEl } from "./ui.js";

const options = jsonScript("hazard-options", {});
const desk = document.getElementById("hazard-desk");
const me = desk.dataset.me;
const $ = (id) => document.getElementById(id);
const LANG = document.documentElement.lang || "id";
const magnitude = new Intl.NumberFormat(LANG, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const WIT_MS = 9 * 3600 * 1000;
let followUp = null; // the published warning the form updates, if any
const areaNames = Object.fromEntries(options.areas.map((a) => [a.code, a.name]));

function selectOptions(select, choices) {
  fill(select, choices.map((c) => el("option", { value: c.value }, c.label)));
}

function areaPicker(container, prefix) {
  const kecamatan = options.areas.filter((a) => a.level === "kecamatan");
  for (const k of kecamatan) {
    const box = (area, className) =>
      el(
        "label",
        { className },
        el("input", { type: "checkbox", value: area.code, dataset: { parent: area.parent || "" }, id: `${prefix}-${area.code}` }),
        " ",
        area.name,
      );
    container.append(box(k, "kecamatan"));
    for (const desa of options.areas.filter((a) => a.parent === k.code)) container.append(box(desa, "desa"));
  }
}

const checkedCodes = (container) =>
  [...container.querySelectorAll("input:checked")].map((input) => input.value);

/** A datetime-local value read as WIT, as ISO 8601 with its offset. */
const witValue = (input) => (input.value ? `${input.value}:00+09:00` : null);
const witInput = (date) => new Date(date.getTime() + WIT_MS).toISOString().slice(0, 16);

function renderFeeds(feeds) {
  fill(
    $("hazard-feeds"),
    feeds.length
      ? feeds.map((feed) =>
          el(
            "li",
            { className: feed.ok ? "ok" : "failing" },
            feed.ok
              ? fmt(gettext("BMKG feed “%(name)s”: read"), feed)
              : fmt(gettext("BMKG feed “%(name)s” is failing: %(error)s — since"), feed),
            " ",
            timeEl(feed.ok ? feed.ok_at : feed.failing_since),
            feed.rejected.length
              ? el(
                  "ul",
                  {},
                  feed.rejected.map((r) => el("li", {}, fmt(gettext("Record refused: %(record)s — %(reason)s"), r))),
                )
              : null,
          ),
        )
      : [el("li", { className: "muted" }, gettext("No BMKG feed is configured (see the README)."))],
  );
}

function renderQuakes(quakes, banners) {
  $("quakes-empty").hidden = quakes.length > 0;
  fill(
    $("quake-rows"),
    quakes.map((quake) => {
      const actions = el("td", { className: "row-actions" });
      if (quake.significant && !quake.reviewed_at) {
        actions.append(el("button", { type: "button", dataset: { review: quake.id } }, gettext("Mark reviewed")));
      }
      actions.append(el("button", { type: "button", dataset: { declare: quake.id } }, gettext("Declare a major incident")));
      return el(
        "tr",
        { className: quake.significant ? "significant" : "", dataset: { quake: quake.id } },
        el("td", {}, timeEl(quake.origin_time)),
        el("td", {}, magnitude.format(quake.magnitude)),
        el(
          "td",
          {},
          quake.region,
          quake.tsunami ? el("strong", {}, ` — ${gettext("may cause a tsunami")}`) : null,
          banners[quake.id] ? el("div", { className: "muted" }, banners[quake.id]) : null,
        ),
        el("td", {}, `${Math.round(quake.city_distance_km)} km`),
        actions,
      );
    }),
  );
}

function renderMajor(majorIncident) {
  $("major-active").hidden = !majorIncident;
  $("major-form").hidden = Boolean(majorIncident);
  if (majorIncident) {
    $("major-active-text").textContent = majorIncident.banner;
    $("major-active-area").textContent = majorIncident.area_codes.map((c) => areaNames[c] || c).join(", ");
    $("major-close").dataset.id = majorIncident.id;
  }
}

function statusText(warning) {
  const type = { Alert: gettext("New warning"), Update: gettext("Warning update"), Cancel: gettext("Warning cancellation") }[warning.msg_type];
  return `${type} · ${warning.status === "draft" ? gettext("draft, waiting for approval") : gettext("published")}`;
}

function renderWarnings(warnings) {
  fill(
    $("warning-rows"),
    warnings.map((w) => {
      const actions = el("td", { className: "row-actions" });
      if (w.status === "draft" && w.drafted_by !== me) {
        actions.append(el("button", { type: "button", dataset: { approve: w.id } }, gettext("Approve and publish")));
      } else if (w.status === "draft") {
        actions.append(el("span", { className: "muted" }, gettext("A second supervisor must approve it.")));
      } else {
        actions.append(el("a", { href: w.xml_url }, "CAP XML"), " ");
        if (w.msg_type !== "Cancel") {
          actions.append(
            el("button", { type: "button", dataset: { update: w.id } }, gettext("Update the warning")),
            el("button", { type: "button", dataset: { cancel: w.id } }, gettext("Cancel the warning")),
          );
        }
      }
      return el(
        "tr",
        { dataset: { warning: w.id } },
        el("td", {}, statusText(w)),
        el("td", {}, w.headline_id, el("div", { className: "muted" }, w.area_desc)),
        el("td", {}, w.drafted_by, w.approved_by ? ` → ${w.approved_by}` : ""),
        actions,
      );
    }),
  );
  warningsById = Object.fromEntries(warnings.map((w) => [w.id, w]));
}

let warningsById = {};

async function load() {
  const [situation, quakes, warnings] = await Promise.all([
    api("/api/hazards/situation/"),
    api("/api/hazards/quakes/"),
    api("/api/hazards/warnings/"),
  ]);
  renderFeeds(situation.feeds);
  renderQuakes(quakes, Object.fromEntries(situation.quakes.map((q) => [q.id, q.banner])));
  renderMajor(situation.major_incident);
  // One major incident at a time: declaring another waits until this one is closed.
  for (const button of document.querySelectorAll("button[data-declare]")) button.hidden = Boolean(situation.major_incident);
  renderWarnings(warnings);
}

async function act(promise, errorNode) {
  errorNode.textContent = "";
  try {
    await promise;
    await load();
    return true;
  } catch (error) {
    errorNode.textContent = errorText(error);
    return false;
  }
}

function setCodes(container, codes) {
  for (const input of container.querySelectorAll("input")) input.checked = codes.includes(input.value);
}

function resetWarningForm() {
  followUp = null;
  $("warning-form").reset();
  $("warning-mode").textContent = "";
  $("warning-reset").hidden = true;
  $("warning-onset").value = witInput(new Date());
  $("warning-expires").value = witInput(new Date(Date.now() + 3 * 3600 * 1000));
}

function editFollowUp(warning) {
  followUp = warning;
  $("warning-mode").textContent = fmt(gettext("Update of: %(headline_id)s"), warning);
  $("warning-reset").hidden = false;
  for (const name of ["category", "urgency", "severity", "certainty", "event"]) $(`warning-${name}`).value = warning[name];
  $("warning-headline-id").value = warning.headline_id;
  $("warning-instruction-id").value = warning.instruction_id;
  $("warning-headline-en").value = warning.headline_en;
  $("warning-instruction-en").value = warning.instruction_en;
  setCodes($("warning-areas"), warning.area_codes);
  $("warning-onset").value = witInput(new Date(warning.onset));
  $("warning-expires").value = witInput(new Date(warning.expires));
  $("warning-form").scrollIntoView();
}

function warningBody() {
  const circle = ["lat", "lon", "radius"].map((k) => $(`warning-circle-${k}`).value);
  return {
    category: $("warning-category").value,
    event: $("warning-event").value,
    urgency: $("warning-urgency").value,
    severity: $("warning-severity").value,
    certainty: $("warning-certainty").value,
    headline_id: $("warning-headline-id").value,
    instruction_id: $("warning-instruction-id").value,
    headline_en: $("warning-headline-en").value,
    instruction_en: $("warning-instruction-en").value,
    area_codes: checkedCodes($("warning-areas")),
    circle: circle.every(Boolean) ? { lat: Number(circle[0]), lon: Number(circle[1]), radius_km: Number(circle[2]) } : null,
    onset: witValue($("warning-onset")),
    expires: witValue($("warning-expires")),
  };
}

// --- Wiring ---------------------------------------------------------------------------------

selectOptions($("major-kind"), options.kinds);
selectOptions($("warning-category"), options.categories);
selectOptions($("warning-urgency"), options.urgencies);
selectOptions($("warning-severity"), options.severities);
selectOptions($("warning-certainty"), options.certainties);
areaPicker($("major-areas"), "major");
areaPicker($("warning-areas"), "warning");
resetWarningForm();

$("quake-rows").addEventListener("click", (event) => {
  const review = event.target.closest("button[data-review]");
  const declare = event.target.closest("button[data-declare]");
  if (review) act(api(`/api/hazards/quakes/${review.dataset.review}/review/`, { method: "POST" }), $("major-error"));
  if (declare) {
    const row = declare.closest("tr");
    $("major-quake").value = declare.dataset.declare;
    $("major-kind").value = "gempa";
    $("major-title-input").value = `${gettext("Earthquake")} M${row.children[1].textContent} — ${row.children[2].firstChild.textContent.trim()}`;
    $("major-title-input").focus();
  }
});

$("major-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const quake = $("major-quake").value;
  const body = {
    title: $("major-title-input").value,
    kind: $("major-kind").value,
    area_codes: checkedCodes($("major-areas")),
    quake: quake ? Number(quake) : null,
  };
  if (await act(api("/api/hazards/major-incidents/", { method: "POST", body }), $("major-error"))) {
    $("major-form").reset();
    $("major-quake").value = "";
  }
});

$("major-close").addEventListener("click", (event) => {
  if (!window.confirm(gettext("Close the major incident? New incidents will no longer be linked to it."))) return;
  act(api(`/api/hazards/major-incidents/${event.target.dataset.id}/close/`, { method: "POST" }), $("major-error"));
});

$("warning-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const url = followUp ? `/api/hazards/warnings/${followUp.id}/update/` : "/api/hazards/warnings/";
  if (await act(api(url, { method: "POST", body: warningBody() }), $("warning-error"))) resetWarningForm();
});
$("warning-reset").addEventListener("click", resetWarningForm);

$("warning-rows").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const { approve, update, cancel } = button.dataset;
  if (approve) act(api(`/api/hazards/warnings/${approve}/approve/`, { method: "POST" }), $("warning-error"));
  if (update) editFollowUp(warningsById[update]);
  if (cancel && window.confirm(gettext("Draft the cancellation of this warning? A second supervisor approves it."))) {
    act(api(`/api/hazards/warnings/${cancel}/cancel/`, { method: "POST", body: {} }), $("warning-error"));
  }
});

document.addEventListener("live:event", ({ detail }) => {
  if (/^(quake|major_incident|hazard_feed|warning)\./.test(detail.kind)) load().catch(() => {});
});
load().catch((error) => {
  $("major-error").textContent = errorText(error);
});
