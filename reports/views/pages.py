"""The verifier's pages: the response-time report and the event-chain check over a period.

Both pages are shells: their figures come from the report API (/api/reports/…), which checks
the role again and logs every read. The page only supplies the filter's choices.
"""

from django.shortcuts import render

from agencies.models import Agency, Area
from agencies.permissions import REPORT_ROLES, role_required
from incidents.models import IncidentType
from reports.definitions import SHIFT_LABELS
from reports.exports.xlsx_export import XLSX_ROW_LIMIT
from reports.scopes import incident_scopes
from reports.signature import key_facts


def _report_options() -> dict:
    """What the filter's selects offer, in the active language."""
    return {
        "agencies": list(
            Agency.objects.order_by("short_name").values("code", "name", "short_name")
        ),
        "categories": [{"code": c, "name": str(n)} for c, n in IncidentType.Category.choices],
        "kecamatan": list(
            Area.objects.filter(level=Area.Level.KECAMATAN).order_by("name").values("code", "name")
        ),
        "shifts": [{"code": code, "name": str(label)} for code, label in SHIFT_LABELS.items()],
        "priorities": [1, 2, 3, 4],
        "xlsx_row_limit": XLSX_ROW_LIMIT,
        "scopes": [
            {
                "name": scope.name,
                "label": scope.label(),
                "choices": [{"code": v, "name": label} for v, label in scope.choices()],
            }
            for scope in incident_scopes().values()
        ],
    }


@role_required(*REPORT_ROLES)
def report_page(request):
    """Response times of a period: figures, definitions, charts, drill-down and exports."""
    return render(request, "reports/report.html", {"report_options": _report_options()})


@role_required(*REPORT_ROLES)
def integrity_page(request):
    """The event log's hash chain checked over a period, for a verifier to quote, and the
    public key that signs exports and seals."""
    return render(request, "reports/integrity.html", {"signing_key": key_facts()})
