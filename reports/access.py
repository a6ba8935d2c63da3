"""Every report view and export is logged: who, when, which filter (issue #7)."""

from django.utils import timezone

from dispatch.models import ReportAccess


def log_report_access(*, user, action: str, query: dict, format: str = "") -> ReportAccess:
    """One row per read; kept apart from the hash-chained event log, which records changes."""
    return ReportAccess.objects.create(
        user=user, at=timezone.now(), action=action, format=format, query=query
    )
