// The escalation cards: one per subject at its highest level with its history inside, many of
// one watch folded into one line, and the lines of the lists below them (ended, shelved).

import { serverNow } from "../clock.js";
import { duration, el, fmt, timeEl, when } from "../ui.js";
import { BACKUP_ROLES, ROLE, SHELVERS } from "./bar.js";
import { limitOf } from "./subjects.js";
import { alertedText, groupText, limitText, recipientsText, watchLabel } from "./words.js";

export const openGroups = new Set(); // watches whose group line is expanded
export const openHistories = new Set(); // subjects whose history is expanded

/** How long it has waited, counting until it stopped waiting; tick() keeps it current. */
function waitedEl(escalation, resolvedAt = escalation.resolved_at) {
  const node = el("span", {
    className: "wait",
    title: gettext("Waiting"),
    dataset: { waitedFrom: escalation.started_at, waitedUntil: resolvedAt || "" },
  });
  showWaited(node);
  return node;
}

export function showWaited(node) {
  const until = node.dataset.waitedUntil ? Date.parse(node.dataset.waitedUntil) : serverNow();
  node.textContent = duration((until - Date.parse(node.dataset.waitedFrom)) / 1000);
}

const levelEl = (level, className = "level") =>
  el("span", { className, title: fmt(gettext("Level %(n)s"), { n: level }) }, `L${level}`);

const summaryEl = (escalation) =>
  el(
    "span",
    { className: "summary" },
    escalation.incident ? el("a", { href: `/incidents/${escalation.incident}/` }, escalation.summary) : escalation.summary
  );

export const actionButton = (act, key, text, className = act) =>
  el("button", { type: "button", className, dataset: { act, key } }, text);

/** Each level reached: when, who was told, who acknowledged it. */
function historyEl(subject) {
  const line = (escalation) =>
    el(
      "li",
      { dataset: { level: escalation.level } },
      levelEl(escalation.level, "step"),
      " ",
      timeEl(escalation.raised_at),
      " · ",
      recipientsText(escalation),
      " · ",
      escalation.acknowledged_at
        ? el(
            "span",
            { className: "acknowledged" },
            fmt(gettext("acknowledged by %(who)s"), { who: escalation.acknowledged_by || "?" }),
            " ",
            timeEl(escalation.acknowledged_at)
          )
        : el("span", { className: "unacknowledged" }, gettext("not acknowledged"))
    );
  return el(
    "details",
    { className: "history", open: openHistories.has(subject.key), dataset: { history: subject.key } },
    el("summary", {}, fmt(gettext("History: %(n)s levels reached"), { n: subject.levels.length })),
    el("ol", {}, subject.levels.map(line))
  );
}

function card(subject, oversight) {
  const top = subject.top;
  const offersBackup =
    oversight && top.action === "offer_backup" && top.backup && BACKUP_ROLES.has(ROLE);
  const taken = subject.unacknowledged.length === 0; // someone has it; it still waits
  return el(
    "li",
    {
      className: [
        "escalation",
        `level-${Math.min(top.level, 2)}`,
        taken ? "acknowledged" : "",
        offersBackup ? "offers-backup" : "",
      ]
        .filter(Boolean)
        .join(" "),
      dataset: { key: subject.key, level: top.level },
    },
    levelEl(top.level),
    el(
      "span",
      { className: "what" },
      el("strong", {}, watchLabel(top)),
      summaryEl(top),
      oversight ? el("span", { className: "who" }, alertedText(top)) : null,
      historyEl(subject)
    ),
    el("span", { className: "clock" }, waitedEl(top), el("span", { className: "limit" }, limitText(limitOf(top)))),
    el(
      "span",
      { className: "actions" },
      taken
        ? el("span", { className: "badge muted-badge" }, fmt(gettext("acknowledged by %(who)s"), { who: top.acknowledged_by || "?" }))
        : actionButton("acknowledge", subject.key, gettext("Acknowledge")),
      offersBackup
        ? actionButton(
            "backup",
            subject.key,
            fmt(gettext("Send to the backup agency (%(agency)s)"), { agency: top.backup.short_name }),
            "backup"
          )
        : null,
      oversight && SHELVERS.has(ROLE) ? actionButton("shelve", subject.key, gettext("Shelve…"), "shelve") : null
    )
  );
}

const GROUP_FROM = 3; // this many open subjects of one watch make one line

/** Cards, with the watches that have many open subjects folded into one expandable line. */
export function cards(list, oversight) {
  const byWatch = new Map();
  for (const subject of list) {
    if (!byWatch.has(subject.top.watch)) byWatch.set(subject.top.watch, []);
    byWatch.get(subject.top.watch).push(subject);
  }
  const items = [];
  const grouped = new Set();
  for (const subject of list) {
    const watch = subject.top.watch;
    const members = byWatch.get(watch);
    if (members.length < GROUP_FROM) items.push(card(subject, oversight));
    else if (!grouped.has(watch)) {
      grouped.add(watch);
      items.push(groupLine(watch, members, oversight));
    }
  }
  return items;
}

function groupLine(watch, members, oversight) {
  const top = Math.max(...members.map((s) => s.top.level));
  const firstLimit = Math.min(...members.map((s) => limitOf(s.levels[0])));
  return el(
    "li",
    { className: `escalation-group level-${Math.min(top, 2)}`, dataset: { watch, count: members.length } },
    el(
      "details",
      { open: openGroups.has(watch), dataset: { group: watch } },
      el(
        "summary",
        {},
        levelEl(top),
        el("strong", { className: "group-text" }, groupText(watch, members.length, firstLimit, members[0].top)),
        el("span", { className: "wait-longest" }, gettext("longest"), " ", waitedEl(members[0].top))
      ),
      el("ol", { className: "escalations" }, members.map((subject) => card(subject, oversight)))
    )
  );
}

/** One line of the lists below the cards: what ended unseen, what is shelved. */
function listLine(subject, ...extra) {
  return el(
    "li",
    { className: "escalation-line", dataset: { key: subject.key, level: subject.top.level } },
    levelEl(subject.top.level),
    el("strong", {}, watchLabel(subject.top)),
    summaryEl(subject.top),
    ...extra
  );
}

export function endedLine(subject) {
  const ended = subject.levels.map((e) => e.resolved_at).sort().pop();
  return listLine(
    subject,
    el("span", { className: "ended" }, gettext("waited"), " ", waitedEl(subject.top, ended), " · ", gettext("ended at"), " ", timeEl(ended)),
    el("span", { className: "actions" }, actionButton("acknowledge-resolved", subject.key, gettext("Acknowledge")))
  );
}

export function shelvedLine(subject) {
  const shelf = subject.shelf;
  return listLine(
    subject,
    el(
      "span",
      { className: "shelf" },
      fmt(gettext("until %(time)s WIT, by %(who)s: %(reason)s"), {
        time: when(shelf.until),
        who: shelf.by || "?",
        reason: shelf.reason,
      })
    ),
    SHELVERS.has(ROLE)
      ? el("span", { className: "actions" }, actionButton("unshelve", subject.key, gettext("Unshelve")))
      : null
  );
}
