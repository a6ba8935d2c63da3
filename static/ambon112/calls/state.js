// The call-taker's console: its elements, and the calls it holds. Shared by the console's
// modules (calls.js and calls/*.js).

export const $ = (id) => document.getElementById(id);
export const app = $("calls-app");
export const me = app.dataset.user;
export const toasts = $("calls-toasts");
export const queueList = $("call-queue");
export const mineList = $("my-calls");
export const intake = $("intake");
export const form = $("incident-form");
export const field = {
  type: $("f-type"),
  priority: $("f-priority"),
  area: $("f-area"),
  address: $("f-address"),
  description: $("f-description"),
  callerName: $("f-caller-name"),
  callback: $("f-callback"),
  notes: $("f-notes"),
};
export const useAmlButton = $("use-aml");
export const detected = $("detected");
export const duplicates = $("duplicates");
export const dupList = $("dup-list");
export const formError = $("form-error");

export const queue = new Map(); // id -> call still waiting for a call-taker
export const mine = new Map(); // id -> call I took and have not classified yet
export const state = {
  current: null, // the call in the screen-pop
  busy: false, // a write is on its way: the next waits
  spot: null, // {lat, lon, source: "aml"|"map"|"area", area?: code}
};
