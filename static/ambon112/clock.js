// The server's clock, one per page: waiting times and deadlines count from it, never from this
// machine's clock (a desk PC or a phone set minutes off would show another wait than the wall).
// Every API answer carrying the server's `now`, and the live feed's greeting, refine the offset.

let offsetMs = 0; // server clock minus this machine's clock

/** Learn the offset from the server's `now`, halfway between the request and its answer. */
export function learnOffset(nowIso, sentAt = Date.now(), receivedAt = Date.now()) {
  const server = Date.parse(nowIso);
  if (!Number.isNaN(server)) offsetMs = server - (sentAt + receivedAt) / 2;
}

/** The server's time now (or at this machine's `localMs`), in milliseconds since the epoch. */
export const serverNow = (localMs = Date.now()) => localMs + offsetMs;

/** The server's time (now, or at this machine's `localMs`) as an ISO string: a phone set minutes
 * off still stamps its taps and fixes in the server's time. */
export const serverIso = (localMs = Date.now()) => new Date(serverNow(localMs)).toISOString();

/** Seconds from an ISO time to the server's now. */
export const secondsSince = (iso) => (serverNow() - Date.parse(iso)) / 1000;

/** Run `tick` now and then on every second of the server's clock. */
export function everyServerSecond(tick) {
  tick();
  setTimeout(() => everyServerSecond(tick), 1000 - (serverNow() % 1000));
}

document.addEventListener("live:hello", ({ detail }) => {
  if (detail && detail.now) learnOffset(detail.now);
});
