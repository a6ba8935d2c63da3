"""The PDF's first pages: the cover with what the report covers, the summary table with its
compliance colours, and the breakdown's p90 per group."""

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

from reports.export_text import (
    filter_lines,
    generated_at,
    status_label,
    times_lines,
    title,
)
from reports.pdf.layout import (
    BAND,
    MUTED,
    STATUS_COLOURS,
    WIDTH,
    Writer,
    count,
    percent,
    period_title,
    secs,
)


def cover(w: Writer, report: dict) -> list:
    facts = [[w.p(label, "cell_bold"), w.p(value, "cell")] for label, value in filter_lines(report)]
    facts += [
        [w.p(_("Generated at"), "cell_bold"), w.p(generated_at(report), "cell")],
        [w.p(_("Events covered"), "cell_bold"), w.p(count(report["events_covered"]), "cell")],
        [
            w.p(_("Event chain head"), "cell_bold"),
            w.p(
                _("sequence no. %(seq)s, SHA-256 hash:") % {"seq": report["chain_head"]["seq"]},
                "cell",
            ),
        ],
        ["", w.p(report["chain_head"]["hash"], "mono")],
        *([w.p(label, "cell_bold"), w.p(value, "cell")] for label, value in times_lines(report)),
    ]
    facts_table = w.table(
        facts,
        [130, WIDTH - 130],
        [("BACKGROUND", (0, 0), (-1, -1), BAND), ("LINEBELOW", (0, 0), (-1, -1), 0, BAND)],
        head_rows=0,
    )
    flow = [
        w.p(_("112 EMERGENCY SERVICE · AMBON CITY · MALUKU PROVINCE"), "kicker"),
        Spacer(1, 3),
        w.p(title(), "title"),
        w.p(period_title(report), "subtitle"),
        Spacer(1, 8),
        facts_table,
    ]
    if not report["has_data"]:
        flow += [
            Spacer(1, 6),
            w.p(_("No call and no incident was recorded in this period: no data."), "h2"),
        ]
    return flow


def summary(w: Writer, report: dict) -> list:
    total = report["total"]
    calls = total["calls"]
    flow = [w.p(_("1. Summary"), "h1")]
    if calls:
        rate = percent(calls["abandoned_rate"]) if calls["abandoned_rate"] is not None else "–"
        flow.append(
            w.p(
                _(
                    "Calls presented: %(presented)s · abandoned: %(abandoned)s (%(rate)s) · "
                    "incidents: %(incidents)s"
                )
                % {
                    "presented": count(calls["presented"]),
                    "abandoned": count(calls["abandoned"]),
                    "rate": rate,
                    "incidents": count(total["incidents"]),
                }
            )
        )
        flow += [Spacer(1, 4), _legend(w), Spacer(1, 5)]
    head = [
        w.p(_("Measure"), "head"),
        w.p(_("Population"), "head_small"),
        w.p(_("Measured"), "head_small"),
        w.p(_("Missing"), "head_small"),
        w.p("p50", "head_small"),
        w.p("p90", "head_small"),
        w.p("p95", "head_small"),
        w.p(_("Max"), "head_small"),
        w.p(_("Threshold"), "head"),
        w.p(_("Compliance"), "head"),
    ]
    rows, style = [head], []
    for metric in total["metrics"]:
        first = len(rows)
        thresholds = metric["thresholds"] or [None]
        for index, threshold in enumerate(thresholds):
            if index == 0:
                row = [
                    Paragraph(
                        f"<b>{escape(w.fonts.text(metric['label']))}</b><br/>"
                        f'<font size="6.5" color="#5F6B7A">'
                        f"{escape(w.fonts.text(metric['formula']))}</font>",
                        w.styles["cell"],
                    ),
                    w.p(count(metric["population"]), "cell_right"),
                    w.p(count(metric["measured"]), "cell_right"),
                    w.p(count(metric["missing"]), "cell_right"),
                    *(w.p(secs(metric[k]), "cell_right") for k in ("p50", "p90", "p95", "max")),
                ]
            else:
                row = [""] * 8
            row += _compliance(w, threshold, style, len(rows))
            rows.append(row)
        if len(thresholds) > 1:
            for column in range(8):
                style.append(("SPAN", (column, first), (column, len(rows) - 1)))
        style.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.8, MUTED))
    # "Population" on one line; a time up to 9,999.9 s in p50–p95 and 99,999.9 s in max.
    widths = [76, 47, 44, 40, 37, 37, 37, 40, 78, 74]
    flow += [
        w.table(rows, widths, style),
        Spacer(1, 3),
        w.p(
            _(
                "Times in seconds. p50, p90, p95: the time within which 50, 90 and 95 % of "
                "the measured items fall. Missing: items that never reached the interval's "
                "end; they are not counted as zero."
            ),
            "small",
        ),
    ]
    return flow


