from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from agencies.geo import locate
from agencies.models import Agency, Area, Role, Station, Unit, User
from agencies.permissions import ReadStaffWriteAdmin, roles
from agencies.selectors import locked_accounts
from agencies.serializers import (
    AgencySerializer,
    AreaQuery,
    LocationSerializer,
    LockedAccountSerializer,
    PointQuery,
    StationSerializer,
    UnitSerializer,
    UnlockedAccountSerializer,
)
from agencies.services import delete_record, save_record, unlock_account
from core.api import read_query
from core.schema import ErrorSerializer


class LoggedWrites:
    """Reference data written through the services, so that each change and its change-log
    event commit together (a unit on a call is refused there, 409)."""

    def perform_create(self, serializer):
        save_record(serializer=serializer)

    def perform_update(self, serializer):
        save_record(serializer=serializer)

    def perform_destroy(self, instance):
        delete_record(record=instance)


class AgencyViewSet(LoggedWrites, viewsets.ModelViewSet):
    queryset = Agency.objects.all()
    serializer_class = AgencySerializer
    permission_classes = [ReadStaffWriteAdmin]


class StationViewSet(LoggedWrites, viewsets.ModelViewSet):
    queryset = Station.objects.select_related("area")
    serializer_class = StationSerializer
    permission_classes = [ReadStaffWriteAdmin]


class UnitViewSet(LoggedWrites, viewsets.ModelViewSet):
    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    permission_classes = [ReadStaffWriteAdmin]

    def get_queryset(self):
        """An agency desk sees its own units only; the operations room sees all."""
        units = Unit.objects.select_related("agency")
        user = self.request.user
        return units.filter(agency_id=user.agency_id) if user.agency_id else units


class AreaViewSet(viewsets.ViewSet):
    """Kecamatan and desa/kelurahan of Ambon Island, as GeoJSON for the map."""

    permission_classes = [ReadStaffWriteAdmin]

    @extend_schema(
        parameters=[AreaQuery],
        responses={200: OpenApiTypes.OBJECT},
        description="A GeoJSON FeatureCollection (RFC 7946) of the areas.",
    )
    def list(self, request):
        areas = Area.objects.select_related("parent")
        level = read_query(AreaQuery, request).get("level")
        if level:
            areas = areas.filter(level=level)
        features = [
            {
                "type": "Feature",
                "id": area.code,
                "geometry": area.geometry,
                "properties": {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "parent": area.parent.code if area.parent else None,
                    "regency_code": area.regency_code,
                    "label": [area.label_lon, area.label_lat],
                },
            }
            for area in areas
        ]
        return Response({"type": "FeatureCollection", "features": features})

    @extend_schema(
        parameters=[PointQuery], responses={200: LocationSerializer, 404: ErrorSerializer}
    )
    @action(detail=False)
    def locate(self, request):
        """desa → kecamatan → regency of a point (snapped within 2 km and marked approximate)."""
        query = read_query(PointQuery, request)
        location = locate(query["lat"], query["lon"])
        if location is None:
            raise NotFound(_("This point is outside Ambon Island (more than 2 km from any area)."))
        return Response(LocationSerializer(location.as_dict()).data)


class AccountViewSet(viewsets.GenericViewSet):
    """Accounts locked out by failed sign-ins, and unlocking them early (supervisors)."""

    permission_classes = [roles(Role.SUPERVISOR, Role.ADMIN)]
    queryset = User.objects.all()

    @extend_schema(responses=LockedAccountSerializer(many=True))
    @action(detail=False)
    def locked(self, request):
        """Accounts locked now, with the addresses they are locked at and until when."""
        return Response(LockedAccountSerializer(locked_accounts(), many=True).data)

    @extend_schema(
        request=None,
        responses=UnlockedAccountSerializer,
        description="Clear the account's failed sign-ins at every address; 409 if not locked.",
    )
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        user = self.get_object()
        cleared = unlock_account(user=user, by=request.user)
        return Response(UnlockedAccountSerializer({"user": user, "failures_cleared": cleared}).data)
