"""The PDF's closing sections: the definitions, how to verify the event log and, in an appendix,
how to recompute every figure from the row-level CSV export."""

from django.utils.translation import gettext as _
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from reports.definitions import SOURCES
from reports.export_text import method_lines, recipe, source_label, threshold_text
from reports.pdf.layout import WIDTH, Writer, count
from reports.signature import key_facts


def definitions(w: Writer, report: dict) -> list:
    intro = [
        w.p(_("3. Definitions"), "h1"),
        w.p(
            _(
                "T0 ring, T1 answer, T2 incident created, T3 agency notified, T4 agency "
                "accepted, T4d unit dispatched, T5 unit en route, T6 unit on scene, T6f "
                "operations started. Every time is set by the server when the event "
                "happens; times are WIT (UTC+9)."
            ),
            "small",
        ),
        Spacer(1, 4),
    ]
    flow = []
    for metric in report["total"]["metrics"]:
        block = [
            *(intro if not flow else []),
            _metric_heading(w, metric),
            w.labelled(_("Counted over:"), metric["counted_over"]),
            w.labelled(_("Missing:"), metric["missing_note"]),
        ]
        thresholds = "; ".join(threshold_text(t) for t in metric["thresholds"])
        block.append(w.labelled(_("Thresholds:"), thresholds or _("none (reported only)")))
        flow.append(KeepTogether(block))
    return flow


def integrity(w: Writer, report: dict) -> list:
    head = report["chain_head"]
    return [
        KeepTogether(
            [
                w.p(_("4. Data integrity"), "h1"),
                w.p(
                    _(
                        "Every change in Ambon 112 is written to an append-only event log. "
                        "Each event carries a SHA-256 hash that covers the previous one: "
                        "altering, inserting or removing any event breaks the chain from "
                        "that point on."
                    )
                ),
                Spacer(1, 4),
                w.labelled(
                    _("Events covered:"),
                    _("%(n)s events logged in the period.")
                    % {"n": count(report["events_covered"])},
                ),
                w.labelled(
                    _("Chain head when this report was generated:"),
                    _("sequence no. %(seq)s, hash") % {"seq": head["seq"]},
                ),
                w.p(head["hash"], "mono"),
                Spacer(1, 4),
                w.p(_("How to verify:"), "h2"),
                w.bullet(
                    _(
                        "on the server, run “python manage.py verify_events”: it rechecks "
                        "every hash and names the first broken sequence number, if any;"
                    )
                ),
                w.bullet(
                    _(
                        "or open the integrity page /reports/integrity/ and check the "
                        "period of this report;"
                    )
                ),
                w.bullet(
                    _(
                        "the chain head above must still appear, with the same hash, at "
                        "the same sequence number: an event log that was rewritten after "
                        "this report no longer has it."
                    )
                ),
            ]
        ),
        *_signature(w),
    ]


def _signature(w: Writer) -> list:
    """The key that signs this file (its signature is the file's last line, after the PDF's
    end: reports/signature.py), for a verifier to compare with the published one."""
    key = key_facts()
    if key is None:  # no export is made without the key; a PDF rendered by hand may be
        return []
    return [
        KeepTogether(
            [
                Spacer(1, 6),
                w.p(_("Signature of this file"), "h2"),
                w.p(
                    _(
                        "This file is signed with the centre's %(algorithm)s key: the "
                        "signature, over the file's SHA-256 and the chain head above, is its "
                        "last line. A verifier checks it with “python manage.py verify_export "
                        "FILE” or without Ambon 112 with the public key below (README, "
                        "“Verifying an export without the system”)."
                    )
                    % {"algorithm": key["algorithm"]}
                ),
                w.labelled(_("Key fingerprint (SHA-256):"), ""),
                w.p(key["fingerprint_grouped"], "mono"),
                w.labelled(_("Public key (PEM):"), ""),
                *(w.p(line, "mono") for line in key["public_key"].splitlines()),
            ]
        )
    ]


def appendix(w: Writer, report: dict) -> list:
    start, end = report["filter"]["start"], report["filter"]["end"]
    flow = [
        PageBreak(),
        w.p(_("Appendix: recomputing every figure from the row-level export"), "h1"),
        w.p(
            _(
                "Every figure of this report can be recomputed without Ambon 112, from the "
                "row-level CSV export with the same filter (format CSV, part “rows”, one "
                "file per source). Each row carries its timestamps in WIT, each interval in "
                "seconds and the 1/0 flag columns that decide which figures count it. "
                "Callers' numbers are masked."
            )
        ),
        Spacer(1, 4),
    ]
    files = [
        [w.p(_("Source"), "head"), w.p(_("File"), "head")],
        *(
            [
                w.p(source_label(source), "cell"),
                w.p(f"laporan-112-ambon_{start}_{end}_{source}.csv", "mono"),
            ]
            for source in SOURCES
        ),
    ]
    flow += [w.table(files, [110, WIDTH - 110]), Spacer(1, 6)]
    flow.append(w.p(_("Method"), "h2"))
    flow += [w.bullet(line) for line in method_lines()]
    flow.append(
        w.bullet(
            _(
                "Example: 7 measured values sorted x0 … x6; p90 is at rank 0.9 × 6 = 5.4, "
                "so p90 = x5 + 0.4 × (x6 − x5)."
            )
        )
    )
    for metric in report["total"]["metrics"]:
        block = [_metric_heading(w, metric)]
        block += [w.bullet(step) for step in recipe(metric["key"], method=False)]
        flow.append(KeepTogether(block))
    return flow


def _metric_heading(w: Writer, metric: dict):
    return w.p(f"{metric['label']}  ({metric['formula']})", "h2")