def _compliance(w: Writer, threshold: dict | None, style: list, row: int) -> list:
    if threshold is None:
        return [w.p(_("no threshold"), "cell"), w.p("–", "compliance")]
    status = threshold["status"]
    style.append(("BACKGROUND", (9, row), (9, row), STATUS_COLOURS[status]))
    if status == "no_data":  # never a 0 % or 100 % for nothing measured
        cell = w.p(status_label(status), "compliance")
    else:
        share = escape(w.fonts.text(percent(threshold["share"])))
        counts = _("%(within)s of %(of)s") % {
            "within": count(threshold["within"]),
            "of": count(threshold["of"]),
        }
        label = escape(w.fonts.text(status_label(status)))
        cell = Paragraph(
            f"<b>{share}</b> ({escape(w.fonts.text(counts))})<br/>{label}",
            w.styles["compliance"],
        )
    return [w.p(threshold["label"], "cell_small"), cell]


def _legend(w: Writer) -> Table:
    entries = [
        ("met", _("Met: the share reaches the target")),
        ("near", _("Nearly met: up to 5 points below")),
        ("missed", _("Not met")),
        ("no_data", _("No data: nothing measured")),
    ]
    cells, style = [], []
    for index, (status, text) in enumerate(entries):
        cells += ["", w.p(text, "small")]
        style.append(("BACKGROUND", (2 * index, 0), (2 * index, 0), STATUS_COLOURS[status]))
    style += [("LINEBELOW", (0, 0), (-1, -1), 0, colors.white)]
    return w.table([cells], [10, 117.5] * 4, style, head_rows=0)


def groups(w: Writer, report: dict) -> list:
    if not report["by"] or not report["groups"]:
        return []
    names = {
        "month": _("month"),
        "agency": _("agency"),
        "category": _("category"),
        "kecamatan": _("kecamatan"),
        "shift": _("shift"),
        "priority": _("priority"),
    }
    metrics = report["total"]["metrics"]
    head = [
        w.p(names[report["by"]].capitalize(), "head"),
        w.p(_("Incidents"), "head_small"),
        w.p(_("Calls"), "head_small"),
        *(w.p(m["label"], "head_small") for m in metrics),
    ]
    rows = [head]
    for group in report["groups"]:
        by_key = {m["key"]: m for m in group["metrics"]}
        calls = group["calls"]
        rows.append(
            [
                w.p(group["label"], "cell"),
                w.p(count(group["incidents"]), "cell_right"),
                w.p(count(calls["presented"]) if calls else "–", "cell_right"),
                *(w.p(secs(by_key.get(m["key"], {}).get("p90")), "cell_right") for m in metrics),
            ]
        )
    rest = (WIDTH - 84 - 2 * 44) / len(metrics)
    widths = [84, 44, 44, *([rest] * len(metrics))]
    heading = _("By %(breakdown)s: p90 in seconds") % {"breakdown": names[report["by"]]}
    note = _(
        "Calls have no agency, category or kecamatan until they become incidents: “–” where "
        "a group holds no calls of its own, or nothing was measured."
    )
    narrow = [("LEFTPADDING", (1, 0), (-1, 0), 1.5), ("RIGHTPADDING", (1, 0), (-1, 0), 1.5)]
    table = w.table(rows, widths, narrow)
    return [KeepTogether([w.p(heading, "h2"), table, Spacer(1, 2), w.p(note, "small")])]
