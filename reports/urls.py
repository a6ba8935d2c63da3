"""The reports' routes, included by ambon112/urls.py."""

from django.urls import path

from reports.views import api, pages

api_urlpatterns = [
    path("summary/", api.ReportView.as_view(), name="report-summary"),
    path("rows/", api.ReportRowsView.as_view(), name="report-rows"),
    path("export/", api.ReportExportView.as_view(), name="report-export"),
    path("integrity/", api.IntegrityView.as_view(), name="report-integrity"),
]

urlpatterns = [
    path("", pages.report_page, name="report_page"),
    path("integrity/", pages.integrity_page, name="integrity_page"),
]
