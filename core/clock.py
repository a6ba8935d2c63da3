"""Calendar days of the centre (WIT, the configured TIME_ZONE) as instants stored in UTC."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    """Midnight of `day` in the centre's time zone."""
    return datetime.combine(day, time(0), tzinfo=timezone.get_default_timezone())


def days(start: date, end: date) -> tuple[datetime, datetime]:
    """The days start…end (inclusive) as [from, to): midnight to the midnight after `end`."""
    return day_start(start), day_start(end + timedelta(days=1))
