// The escalation bar's sounds: the chime of an escalation sent to me and the alarm of a call
// past its deadline (calls/queue.js plays it through `playSound`). Muted per console, never
// globally.

import { soundSwitch } from "../sound.js";
import { $, bar } from "./bar.js";

const QUIET_GAP_MS = 2500; // one sound at a time: the alarm at 15 s and the chime need not both play
const sounds = { chime: $("alarm-chime"), alarm: $("alarm-alarm") };
const unlockButton = $("alarm-unlock");
const muteButton = $("alarm-mute");
// The agency desk has its own "Enable sound" button: the same click unlocks these sounds too.
const pageUnlocks = Boolean($("sound-unlock"));
const sound = soundSwitch({ muteKey: `ambon112:alarms-muted:${bar.dataset.console}`, onChange: renderSound });
let lastSoundAt = 0;

export function renderSound() {
  const playing = Object.values(sounds).some((audio) => !audio.paused);
  bar.dataset.sound = sound.muted ? "muted" : !sound.unlocked ? "locked" : playing ? "playing" : "ready";
  unlockButton.hidden = sound.unlocked || sound.muted || pageUnlocks;
  muteButton.setAttribute("aria-pressed", String(sound.muted));
  muteButton.textContent = sound.muted ? gettext("Alert sound off") : gettext("Alert sound on");
}

/** Play "alarm" or "chime" once, unless this console is muted or a sound has just played. */
export function playSound(name) {
  if (sound.muted || !sound.unlocked || Date.now() - lastSoundAt < QUIET_GAP_MS) return;
  lastSoundAt = Date.now();
  const audio = sounds[name];
  audio.currentTime = 0;
  sound.play(audio);
}

muteButton.addEventListener("click", sound.toggleMute);
unlockButton.addEventListener("click", sound.unlock);
for (const [name, audio] of Object.entries(sounds)) {
  audio.addEventListener("playing", () => {
    bar.dataset.lastSound = name; // "playing" lasts as long as the sound (a second): this stays
    renderSound();
  });
  audio.addEventListener("pause", renderSound);
}
