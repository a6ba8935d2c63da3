// Labels: the words a person reads for the codes the server sends (statuses, kinds of unit,
// steps, outcomes, dispositions, categories, priorities, and the agency desk's roles,
// capabilities and reasons). Through gettext, so Bahasa Indonesia or English as the page is.
// (Event kinds have theirs in ui.js: eventLabel.)

export function statusLabel(status) {
  const labels = {
    new: gettext("New"),
    dispatched: gettext("Dispatched"),
    responding: gettext("Responding"),
    on_scene: gettext("On scene"),
    resolved: gettext("Resolved"),
    closed: gettext("Closed"),
    cancelled: gettext("Cancelled"),
    ringing: gettext("Ringing"),
    answered: gettext("Answered"),
    ended: gettext("Ended"),
    abandoned: gettext("Abandoned"),
    // tickets
    notified: gettext("Waiting for acceptance"),
    accepted: gettext("Accepted"),
    declined: gettext("Declined"),
    completed: gettext("Completed"),
    // units and assignments
    available: gettext("Available"),
    en_route: gettext("En route"),
    transporting: gettext("Transporting"),
    at_hospital: gettext("At hospital"),
    cleared: gettext("Cleared"),
    out_of_service: gettext("Out of service"),
  };
  return labels[status] || status || "";
}

/** What kind of vehicle or team a unit is. */
export function kindLabel(kind) {
  const labels = {
    engine: gettext("Fire engine"),
    tanker: gettext("Water tanker"),
    rescue: gettext("Rescue vehicle"),
    ambulance: gettext("Ambulance"),
    hearse: gettext("Hearse"),
    patrol: gettext("Patrol car"),
    motorcycle: gettext("Motorcycle"),
    boat: gettext("Boat"),
    truck: gettext("Truck"),
    utility: gettext("Utility crew"),
    tow: gettext("Tow truck"),
  };
  return labels[kind] || kind;
}

/** The button label of a unit's step (see dispatch/steps.py). */
export function stepLabel(step) {
  const labels = {
    en_route: gettext("En route"),
    on_scene: gettext("On scene"),
    operations_started: gettext("Operations started"),
    transporting: gettext("Transporting"),
    at_hospital: gettext("At hospital"),
    clear: gettext("Clear"),
    cancel: gettext("Cancel"),
  };
  return labels[step] || step;
}

export function outcomeLabel(outcome) {
  const labels = {
    resolved: gettext("Resolved"),
    false_alarm: gettext("False alarm"),
    cancelled: gettext("Cancelled"),
    transferred: gettext("Transferred to another service"),
  };
  return labels[outcome] || outcome || "";
}

/** A call-taker's presence state (incidents.Presence.State). */
export function presenceLabel(state) {
  const labels = {
    ready: gettext("Ready"),
    on_call: gettext("On a call"),
    wrap_up: gettext("Wrap-up"),
    break: gettext("On break"),
    away: gettext("Away"),
  };
  return labels[state] || state;
}

export function dispositionLabel(disposition) {
  const labels = {
    emergency: gettext("Emergency"),
    information: gettext("Information"),
    prank: gettext("Prank"),
    ghost: gettext("Ghost (silent line)"),
    dropped: gettext("Dropped"),
    duplicate: gettext("Duplicate"),
    test: gettext("Test"),
  };
  return labels[disposition] || disposition || gettext("not classified");
}

export function categoryLabel(category) {
  const labels = {
    kebakaran: gettext("Fire"),
    bencana: gettext("Disaster"),
    medis: gettext("Medical"),
    kamtibmas: gettext("Security and public order"),
    kecelakaan: gettext("Accident"),
    lain_lain: gettext("Other"),
    mobil_jenazah: gettext("Hearse request"),
  };
  return labels[category] || category || "";
}

export function priorityLabel(priority) {
  const labels = {
    1: gettext("1 — life at risk now"),
    2: gettext("2 — urgent"),
    3: gettext("3 — soon"),
    4: gettext("4 — routine"),
  };
  return labels[priority] || String(priority || "");
}

export function roleLabel(role) {
  const labels = {
    primary: gettext("Primary agency"),
    support: gettext("Supporting agency"),
    added: gettext("Added by the dispatcher"),
  };
  return labels[role] || role;
}

export function capabilityLabel(capability) {
  const labels = {
    fire: gettext("Fire engine"),
    ambulance: gettext("Ambulance"),
    rescue: gettext("Rescue"),
    police: gettext("Police"),
    boat: gettext("Boat"),
    hearse: gettext("Hearse"),
    tree: gettext("Tree crew"),
    utility: gettext("Utility crew"),
  };
  return labels[capability] || capability;
}

export function leftOutLabel(reason) {
  const labels = {
    busy: gettext("Busy"),
    out_of_service: statusLabel("out_of_service"),
    wrong_capability: gettext("Not suitable"),
    too_far: gettext("Too far"),
  };
  return labels[reason] || reason;
}

export function positionLabel(position) {
  const labels = {
    tracked: gettext("tracked position"),
    station: gettext("from its station"),
    unknown: gettext("position unknown"),
  };
  return labels[position] || position;
}
