// The desk's alarm: it sounds and flashes while a ticket waits, until each one is answered.

import { soundSwitch } from "../sound.js";
import { fmt } from "../ui.js";
import { $, AGENCY, app, tickets } from "./state.js";

const audio = $("desk-alarm");
export const sound = soundSwitch({ muteKey: `ambon112:desk-muted:${AGENCY}`, onChange: updateAlarm });

export const waitingTickets = () => [...tickets.values()].filter((t) => t.status === "notified");

export function renderSound() {
  const { muted, unlocked } = sound;
  app.dataset.sound = muted ? "muted" : !unlocked ? "locked" : audio.paused ? "ready" : "playing";
  $("sound-unlock").hidden = unlocked || muted;
  $("sound-mute").setAttribute("aria-pressed", String(muted));
  $("sound-mute-label").textContent = muted ? gettext("Sound off") : gettext("Sound on");
}

/** The alarm sounds and flashes while a ticket waits; silent once every one is answered. */
export function updateAlarm() {
  const waiting = waitingTickets().length;
  app.dataset.alarm = waiting ? "on" : "off";
  $("alarm-banner").hidden = !waiting;
  $("alarm-count").textContent = waiting > 1 ? fmt(gettext("(%(n)s waiting)"), { n: waiting }) : "";
  if (waiting && sound.unlocked && !sound.muted) {
    if (audio.paused) sound.play(audio);
  } else if (!audio.paused) {
    audio.pause();
    audio.currentTime = 0;
  }
  renderSound();
}

$("sound-unlock").addEventListener("click", sound.unlock);
$("sound-mute").addEventListener("click", sound.toggleMute);
audio.addEventListener("playing", renderSound);
audio.addEventListener("pause", renderSound);
