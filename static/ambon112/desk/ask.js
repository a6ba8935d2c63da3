// The desk's small form for a reason or a hospital.

import { errorText } from "../ui.js";
import { $, run } from "./state.js";

export const dialog = $("reason-dialog");
let pending = null;

/** Ask for a reason (or a destination) in a small modal form, then run `action` with it. */
export function ask({ title, label = "", submit, reasonRequired = false, destination = false, action }) {
  $("reason-title").textContent = title;
  $("reason-label").textContent = label;
  $("reason-submit").textContent = submit;
  $("reason-field").hidden = destination;
  $("destination-field").hidden = !destination;
  $("reason-text").value = "";
  $("reason-error").textContent = "";
  pending = { action, reasonRequired, destination };
  dialog.showModal();
  (destination ? $("destination") : $("reason-text")).focus();
}

$("reason-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!pending) return;
  const reason = $("reason-text").value.trim();
  const destination = Number($("destination").value);
  if (pending.reasonRequired && !reason) {
    $("reason-error").textContent = gettext("Give a reason.");
    $("reason-text").focus();
    return;
  }
  if (pending.destination && !destination) {
    $("reason-error").textContent = gettext("Choose a hospital.");
    return;
  }
  const asked = pending;
  pending = null; // a second Enter does not send it twice
  run(async () => {
    try {
      await asked.action({ reason, destination });
      dialog.close();
    } catch (error) {
      pending = asked;
      $("reason-error").textContent = errorText(error);
    }
  });
});
$("reason-close").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  pending = null;
});
