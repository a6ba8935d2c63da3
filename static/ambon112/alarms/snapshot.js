// The server's view of the escalations (/api/escalations/), merged with the events that
// arrived while it was on its way.

import { learnOffset } from "../clock.js";
import { api, errorText } from "../ui.js";
import { visible } from "./bar.js";
import { banner, panel, render, say } from "./panel.js";
import { escalations, fromSubject, keyOf, merging, prune, shelves } from "./subjects.js";


let loading = null;
let loadAgain = false;

/** The snapshot over REST: what is open for me, and on the panel what ended unseen and what is
 * shelved. Merged with the events that arrived meanwhile, which are newer. */
export async function load() {
  if (loading) {
    loadAgain = true;
    return loading;
  }
  loading = (async () => {
    const sentAt = Date.now();
    merging.touched = new Set();
    try {
      const states = panel ? ["open", "resolved", "shelved"] : ["open", "shelved"];
      const answers = await Promise.all(states.map((state) => api(`/api/escalations/?state=${state}`)));
      learnOffset(answers[0].now, sentAt);
      const fresh = new Map();
      const freshShelves = new Map();
      for (const answer of answers) {
        for (const escalation of answer.escalations) fresh.set(escalation.id, escalation);
        for (const subject of answer.subjects || []) fromSubject(subject, fresh, freshShelves);
      }
      for (const id of merging.touched) {
        if (escalations.has(id)) fresh.set(id, escalations.get(id));
        else fresh.delete(id);
      }
      escalations.clear();
      for (const escalation of fresh.values()) if (visible(escalation)) escalations.set(escalation.id, escalation);
      for (const key of new Set([...escalations.values()].map(keyOf))) prune(key);
      shelves.clear();
      for (const [key, shelf] of freshShelves) shelves.set(key, shelf);
      render();
    } catch (error) {
      if (panel || banner) say(panel || banner, errorText(error), "error");
    } finally {
      merging.touched = null;
      loading = null;
    }
    if (loadAgain) {
      loadAgain = false;
      load();
    }
  })();
  return loading;
}
