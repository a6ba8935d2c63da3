// The audit page: kinds of event in words (ui.js holds every label), the code kept as a title.
import { eventLabel } from "./ui.js";

for (const kind of document.querySelectorAll("#audit-log .kind, #audit-kind option.kind")) {
  kind.title = kind.textContent;
  kind.textContent = eventLabel(kind.textContent);
}
