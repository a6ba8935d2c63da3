// The caller's location link on the calls console (issue #19): key B, Alt+B or the button
// creates a one-time link for the call on screen, for a caller who cannot say where they are.
// The message gateway sends it when there is one; otherwise it is shown to read out or copy.
// The caller's fix comes back as `call.located` (like an AML): the console shows it at once.

import { api, el, errorText, fill, fmt, notify, typingIn, when } from "./ui.js";

export function wireLocationLink({ currentCall, toasts }) {
  const button = document.getElementById("location-link");
  const out = document.getElementById("location-link-out");
  let linkCallId = null;

  async function create() {
    const call = currentCall();
    if (!call) return;
    button.disabled = true;
    try {
      const link = await api(`/api/calls/${call.id}/location-link/`, { method: "POST" });
      linkCallId = call.id;
      const input = el("input", {
        type: "text",
        readOnly: true,
        value: link.url,
        className: "link-url",
        "aria-label": gettext("Location link"),
      });
      const copy = el(
        "button",
        {
          type: "button",
          className: "secondary",
          onclick: () => {
            input.select();
            if (navigator.clipboard) navigator.clipboard.writeText(link.url).catch(() => {});
          },
        },
        gettext("Copy"),
      );
      fill(
        out,
        el("span", {}, link.sent ? gettext("Sent to the caller by message.") : gettext("Read out or send this link:")),
        input,
        copy,
        el("span", { className: "muted" }, fmt(gettext("works once, until %(time)s WIT"), { time: when(link.expires_at) })),
      );
      out.hidden = false;
      input.select();
    } catch (error) {
      notify(toasts, errorText(error), "error");
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", create);
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey) return;
    const alt = event.altKey && event.code === "KeyB";
    const plain = !event.altKey && event.key.toLowerCase() === "b" && !typingIn(event.target);
    if ((alt || plain) && currentCall()) {
      event.preventDefault();
      create();
    }
  });
  document.addEventListener("live:event", ({ detail }) => {
    const call = (detail.data || {}).call;
    if (detail.kind !== "call.located" || !call || call.id !== linkCallId) return;
    out.hidden = true;
    const current = currentCall();
    if (current && current.id === call.id) {
      notify(toasts, gettext("The caller shared their location: press L to use it."), "info");
    }
  });
}
