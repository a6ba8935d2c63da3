// The agency desk: its elements, the tickets, assignments and units it holds, what is selected,
// and its writes. Shared by the desk's modules (desk.js and desk/*.js).

import { errorText, notify } from "../ui.js";

export const $ = (id) => document.getElementById(id);
export const app = $("desk-app");
export const AGENCY = app.dataset.agency;
export const toasts = $("desk-toasts");

export const tickets = new Map(); // id -> open ticket of this agency
export const assignments = new Map(); // id -> assignment of the selected ticket's incident
export const units = new Map(); // id -> unit of this agency
export const desk = {
  selectedId: null, // the ticket in the panel
  currentAssignmentId: null, // the unit the step keys act on
  recommendation: null, // the units recommended for the selected ticket
  placingId: null, // the unit the next click on the map places
};
let writes = Promise.resolve();

export const selectedTicket = () => tickets.get(desk.selectedId) || null;

/**
 * Writes run one after another, in the order they were asked for: a key pressed while the
 * previous answer is on its way waits for it, then checks what is possible now.
 */
export function run(action) {
  writes = writes.then(action).catch((error) => notify(toasts, errorText(error), "error"));
}
