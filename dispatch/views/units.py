"""Units on incidents (assignments and their steps), the units board, vehicle trackers."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.authentication import MachineTokenAuthentication
from agencies.models import Unit
from agencies.permissions import (
    IsTracker,
    roles,
)
from core.api import read_query
from dispatch.models import Assignment
from dispatch.selectors import (
    assignments_for,
    is_desk,
    units_for,
    units_for_all,
)
from dispatch.serializers import (
    AssignmentSerializer,
    AssignmentsQuery,
    PositionInput,
    ReasonInput,
    ServiceInput,
    TrackerInput,
    TrackerResultSerializer,
    TransportInput,
    UnitStateSerializer,
    render_assignment,
)
from dispatch.services.assignments import advance
from dispatch.services.units import report_positions, set_in_service, set_unit_position
from dispatch.views.common import READ_ROLES, named_pk


class AssignmentViewSet(viewsets.GenericViewSet):
    """Units on incidents and their steps; a desk moves its own units only."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Assignment.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return assignments_for(self.request.user)

    @extend_schema(
        parameters=[AssignmentsQuery],
        responses=AssignmentSerializer(many=True),
    )
    def list(self, request):
        """Assignments of one incident, or the ones still active (units out now)."""
        assignments = self.get_queryset()
        query = read_query(AssignmentsQuery, request)
        if "incident" in query:
            assignments = assignments.filter(incident_id=query["incident"])
        if query.get("active", "incident" not in query):
            assignments = assignments.filter(status__in=Assignment.ACTIVE_STATUSES)
        return Response(AssignmentSerializer(assignments[:1000], many=True).data)

    def _step(self, request, step: str, **extra) -> Response:
        """A step reads the assignment locked, with all it shows, and refuses a desk a unit of
        another agency."""
        user = request.user
        assignment = advance(
            assignment=Assignment(pk=named_pk(self)),
            step=step,
            by=user,
            only_agency=user.agency_id if is_desk(user) else None,
            **extra,
        )
        return Response(render_assignment(assignment))

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="en-route")
    def en_route(self, request, pk=None):
        """T5: the unit is on its way."""
        return self._step(request, "en_route")

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="on-scene")
    def on_scene(self, request, pk=None):
        """T6: the unit arrived."""
        return self._step(request, "on_scene")

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="operations-started")
    def operations_started(self, request, pk=None):
        """T6f: water on the fire (fires only)."""
        return self._step(request, "operations_started")

    @extend_schema(request=TransportInput, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def transporting(self, request, pk=None):
        """T8: the patient is on the way to this hospital."""
        data = TransportInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(request, "transporting", destination=data.validated_data["destination"])

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="at-hospital")
    def at_hospital(self, request, pk=None):
        """T9: arrived at the hospital."""
        return self._step(request, "at_hospital")

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        """T10: the unit is free again."""
        return self._step(request, "clear")

    @extend_schema(request=ReasonInput, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Called back before arriving (with a reason)."""
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(request, "cancel", reason=data.validated_data["reason"])


class UnitOperationsViewSet(viewsets.GenericViewSet):
    """A desk's board of its units, their position and service state."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Unit.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return units_for(self.request.user)

    def get_object(self):
        unit = get_object_or_404(units_for_all(), pk=self.kwargs["pk"])
        if is_desk(self.request.user) and unit.agency_id != self.request.user.agency_id:
            raise PermissionDenied(_("This unit belongs to another agency."))
        return unit

    @extend_schema(responses=UnitStateSerializer(many=True))
    def list(self, request):
        """Units with status and last position: a desk's own, or every agency's."""
        return Response(UnitStateSerializer(self.get_queryset(), many=True).data)

    @extend_schema(request=PositionInput, responses=UnitStateSerializer)
    @action(detail=True, methods=["post"])
    def position(self, request, pk=None):
        """Place the unit where its crew says it is (a click on the desk's map)."""
        data = PositionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = set_unit_position(
            unit=self.get_object(), by=request.user, lat=values["lat"], lon=values["lon"]
        )
        return Response(UnitStateSerializer(unit).data)

    @extend_schema(request=ServiceInput, responses=UnitStateSerializer)
    @action(detail=True, methods=["post"])
    def service(self, request, pk=None):
        """Out of service (breakdown, no crew) or back in service."""
        data = ServiceInput(data=request.data)
        data.is_valid(raise_exception=True)
        unit = set_in_service(unit=self.get_object(), by=request.user, **data.validated_data)
        return Response(UnitStateSerializer(unit).data)


class TrackerView(APIView):
    """A vehicle tracker (AVL gateway) reports positions of its agency's units."""

    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [IsTracker]

    @extend_schema(request=TrackerInput, responses=TrackerResultSerializer)
    def post(self, request):
        data = TrackerInput(data=request.data)
        data.is_valid(raise_exception=True)
        positions = data.validated_data["positions"]
        moved = report_positions(token=request.auth, positions=positions)
        return Response(TrackerResultSerializer({"accepted": len(moved), "units": moved}).data)
