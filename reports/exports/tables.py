"""The tables the CSV and the workbook both hold: their headings and the values of their rows."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from agencies.models import Agency, Unit
from dispatch.models import Ticket
from incidents.models import Call, IncidentType
from reports.definitions import DISPOSITION_LABELS, METRICS, SHIFT_LABELS
from reports.export_text import recipe, threshold_text
from reports.rows import ROW_COLUMNS

MAX_THRESHOLDS = max(len(metric.thresholds) for metric in METRICS)
# The 0/1 columns that select a figure's rows: populations and the subsets thresholds hold.
FLAG_COLUMNS = {m.population for m in METRICS if m.population}
FLAG_COLUMNS |= {t.subset for m in METRICS for t in m.thresholds if t.subset}


def groups(report: dict) -> list[dict]:
    """The total first, then the breakdown's groups."""
    return [{**report["total"], "label": _("Total"), "key": None}, *report["groups"]]


def summary_headings() -> list[str]:
    headings = [
        _("Group"),
        _("Metric"),
        _("Formula"),
        _("Population"),
        _("Measured"),
        _("Missing"),
        _("p50 (s)"),
        _("p90 (s)"),
        _("p95 (s)"),
        _("Max (s)"),
    ]
    for n in range(1, MAX_THRESHOLDS + 1):
        headings += [
            _("Threshold %(n)s") % {"n": n},
            _("Within %(n)s") % {"n": n},
            _("Of %(n)s") % {"n": n},
            _("Share %(n)s (%%)") % {"n": n},
            _("Status %(n)s") % {"n": n},
        ]
    return headings


def calls_headings(report: dict) -> list[str]:
    calls = report["total"]["calls"] or {"by_disposition": [], "by_channel": []}
    return [
        _("Group"),
        _("Incidents"),
        _("Calls presented"),
        _("Calls abandoned"),
        _("Abandoned rate (%)"),
        *(f"{_('Disposition')}: {row['label']}" for row in calls["by_disposition"]),
        *(f"{_('Channel')}: {row['label']}" for row in calls["by_channel"]),
    ]


def calls_values(group: dict, rate: Callable) -> list:
    """Incidents and the call figures of a group, the abandoned rate as `rate` writes it;
    blank calls when its calls have no group."""
    calls = group["calls"]
    if calls is None:
        return [group["incidents"]]
    return [
        group["incidents"],
        calls["presented"],
        calls["abandoned"],
        rate(calls["abandoned_rate"]),
        *(row["count"] for row in calls["by_disposition"]),
        *(row["count"] for row in calls["by_channel"]),
    ]


def definition_headings() -> list[str]:
    return [
        _("Metric"),
        _("Formula"),
        _("Counted over"),
        _("Missing"),
        _("Thresholds"),
        _("How to recompute"),
    ]


def definition_texts(metric: dict, *, thresholds_sep: str, steps_sep: str) -> list[str]:
    """A metric's row under definition_headings()."""
    return [
        metric["label"],
        metric["formula"],
        metric["counted_over"],
        metric["missing_note"],
        thresholds_sep.join(threshold_text(t) for t in metric["thresholds"]) or "—",
        steps_sep.join(recipe(metric["key"])),
    ]


def coded_labels(source: str) -> dict[str, dict[str, str]]:
    """For each coded column of a source's rows, code → label in the active language, read now:
    a streamed CSV is written after the view returned, when that language may be gone."""

    def texts(choices) -> dict[str, str]:
        return {str(code): str(label) for code, label in dict(choices).items()}

    known = {
        "channel": texts(Call.Channel.choices),
        "disposition": texts(DISPOSITION_LABELS),
        "first_disposition": texts(DISPOSITION_LABELS),
        "category": texts(IncidentType.Category.choices),
        "unit_kind": texts(Unit.Kind.choices),
        "shift": texts(SHIFT_LABELS),
    }
    if source == "tickets":
        known["status"] = texts(Ticket.Status.choices)
    if source in ("tickets", "assignments"):
        known["agency"] = dict(Agency.objects.values_list("code", "short_name"))
    columns = {key for key, _label in ROW_COLUMNS[source]}
    return {key: labels for key, labels in known.items() if key in columns}


def row_columns(source: str, labels: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """The rows' columns as exported: each coded column followed by its label (`phone`,
    “Telepon”), as the report page shows them; the code stays for whoever recomputes."""
    columns = []
    for key, heading in ROW_COLUMNS[source]:
        columns.append((key, str(heading)))
        if key in labels:
            columns.append((label_key(key), _("%(column)s (label)") % {"column": heading}))
    return columns


def label_key(key: str) -> str:
    return f"{key}_label"


def with_labels(row: dict, labels: dict[str, dict[str, str]]) -> dict:
    """A row with the label of each coded value (the code itself when it has none)."""
    labelled = dict(row)
    for key, known in labels.items():
        value = row.get(key)
        if value not in (None, ""):
            labelled[label_key(key)] = known.get(str(value), str(value))
    return labelled
