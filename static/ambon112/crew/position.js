// The crew's phone position (Geolocation API), posted every few seconds while on a unit when it
// moved, and now and then when it did not; stamped with the server's time of the fix.

import { serverIso } from "../clock.js";
import { api, fmt } from "../ui.js";

const $ = (id) => document.getElementById(id);
const MOVED_M = 15; // a fix this far from the last one sent is a move
const KEEPALIVE_MS = 5 * 60 * 1000; // a parked unit still says where it is now and then
let lastFix = null;
let lastSent = null;
let lastSentAt = 0;
let watching = false;

function metres(a, b) {
  const rad = Math.PI / 180;
  const x = (b.longitude - a.longitude) * rad * Math.cos(((a.latitude + b.latitude) / 2) * rad);
  const y = (b.latitude - a.latitude) * rad;
  return Math.hypot(x, y) * 6371000;
}

export function watchPosition({ intervalS, onShift }) {
  if (watching || !navigator.geolocation) return;
  watching = true;
  navigator.geolocation.watchPosition(
    (position) => {
      lastFix = position;
      $("gps-state").textContent = fmt(gettext("GPS ±%(m)s m"), {
        m: Math.round(position.coords.accuracy),
      });
    },
    () => {
      $("gps-state").textContent = gettext("Location not allowed: the desk places your unit");
    },
    { enableHighAccuracy: true, maximumAge: 5000 },
  );
  setInterval(() => onShift() && sendPosition(), intervalS * 1000);
}

async function sendPosition() {
  if (!lastFix) return;
  const coords = lastFix.coords;
  const moved = !lastSent || metres(lastSent, coords) > Math.max(MOVED_M, coords.accuracy / 2);
  if (!moved && Date.now() - lastSentAt < KEEPALIVE_MS) return;
  try {
    await api("/api/crew/position/", {
      method: "POST",
      body: {
        lat: coords.latitude,
        lon: coords.longitude,
        accuracy_m: Math.max(1, Math.round(coords.accuracy)),
        at: serverIso(lastFix.timestamp),
      },
    });
    lastSent = { latitude: coords.latitude, longitude: coords.longitude };
    lastSentAt = Date.now();
  } catch {
    // offline or too soon: the next interval sends the newest fix
  }
}
