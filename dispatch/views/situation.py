"""The supervisor's live city map and the operations room's wallboard (pages and API).

Dispatchers, supervisors and administrators only: verifiers read reports and timelines, not
live operations, and agency desks have their own console with their own units.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Area, Unit
from agencies.permissions import MAP_ROLES, role_required, roles
from dispatch import situation
from incidents.consoles import console_context, map_config
from incidents.models import Incident, IncidentType
from incidents.serializers import PresenceCountsSerializer


def _page_context(request) -> dict:
    context = console_context(request.user)
    context["map_config"] = map_config()
    context["situation_options"] = {
        "categories": [{"code": c, "name": str(n)} for c, n in IncidentType.Category.choices],
        "agencies": [
            {"code": code, "name": name}
            for code, name in Agency.objects.filter(is_active=True)
            .order_by("short_name")
            .values_list("code", "short_name")
        ],
        "incident_statuses": [
            {"code": s, "name": str(Incident.Status(s).label)} for s in Incident.OPEN_STATUSES
        ],
        "unit_statuses": [{"code": c, "name": str(n)} for c, n in Unit.Status.choices],
        "position_max_age_min": settings.UNIT_POSITION_MAX_AGE_MIN,
        "kecamatan": list(
            Area.objects.filter(level=Area.Level.KECAMATAN).order_by("name").values("code", "name")
        ),
    }
    return context


@role_required(*MAP_ROLES)
def map_console(request):
    """The live city map with the wallboard strip. Not for verifiers: they see no live
    operations (reports and timelines are theirs), nor for agency desks."""
    return render(request, "console/map.html", _page_context(request))


@role_required(*MAP_ROLES)
def wallboard_console(request):
    """The wallboard alone, full screen, for the room's big screen (same roles as the map)."""
    return render(request, "console/wallboard.html", console_context(request.user))


FILTER_PARAMETERS = [
    OpenApiParameter(
        name,
        str,
        description="One or more values, repeated or comma-separated; unknown ones are ignored "
        "and listed under `ignored`.",
    )
    for name in situation.FILTERS
]


class SituationMapView(APIView):
    """Open incidents and units as GeoJSON, the ones with no position aside, open alerts."""

    permission_classes = [roles(*MAP_ROLES)]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="`incidents` and `units` are GeoJSON FeatureCollections of Point features "
        "([lon, lat]); `unlocated` lists those with no position; `ignored` the filter values "
        "nobody knows. `status` takes incident and unit statuses alike.",
    )
    def get(self, request):
        filters = situation.parse_filters(request.query_params)
        return Response(situation.map_situation(filters))


class CountSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class TicketWaitSerializer(CountSerializer):
    oldest = serializers.DateTimeField()


class UnitsAvailableSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    available = serializers.IntegerField()
    total = serializers.IntegerField()


class AnswerShareSerializer(serializers.Serializer):
    threshold_s = serializers.IntegerField()
    within = serializers.IntegerField(help_text="Answered (T1) within the threshold")
    answered = serializers.IntegerField(help_text="Calls that rang today and were answered")
    presented = serializers.IntegerField(help_text="Calls that rang today")
    percent = serializers.FloatField(
        allow_null=True, help_text="within ÷ answered, as the report; null when none answered"
    )


class WallboardSerializer(serializers.Serializer):
    now = serializers.DateTimeField()
    since = serializers.DateTimeField(help_text="Midnight WIT: the start of today")
    calls_waiting = serializers.IntegerField()
    longest_wait_s = serializers.IntegerField(allow_null=True)
    answered_within_15s = AnswerShareSerializer()
    answered_today = serializers.IntegerField()
    abandoned_today = serializers.IntegerField()
    open_incidents = serializers.IntegerField()
    open_by_category = CountSerializer(many=True)
    open_by_kecamatan = CountSerializer(many=True)
    tickets_not_accepted = TicketWaitSerializer(many=True)
    units_available = UnitsAvailableSerializer(many=True)
    open_escalations = serializers.IntegerField()
    call_takers = PresenceCountsSerializer(help_text="Positions staffed, and in which state")


class WallboardView(APIView):
    """The operations room's figures, computed on the server."""

    permission_classes = [roles(*MAP_ROLES)]

    @extend_schema(responses=WallboardSerializer)
    def get(self, request):
        return Response(WallboardSerializer(situation.wallboard()).data)


class CallsTodayView(APIView):
    """Today's calls per desa/kelurahan, for the map's heat view."""

    permission_classes = [roles(*MAP_ROLES)]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(situation.calls_today_by_area())


class AreaSituationView(APIView):
    """One kecamatan or kelurahan: its open incidents, today's calls, the units there."""

    permission_classes = [roles(*MAP_ROLES)]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, code: str):
        area = get_object_or_404(
            Area.objects.select_related("parent").defer("geometry", "parent__geometry"), code=code
        )
        return Response(situation.area_situation(area))
