// The operations room's wallboard: figures computed by the server (/api/situation/wallboard/),
// fetched again shortly after any event that can change them (debounced), never polled.
// Used as a strip on the live map and alone, full screen, on the room's big screen.

import { categoryLabel } from "./labels.js";
import { onReconnect } from "./live.js";
import { api, clockFormat, duration, el, fill, fmt } from "./ui.js";

const REFETCH_DELAY_MS = 800;
const RELEVANT = /^(call|incident|ticket|assignment|escalation|presence)\.|^unit\.status_changed$/;

function tile(metric, label, value, ...detail) {
  return el(
    "div",
    { className: `wb-tile wb-${metric}`, dataset: { metric } },
    el("span", { className: "wb-label" }, label),
    el("strong", { className: "wb-value", dataset: { value: String(value ?? "") } }, value ?? "—"),
    detail.length ? el("span", { className: "wb-detail" }, ...detail) : null
  );
}

function rows(metric, label, items, render, emptyText) {
  return el(
    "div",
    { className: `wb-list wb-${metric}`, dataset: { metric } },
    el("span", { className: "wb-label" }, label),
    items.length
      ? el("ul", {}, items.map((item) => el("li", { dataset: { code: item.code || "" } }, ...render(item))))
      : el("p", { className: "empty" }, emptyText)
  );
}

/** Draw the figures in `root`. `onArea(code)` makes kecamatan rows clickable. */
export function renderWallboard(root, data, { onArea = null, clockOffsetMs = 0 } = {}) {
  const share = data.answered_within_15s;
  const percent = share.percent == null ? null : `${share.percent.toLocaleString("id-ID")} %`;
  const waitTile = tile(
    "waiting",
    gettext("Calls waiting"),
    data.calls_waiting,
    data.longest_wait_s == null ? gettext("nobody waiting") : el("span", {}, gettext("longest"), " ", el("span", { className: "wb-longest" }, duration(data.longest_wait_s)))
  );
  if (data.longest_wait_s != null) {
    waitTile.dataset.since = String(Date.parse(data.now) - data.longest_wait_s * 1000 + clockOffsetMs);
  }
  if (data.calls_waiting > 0) waitTile.classList.add("alert");
  const escalations = tile("escalations", gettext("Open escalations"), data.open_escalations);
  if (data.open_escalations > 0) escalations.classList.add("alert");
  const categories = data.open_by_category.filter((c) => c.count > 0);
  const takers = data.call_takers;
  const takersTile = tile(
    "ready",
    gettext("Call-takers ready"),
    takers.ready,
    fmt(gettext("%(staffed)s staffed · %(on_call)s on a call · %(on_break)s on break"), takers)
  );
  if (takers.ready === 0) takersTile.classList.add("alert");
  fill(
    root,
    el(
      "div",
      { className: "wb-tiles" },
      waitTile,
      tile(
        "answered15",
        fmt(gettext("Answered within %(s)s s today"), { s: share.threshold_s }),
        percent,
        share.answered
          ? fmt(gettext("%(within)s of %(answered)s answered calls"), share)
          : gettext("no calls yet today")
      ),
      takersTile,
      tile("abandoned", gettext("Abandoned today"), data.abandoned_today),
      tile("open", gettext("Open incidents"), data.open_incidents),
      escalations
    ),
    el(
      "div",
      { className: "wb-lists" },
      rows(
        "by-category",
        gettext("Open incidents by category"),
        categories,
        (c) => [el("span", { className: `cat-dot cat-${c.code}` }), categoryLabel(c.code), " ", el("strong", {}, c.count)],
        gettext("None")
      ),
      rows(
        "by-kecamatan",
        gettext("Open incidents by kecamatan"),
        data.open_by_kecamatan,
        (k) => [
          k.code && onArea
            ? el("button", { type: "button", className: "link", onclick: () => onArea(k.code) }, k.name)
            : k.name || gettext("No location"),
          " ",
          el("strong", {}, k.count),
        ],
        gettext("None")
      ),
      rows(
        "not-accepted",
        gettext("Tickets not yet accepted"),
        data.tickets_not_accepted,
        (t) => [t.name, " ", el("strong", {}, t.count)],
        gettext("None")
      ),
      rows(
        "units-available",
        gettext("Units available"),
        data.units_available,
        (u) => [u.name, " ", el("strong", { className: u.available ? "" : "none-left" }, `${u.available}/${u.total}`)],
        gettext("None")
      )
    )
  );
  root.dataset.updated = data.now;
}

/** Fetch and keep `root` up to date from the live feed. Returns {refresh}. */
export function startWallboard(root, options = {}) {
  let timer = null;
  let offset = 0;
  let inFlight = null;

  async function refresh() {
    if (inFlight) return inFlight;
    inFlight = (async () => {
      try {
        const data = await api("/api/situation/wallboard/");
        offset = Date.now() - Date.parse(data.now);
        renderWallboard(root, data, { ...options, clockOffsetMs: offset });
        root.dispatchEvent(new CustomEvent("wallboard:updated", { detail: data, bubbles: true }));
      } catch {
        root.classList.add("failed");
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFETCH_DELAY_MS);
  }

  document.addEventListener("live:event", ({ detail }) => {
    if (RELEVANT.test(detail.kind)) later();
  });
  // The longest wait counts up between refetches, from the server's clock.
  setInterval(() => {
    const since = root.querySelector(".wb-waiting[data-since]");
    const shown = since && since.querySelector(".wb-longest");
    if (shown) shown.textContent = duration((Date.now() - Number(since.dataset.since)) / 1000);
  }, 1000);
  refresh();
  return { refresh };
}

/** Mark `target` stale while the socket is down, with the time of the last data shown. */
export function watchStale(target, note, lastUpdate) {
  document.addEventListener("live:status", ({ detail }) => {
    if (detail === "offline") {
      target.classList.add("stale");
      note.textContent = fmt(gettext("Connection lost — data as of %(time)s, not live"), {
        time: clockFormat.format(lastUpdate()),
      });
      note.hidden = false;
    } else if (detail === "online") {
      target.classList.remove("stale");
      note.hidden = true;
    }
  });
  onReconnect(() => document.dispatchEvent(new CustomEvent("situation:resync")));
}

const page = document.getElementById("wallboard-page");
if (page) {
  const board = document.getElementById("wallboard");
  let last = new Date();
  const wallboard = startWallboard(board);
  board.addEventListener("wallboard:updated", () => {
    last = new Date();
  });
  watchStale(page, document.getElementById("stale-note"), () => last);
  document.addEventListener("situation:resync", () => wallboard.refresh());
  const clock = document.getElementById("wallboard-clock");
  const tick = () => {
    clock.textContent = `${clockFormat.format(new Date())} WIT`;
  };
  tick();
  setInterval(tick, 1000);
  document.getElementById("wallboard-fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else page.requestFullscreen().catch(() => {});
  });
}
