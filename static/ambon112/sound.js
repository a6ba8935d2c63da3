// A console's sound switch. The browser plays sound only after a click or a key on the page
// (until then the sound is locked), and a person may mute a console: remembered in this
// browser under `muteKey`. `onChange` redraws whatever shows the switch's state.

export function soundSwitch({ muteKey, onChange }) {
  let unlocked = false;
  let muted = localStorage.getItem(muteKey) === "1";

  function unlock() {
    if (unlocked) return;
    unlocked = true;
    onChange();
  }

  // Any click or key on the page counts as the gesture that lets the browser play sound.
  document.addEventListener("pointerdown", unlock, { capture: true });
  document.addEventListener("keydown", unlock, { capture: true });

  return {
    get unlocked() {
      return unlocked;
    },
    get muted() {
      return muted;
    },
    unlock,
    toggleMute() {
      muted = !muted;
      localStorage.setItem(muteKey, muted ? "1" : "0");
      onChange();
    },
    /** Play `audio`; a browser that still refuses it locks the sound again. */
    play(audio) {
      audio.play().catch((error) => {
        if (error.name === "NotAllowedError") {
          unlocked = false;
          onChange();
        }
      });
    },
  };
}
