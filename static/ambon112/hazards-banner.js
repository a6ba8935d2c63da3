// The hazard banner on every operations console: quakes that matter ("Gempa M6,5 — 45 km
// timur laut Ambon, pukul 08.46 WIT: …"), the active major incident with its counts, and,
// for the room's leads, a BMKG feed that fails. Texts come from the server in the reader's
// language; the banner reloads them when a hazard event (or a call or incident) arrives.
// On the call-takers' console, key M or Alt+M (or the button) attaches the open call to the
// major incident.
import { api, el, errorText, fill, fmt, timeEl, typingIn } from "./ui.js";

const banner = document.getElementById("hazard-banner");
const quakeList = document.getElementById("hazard-quakes");
const major = document.getElementById("hazard-major");
const majorText = document.getElementById("hazard-major-text");
const attachButton = document.getElementById("hazard-attach");
const trouble = document.getElementById("hazard-feed-trouble");
const LEADS = new Set(["dispatcher", "supervisor", "admin"]);
const REFRESH_MS = 60000;
let active = null;
let loading = null;

function openCallId() {
  const row = document.querySelector(".call-row.current");
  return row ? Number(row.dataset.id) : null;
}

function render(situation) {
  fill(
    quakeList,
    situation.quakes.map((quake) =>
      el("li", { className: quake.tsunami ? "tsunami" : "", dataset: { quake: quake.id } }, quake.banner),
    ),
  );
  active = situation.major_incident;
  major.hidden = !active;
  majorText.textContent = active ? active.banner : "";
  attachButton.hidden = !active || openCallId() === null;
  const failing = LEADS.has(banner.dataset.role) ? situation.feeds.filter((feed) => !feed.ok) : [];
  trouble.hidden = !failing.length;
  fill(
    trouble,
    failing.map((feed) =>
      el(
        "span",
        {},
        fmt(gettext("BMKG feed “%(name)s” is failing: %(error)s — since"), feed),
        " ",
        timeEl(feed.failing_since),
        " WIT. ",
      ),
    ),
  );
  banner.hidden = !situation.quakes.length && !active && !failing.length;
}

function load() {
  if (!loading) {
    loading = api(banner.dataset.url)
      .then(render)
      .catch(() => {}) // the live banner shows the connection; the next event retries
      .finally(() => {
        loading = null;
      });
  }
  return loading;
}

async function attach() {
  const call = openCallId();
  if (!active || call === null) return;
  try {
    await api(`/api/hazards/major-incidents/${active.id}/attach-call/`, { method: "POST", body: { call } });
    majorText.textContent = gettext("Call attached to the major incident.");
    load();
  } catch (error) {
    majorText.textContent = errorText(error);
  }
}

attachButton.addEventListener("click", attach);
document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
  if (!event.altKey && typingIn(event.target)) return;
  if (event.code === "KeyM" && active && openCallId() !== null) {
    event.preventDefault();
    attach();
  }
});
document.addEventListener("live:event", ({ detail }) => {
  const kind = detail.kind;
  if (/^(quake|major_incident|hazard_feed)\./.test(kind)) load();
  else if (active && (kind === "call.taken" || kind.startsWith("incident."))) load();
});
// The open call changes without a hazard event: keep the button in step with it.
new MutationObserver(() => {
  attachButton.hidden = !active || openCallId() === null;
}).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
setInterval(load, REFRESH_MS);
load();
