// Contacts that did not ring (issue #15): their channel badge, wherever a call is listed, and
// the call-taker's form to log one by hand (WhatsApp, SMS, social media, walk-in, radio,
// letter, e-mail). A logged contact follows a call's path: it queues with its first-response
// deadline, or opens in my hands at once ("handle it now").
//
// The form posts over REST; the new contact reaches every console through the live feed, and
// this console through the "contact:logged" event (calls.js opens it when it is mine).

import { api, ApiError, el, errorText, fill, fmt } from "./ui.js";

const WIT_OFFSET_MS = 9 * 3600 * 1000; // WIT keeps no summer time

export function channelLabel(channel) {
  const labels = {
    phone: gettext("Telephone"),
    sms: gettext("SMS"),
    whatsapp: gettext("WhatsApp"),
    walk_in: gettext("Walk-in"),
    social: gettext("Social media"),
    radio: gettext("Radio"),
    letter: gettext("Letter"),
    email: gettext("E-mail"),
  };
  return labels[channel] || channel;
}

export const isMessage = (call) => Boolean(call.channel) && call.channel !== "phone";

/** The badge a contact shows instead of a telephone line: its channel. */
export function channelBadge(call) {
  return el("span", { className: `badge channel channel-${call.channel}`, dataset: { channel: call.channel } }, channelLabel(call.channel));
}

/** Who a contact came from, as a call-taker reads it: the account, the number, or the name. */
export function senderText(call) {
  if (call.handle) return call.platform ? `${call.handle} (${platformLabel(call.platform)})` : call.handle;
  if (call.number) return call.number;
  if (call.caller_name) return call.caller_name;
  return isMessage(call) ? gettext("Sender unknown") : gettext("Withheld number");
}

function platformLabel(platform) {
  const labels = { facebook: "Facebook", instagram: "Instagram", x: "X (Twitter)", tiktok: "TikTok", youtube: "YouTube", other: gettext("Other") };
  return labels[platform] || platform;
}

// --- The form ---------------------------------------------------------------------------------

const form = document.getElementById("contact-form");

/** "YYYY-MM-DDTHH:MM" of now in WIT, whatever zone this machine is set to. */
function witNow(serverNow) {
  return new Date(serverNow() + WIT_OFFSET_MS).toISOString().slice(0, 16);
}

function clearErrors() {
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  form.querySelector("#contact-error").textContent = "";
}

function showErrors(error) {
  const errors = (error instanceof ApiError && error.body && error.body.errors) || {};
  clearErrors();
  const general = [];
  for (const [name, messages] of Object.entries(errors)) {
    const target = form.querySelector(`.field-error[data-for="${name}"]`);
    const text = [].concat(messages).join(" ");
    if (target) target.textContent = text;
    else general.push(text);
  }
  form.querySelector("#contact-error").textContent = general.join(" ") || (Object.keys(errors).length ? "" : errorText(error));
}

function syncChannel() {
  const channel = form.elements.channel.value;
  form.querySelector("#contact-social").hidden = channel !== "social";
  form.querySelector("#contact-handle-row").hidden = !["social", "email"].includes(channel);
}

/** Wire the form; `serverNow` is the console's estimate of the server's clock. */
export function wireContactForm(serverNow) {
  if (!form) return;
  const details = document.getElementById("contact-log");
  const received = form.elements.received_at;
  details.addEventListener("toggle", () => {
    if (details.open) {
      received.value = witNow(serverNow);
      received.max = received.value;
      form.elements.message.focus();
    }
  });
  form.elements.channel.addEventListener("change", syncChannel);
  syncChannel();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      channel: data.get("channel"),
      received_at: data.get("received_at") ? `${data.get("received_at")}:00+09:00` : "",
      message: data.get("message").trim(),
      take: data.get("take") === "on",
    };
    for (const name of ["number", "caller_name", "handle", "link", "platform"]) {
      const value = (data.get(name) || "").trim();
      if (value && (name !== "platform" || body.channel === "social")) body[name] = value;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const call = await api("/api/calls/contacts/", { method: "POST", body });
      form.reset();
      clearErrors();
      fill(form.querySelector("#contact-done"), fmt(gettext("Logged: %(channel)s from %(sender)s."), { channel: channelLabel(call.channel), sender: senderText(call) }));
      received.value = witNow(serverNow);
      syncChannel();
      document.dispatchEvent(new CustomEvent("contact:logged", { detail: call }));
    } catch (error) {
      fill(form.querySelector("#contact-done"));
      showErrors(error);
    } finally {
      button.disabled = false;
    }
  });
}
