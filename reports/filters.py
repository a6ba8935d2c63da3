"""The report's filter: a period of WIT days, and optionally agency, category, place, shift."""

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Area
from core.api import StrictSerializer
from core.clock import days
from incidents.models import IncidentType
from reports.definitions import BREAKDOWNS, SHIFT_LABELS, SHIFTS
from reports.scopes import incident_scopes

MAX_DAYS = 5 * 366  # "a range of more than 5 years" is refused
# Days a report may ask about: this century. Year 1 or 9999 is a typo (and their midnights in
# WIT fall outside what a datetime can hold).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class ReportFilter:
    start: date  # first WIT day, inclusive
    end: date  # last WIT day, inclusive
    agency: str | None = None  # agency code
    category: str | None = None
    kecamatan: str | None = None  # kecamatan code, e.g. 81.71.02
    shift: str | None = None  # a key of SHIFTS
    priority: int | None = None
    # ((scope name, value), …): incident sets offered by other apps (reports/scopes.py)
    scopes: tuple[tuple[str, str], ...] = ()

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as [from, to) instants: WIT midnight to the midnight after the last day."""
        return days(self.start, self.end)

    def as_dict(self) -> dict:
        values = asdict(self)
        values["start"], values["end"] = self.start.isoformat(), self.end.isoformat()
        return values

    def labels(self) -> dict:
        """Each set field as a person reads it; the period always."""
        labels = {"period": f"{self.start:%d-%m-%Y} – {self.end:%d-%m-%Y}"}
        if self.agency:
            labels["agency"] = Agency.objects.get(code=self.agency).name
        if self.category:
            labels["category"] = str(IncidentType.Category(self.category).label)
        if self.kecamatan:
            labels["kecamatan"] = Area.objects.get(code=self.kecamatan).name
        if self.shift:
            labels["shift"] = str(SHIFT_LABELS[self.shift])
        if self.priority:
            labels["priority"] = f"P{self.priority}"
        for name, value in self.scopes:
            scope = incident_scopes()[name]
            labels[name] = dict(scope.choices()).get(value, value)
        return labels

    def scoped_incidents(self) -> set[int] | None:
        """The incidents every scope allows (None: no scope is set)."""
        allowed = None
        for name, value in self.scopes:
            ids = incident_scopes()[name].incidents(value) or set()
            allowed = ids if allowed is None else allowed & ids
        return allowed


@extend_schema_field(
    {"type": "string", "format": "date", "pattern": r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"}
)
class ReportDateField(serializers.DateField):
    """A day of a report's period, between FIRST_DAY and LAST_DAY."""

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(
                _("Give a day between %(first)s and %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
            )
        return day


class ReportQuery(StrictSerializer):
    """A report's filter as query parameters; unknown values are named in the message."""

    start = ReportDateField(help_text=gettext_lazy("First day (WIT), YYYY-MM-DD"))
    end = ReportDateField(help_text=gettext_lazy("Last day (WIT), inclusive"))
    agency = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(
        choices=IncidentType.Category.choices, required=False, allow_blank=True
    )
    kecamatan = serializers.CharField(required=False, allow_blank=True)
    shift = serializers.ChoiceField(choices=list(SHIFTS), required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    by = serializers.ChoiceField(choices=BREAKDOWNS, required=False, allow_blank=True)

    def validate_agency(self, value: str) -> str:
        if value and not Agency.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Unknown agency “%(code)s”.") % {"code": value})
        return value

    def validate_kecamatan(self, value: str) -> str:
        if value and not Area.objects.filter(code=value, level=Area.Level.KECAMATAN).exists():
            raise serializers.ValidationError(_("Unknown kecamatan “%(code)s”.") % {"code": value})
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, scope in incident_scopes().items():
            self.fields[name] = serializers.CharField(
                required=False, allow_blank=True, max_length=40, help_text=scope.label()
            )

    def validate(self, data: dict) -> dict:
        for name, scope in incident_scopes().items():
            if data.get(name) and scope.incidents(data[name]) is None:
                raise serializers.ValidationError(
                    {name: _("Unknown value “%(value)s”.") % {"value": data[name]}}
                )
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": _("The end is before the start.")})
        if (data["end"] - data["start"]).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"end": _("A report covers at most 5 years.")})
        return data

    def report_filter(self) -> ReportFilter:
        data = self.validated_data
        return ReportFilter(
            start=data["start"],
            end=data["end"],
            agency=data.get("agency") or None,
            category=data.get("category") or None,
            kecamatan=data.get("kecamatan") or None,
            shift=data.get("shift") or None,
            priority=data.get("priority") or None,
            scopes=tuple((name, data[name]) for name in incident_scopes() if data.get(name)),
        )

    @property
    def breakdown(self) -> str | None:
        return self.validated_data.get("by") or None
