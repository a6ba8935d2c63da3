// Console page glue: the live connection banner and the activity list.
import { startLive } from "./live.js";
import { eventLabel } from "./ui.js";

const root = document.querySelector("[data-live]");
const banner = document.getElementById("live-banner");
const list = document.getElementById("activity");
const empty = document.getElementById("activity-empty");
const MAX_ROWS = 200;

const clock = new Intl.DateTimeFormat(document.documentElement.lang || "id", {
  timeZone: "Asia/Jayapura",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function row(event) {
  const item = document.createElement("li");
  item.dataset.seq = event.seq;
  const time = document.createElement("time");
  time.dateTime = event.at;
  time.textContent = clock.format(new Date(event.at));
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = eventLabel(event.kind);
  kind.title = event.kind;
  const actor = document.createElement("span");
  actor.className = "actor";
  actor.textContent = event.actor;
  const seq = document.createElement("span");
  seq.className = "seq";
  seq.textContent = `#${event.seq}`;
  item.append(time, " ", kind, " ", actor, " ", seq);
  return item;
}

for (const time of list.querySelectorAll("time")) {
  time.textContent = clock.format(new Date(time.dateTime));
}
for (const kind of list.querySelectorAll(".kind")) {
  kind.title = kind.textContent;
  kind.textContent = eventLabel(kind.textContent);
}

document.addEventListener("live:event", ({ detail }) => {
  list.prepend(row(detail));
  empty.hidden = true;
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
});

document.addEventListener("live:status", ({ detail }) => {
  root.dataset.liveStatus = detail;
  banner.hidden = detail !== "offline";
});

startLive({ lastSeq: Number(root.dataset.lastSeq) || 0 });
