"""The response-time report API: figures, the rows behind them, exports, the chain check.

Read-only, for verifiers, supervisors and administrators; every call is logged.
"""

from dataclasses import replace
from datetime import date, timedelta

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Area
from agencies.permissions import REPORT_ROLES, roles
from core.clock import days
from dispatch.models import ReportAccess
from incidents.chain_times import check_period
from incidents.models import EventChainHead
from incidents.seals import verify_seals
from incidents.signing import SigningKeyMissing
from reports import exports, pdf
from reports.access import log_report_access
from reports.build import build_report, times_facts
from reports.definitions import SOURCES
from reports.exports.xlsx_export import XLSX_ROW_LIMIT
from reports.filters import ReportFilter, ReportQuery
from reports.rows import ROW_COLUMNS, Selection, count_rows, iter_rows
from reports.serializers import (
    ExportQuery,
    IntegritySerializer,
    PeriodQuery,
    ReportSerializer,
    RowPageSerializer,
    RowsQuery,
)
from reports.signature import Signer, export_facts, key_facts

PAGE_SIZE = 100
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _query(serializer_class, request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query


def _logged(request, action: str, query, format: str = "") -> None:
    asked = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
    asked = {k: v.isoformat() if isinstance(v, date) else v for k, v in asked.items()}
    log_report_access(user=request.user, action=action, query=asked, format=format)


def raw_group_key(by: str, key: str):
    """A group's public key (as in the report) → the key the breakdown's SQL gives."""
    if key == "":
        return None
    if by == "agency":
        return Agency.objects.filter(code=key).values_list("pk", flat=True).first()
    if by == "kecamatan":
        return Area.objects.filter(code=key).values_list("pk", flat=True).first()
    if by == "priority":
        return int(key) if key.isdigit() else None
    return key


class ReportView(APIView):
    """Every metric of the period, in total and per group of the breakdown."""

    permission_classes = [roles(*REPORT_ROLES)]

    @extend_schema(parameters=[ReportQuery], responses=ReportSerializer)
    def get(self, request):
        query = _query(ReportQuery, request)
        _logged(request, ReportAccess.Action.VIEW, query)
        return Response(build_report(query.report_filter(), by=query.breakdown))


class ReportRowsView(APIView):
    """The calls, incidents, tickets or assignments behind one figure, a page at a time."""

    permission_classes = [roles(*REPORT_ROLES)]

    @extend_schema(parameters=[RowsQuery], responses=RowPageSerializer)
    def get(self, request):
        query = _query(RowsQuery, request)
        data = query.validated_data
        _logged(request, ReportAccess.Action.ROWS, query)
        # A breakdown without a group asks for every row: the figure of the total.
        by = query.breakdown if "group" in data else None
        selection = Selection(
            data["source"],
            by=by,
            group=raw_group_key(by, data["group"]) if by else None,
            metric=data.get("metric") or None,
            outcome=data.get("outcome") or None,
            threshold=data.get("threshold") or None,
        )
        report_filter = query.report_filter()
        count = count_rows(report_filter, selection)
        pages = max(1, -(-count // PAGE_SIZE))
        page = min(data["page"], pages)
        rows = iter_rows(report_filter, selection, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        columns = [{"key": k, "label": str(label)} for k, label in ROW_COLUMNS[data["source"]]]
        return Response(
            {"count": count, "page": page, "pages": pages, "columns": columns, "rows": list(rows)}
        )


def twelve_months_to(report_filter: ReportFilter) -> ReportFilter:
    """The trend behind the PDF's chart: the twelve months ending with the period's last."""
    end = report_filter.end
    first = date(end.year - 1, end.month, 1) + timedelta(days=31)
    return replace(report_filter, start=first.replace(day=1))


class Unsigned(APIException):
    """No export leaves the centre unsigned: without the key there is no export at all."""

    status_code = 503
    default_code = "unsigned"


class ReportExportView(APIView):
    """The summary as CSV, XLSX or PDF, or the rows as CSV (one source) or XLSX (all), each
    signed with the centre's key (reports/signature.py)."""

    permission_classes = [roles(*REPORT_ROLES)]

    @extend_schema(
        parameters=[ExportQuery],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            503: OpenApiResponse(description="The centre's signing key has not been created."),
        },
    )
    def get(self, request):
        query = _query(ExportQuery, request)
        data, report_filter = query.validated_data, query.report_filter()
        fmt, part, source = data["format"], data["part"], data.get("source") or None
        report = build_report(report_filter, by=query.breakdown)
        row_count = sum(report["rows"].values())
        if fmt == "xlsx" and part == "rows" and row_count > XLSX_ROW_LIMIT:
            message = _(
                "This period has %(rows)s rows; an XLSX of rows holds at most %(limit)s. "
                "Export the rows as CSV, one source at a time, or choose a shorter period."
            ) % {
                "rows": number_format(row_count, force_grouping=True),
                "limit": number_format(XLSX_ROW_LIMIT, force_grouping=True),
            }
            raise ValidationError({"part": [message]})
        try:
            signer = Signer()
        except SigningKeyMissing as exc:
            raise Unsigned(str(exc)) from None
        _logged(request, ReportAccess.Action.EXPORT, query, format=fmt)
        name = f"laporan-112-ambon_{report_filter.start}_{report_filter.end}"
        if part == "rows":
            name += f"_{source or 'baris'}"
        facts = export_facts(report, file=f"{name}.{fmt}", format=fmt, part=part, source=source)
        if fmt == "csv" and part == "rows":
            lines = exports.rows_csv(report, source, iter_rows(report_filter, Selection(source)))
            response = StreamingHttpResponse(
                signer.sign_stream(lines, facts), content_type=CONTENT_TYPES["csv"]
            )
        else:
            if fmt == "csv":
                data = exports.summary_csv(report).encode()
            elif fmt == "xlsx":
                rows = None
                if part == "rows":
                    rows = {s: iter_rows(report_filter, Selection(s)) for s in SOURCES}
                data = exports.workbook(report, rows)
            else:
                trend = build_report(
                    twelve_months_to(report_filter), by="month", check_times_too=False
                )
                data = pdf.pdf(report, trend)
            response = HttpResponse(signer.sign_file(data, facts), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


class IntegrityView(APIView):
    """The event chain and the daily seals checked over a period: intact, or the first broken
    sequence and each broken seal; with the public key that signs seals and exports."""

    permission_classes = [roles(*REPORT_ROLES)]

    @extend_schema(parameters=[PeriodQuery], responses=IntegritySerializer)
    def get(self, request):
        query = _query(PeriodQuery, request)
        _logged(request, ReportAccess.Action.INTEGRITY, query)
        since, until = days(query.validated_data["start"], query.validated_data["end"])
        checked = check_period(since=since, until=until)
        chain = checked.chain
        seals = verify_seals(since=since, until=until)
        head = EventChainHead.objects.get(pk=1)
        return Response(
            {
                "intact": checked.intact and seals.intact,
                "checked": chain.checked,
                "first_bad_seq": chain.first_bad_seq,
                "problem": str(chain.problem),
                "chain_head": {"seq": head.seq, "hash": head.hash},
                "times": times_facts(checked.times),
                "seals": {
                    "checked": seals.checked,
                    "broken": [
                        {"seq": b.seal_seq, "day": b.day, "problem": b.problem}
                        for b in seals.broken
                    ],
                },
                "signing_key": key_facts(),
            }
        )
