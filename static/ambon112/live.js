// Ambon 112 live feed, shared by every console page.
//
// Connects to /ws/console/, applies events in sequence order, and after any (re)connect
// fetches the events it missed from /api/events/?after=N before following the socket again.
// Each pushed event carries `prev`, the previous sequence number on this console's feed: when
// `prev` is newer than the last applied event, something was missed and a resync runs.
// The server sends a heartbeat every few seconds (the greeting says how often) carrying the
// feed's head: a head beyond the last applied event means pushes were lost (Redis restarted or
// emptied) and a resync runs. A socket that brings nothing, event or heartbeat, for
// STALE_BEATS intervals is dead whatever its state says: the console shows it is offline, gives
// the socket up and connects again.
// Applied events are dispatched on `document` as "live:event"; the connection state as
// "live:status" ("connecting" | "online" | "offline"); the server's greeting (with its clock,
// `now`) as "live:hello".

const MAX_BACKOFF_MS = 5000; // a control room wants the screen back within seconds
const STALE_BEATS = 3;
const DEFAULT_HEARTBEAT_S = 5; // until the server's greeting says otherwise

export function startLive({ lastSeq = 0, eventsUrl = "/api/events/", socketPath = "/ws/console/" } = {}) {
  let applied = lastSeq;
  let syncing = null;
  let queued = [];
  let attempt = 0;
  let socket = null;
  let heartbeatMs = DEFAULT_HEARTBEAT_S * 1000;
  let heardAt = 0;

  const emit = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

  function apply(event) {
    if (event.seq <= applied) return;
    applied = event.seq;
    emit("live:event", event);
  }

  function resync() {
    if (!syncing) {
      syncing = (async () => {
        let more = true;
        while (more) {
          const response = await fetch(`${eventsUrl}?after=${applied}`, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          });
          if (response.status === 401 || response.status === 403) {
            window.location.reload(); // signed out elsewhere: the page sends us to sign in
            return;
          }
          if (!response.ok) throw new Error(`resync failed with HTTP ${response.status}`);
          const page = await response.json();
          page.events.forEach(apply);
          more = page.has_more;
        }
      })().finally(() => {
        syncing = null;
        const pending = queued;
        queued = [];
        pending.forEach(receive);
      });
      syncing.catch(() => socket && socket.close());
    }
    return syncing;
  }

  function receive(event) {
    if (syncing) {
      queued.push(event);
    } else if (event.seq > applied && event.prev > applied) {
      queued.push(event);
      resync();
    } else {
      apply(event);
    }
  }

  function reconnectLater() {
    emit("live:status", "offline");
    const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++);
    setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function hear(data) {
    if (data.type === "hello") {
      attempt = 0;
      if (data.heartbeat > 0) heartbeatMs = data.heartbeat * 1000;
      emit("live:hello", data); // { feed, head, now: the server's clock, heartbeat: seconds }
      emit("live:status", "online");
      if (data.head > applied) resync();
    } else if (data.type === "heartbeat") {
      if (data.head > applied) resync(); // { head, now }: pushes were lost
    } else if (data.type === "event") {
      receive(data.event);
    }
  }

  function connect() {
    emit("live:status", attempt ? "offline" : "connecting");
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}${socketPath}`);
    socket = ws;
    heardAt = Date.now();
    // A socket given up as dead may still deliver or close later: it is no longer ours.
    ws.addEventListener("message", (message) => {
      if (ws !== socket) return;
      heardAt = Date.now();
      hear(JSON.parse(message.data));
    });
    ws.addEventListener("close", () => {
      if (ws !== socket) return;
      socket = null;
      reconnectLater();
    });
  }

  // Not waiting for the close event: closing a socket whose server no longer answers can
  // take the browser a minute.
  function giveUpIfDeaf() {
    if (!socket || Date.now() - heardAt <= STALE_BEATS * heartbeatMs) return;
    const deaf = socket;
    socket = null;
    deaf.close();
    reconnectLater();
  }

  connect();
  setInterval(giveUpIfDeaf, 1000);
  return { get lastSeq() { return applied; } };
}

/**
 * Call `reload` each time the feed is back online after an outage: the page's snapshot again
 * (the resync brings the missed events; a snapshot also brings the server's clock).
 */
export function onReconnect(reload) {
  let wasOffline = false;
  document.addEventListener("live:status", ({ detail }) => {
    if (detail === "offline") wasOffline = true;
    if (detail === "online" && wasOffline) {
      wasOffline = false;
      reload();
    }
  });
}
