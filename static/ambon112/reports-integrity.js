// The event log's integrity for a period, from /api/reports/integrity/: intact, or where the
// hash chain breaks. The period is kept in the URL and carried back to the report.

import { ApiError, api, el, fill, fmt } from "./ui.js";
import { $, count, dayLabel, query, shiftedMonth } from "./reports-common.js";

async function checkIntegrity(integrityForm, { push = false } = {}) {
  const page = $("integrity-app");
  const period = { start: integrityForm.elements.start.value, end: integrityForm.elements.end.value };
  const url = `${window.location.pathname}?${query(period)}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  $("back-to-report").href = `/reports/?${query(period)}`;
  for (const node of integrityForm.querySelectorAll("[data-error-for]")) node.textContent = "";
  $("integrity-error").hidden = true;
  $("verdict").hidden = true;
  $("integrity-loading").hidden = false;
  $("i-submit").disabled = true;
  page.dataset.state = "checking";
  let chain;
  try {
    chain = await api(`/api/reports/integrity/?${query(period)}`);
  } catch (error) {
    const errors = error instanceof ApiError && error.status === 400 && error.body ? error.body.errors || error.body : null;
    const general = [];
    if (errors) {
      for (const [field, messages] of Object.entries(errors)) {
        if (field === "detail") continue;
        const slot = integrityForm.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
        if (slot) slot.textContent = [].concat(messages).join(" ");
        else general.push([].concat(messages).join(" "));
      }
      if (!general.length) general.push(gettext("Check the highlighted fields."));
    } else {
      general.push(error instanceof ApiError ? error.message : gettext("The server could not be reached. Try again."));
    }
    $("integrity-error").textContent = general.join(" ");
    $("integrity-error").hidden = false;
    page.dataset.state = "error";
    return;
  } finally {
    $("integrity-loading").hidden = true;
    $("i-submit").disabled = false;
  }
  const verdict = $("verdict");
  verdict.className = `verdict ${chain.intact ? "intact" : "broken"}`;
  const facts = [
    [gettext("Period"), `${dayLabel(period.start)} – ${dayLabel(period.end)}`],
    [gettext("Events checked"), count(chain.checked)],
  ];
  if (chain.first_bad_seq != null) {
    facts.push([gettext("First broken sequence"), chain.first_bad_seq == null ? "—" : `#${count(chain.first_bad_seq)}`]);
    facts.push([gettext("Problem"), chain.problem || "—"]);
  }
  facts.push([gettext("Daily seals checked"), count(chain.seals.checked)]);
  for (const seal of chain.seals.broken) {
    facts.push([fmt(gettext("Broken seal of %(day)s"), { day: dayLabel(seal.day) }), `#${count(seal.seq)}: ${seal.problem}`]);
  }
  const times = chain.times;
  facts.push([gettext("Rows whose times were checked"), count(times.checked)]);
  if (!times.intact) {
    facts.push([gettext("Times that do not match their event"), count(times.mismatches)]);
    facts.push([gettext("Figures affected"), times.affected.map((figure) => figure.label).join(", ") || gettext("none of the figures")]);
  }
  facts.push([gettext("Log head"), `#${count(chain.chain_head.seq)}`]);
  fill(
    verdict,
    el("h2", {}, chain.intact ? gettext("Intact") : gettext("Broken")),
    el(
      "p",
      {},
      chain.intact
        ? chain.checked
          ? gettext("No event of the period was altered, inserted or removed.")
          : gettext("No event was logged in this period.")
        : chain.first_bad_seq == null && !chain.seals.broken.length
          ? gettext("Times stored in the tables the reports read do not match the events that set them (listed below): the figures affected are not proven by the log.")
          : chain.first_bad_seq == null && chain.seals.broken.length
          ? gettext("A daily seal no longer matches the log: history before the seal was rewritten, or the seal was altered.")
          : fmt(gettext("The chain breaks at sequence %(seq)s: that event or the one before it was altered, inserted or removed."), { seq: chain.first_bad_seq })
    ),
    el(
      "dl",
      {},
      facts.map(([term, value]) => el("div", { className: "fact" }, el("dt", {}, term), el("dd", {}, value))),
      el("div", { className: "fact" }, el("dt", {}, gettext("Head hash (SHA-256)")), el("dd", { className: "hash", id: "head-hash" }, chain.chain_head.hash))
    ),
    times.intact
      ? null
      : el(
          "section",
          { className: "time-mismatches" },
          el("h3", {}, gettext("Times that do not match their event")),
          el("ol", { id: "time-mismatches" }, times.named.map((mismatch) => el("li", {}, mismatch.text))),
          times.mismatches > times.named.length ? el("p", { className: "muted" }, fmt(gettext("and %(n)s more"), { n: count(times.mismatches - times.named.length) })) : null
        )
  );
  verdict.hidden = false;
  page.dataset.state = chain.intact ? "intact" : "broken";
}

function startIntegrity() {
  const integrityForm = $("integrity-form");
  const params = new URLSearchParams(window.location.search);
  const [monthStart, monthEnd] = shiftedMonth(0);
  integrityForm.elements.start.value = params.get("start") || monthStart;
  integrityForm.elements.end.value = params.get("end") || monthEnd;
  integrityForm.addEventListener("submit", (event) => {
    event.preventDefault();
    checkIntegrity(integrityForm, { push: true });
  });
  window.addEventListener("popstate", () => {
    const again = new URLSearchParams(window.location.search);
    integrityForm.elements.start.value = again.get("start") || monthStart;
    integrityForm.elements.end.value = again.get("end") || monthEnd;
    checkIntegrity(integrityForm);
  });
  checkIntegrity(integrityForm);
}

if ($("integrity-app")) startIntegrity();
