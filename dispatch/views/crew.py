"""A crew on its phone (issue #19): its page, its shift on a unit, its steps and positions."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Station
from agencies.permissions import CREW_CONSOLE_ROLES, role_required, roles
from core.schema import ErrorSerializer
from dispatch.selectors import crew_assignment, open_shift, units_for_all
from dispatch.serializers import (
    CREW_STEPS,
    AssignmentSerializer,
    CrewPositionInput,
    CrewShiftInput,
    CrewShiftSerializer,
    CrewStateSerializer,
    CrewStepInput,
    UnitStateSerializer,
)
from dispatch.services.assignments import advance
from dispatch.services.crew import end_shift, start_shift
from dispatch.services.units import report_crew_position
from dispatch.steps import STEPS
from incidents.events import feed_for_user, feed_head


def crew_state(user) -> dict:
    shift = open_shift(user)
    return {
        "shift": shift,
        "units": units_for_all().filter(agency_id=user.agency_id),
        "assignment": crew_assignment(shift.unit) if shift else None,
        "hospitals": Station.objects.filter(
            kind__in=[Station.Kind.HOSPITAL, Station.Kind.PUSKESMAS]
        ).order_by("kind", "name"),
        "steps": [STEPS[name] for name in CREW_STEPS],
        "position_interval_s": settings.CREW_POSITION_INTERVAL_S,
        "now": timezone.now(),
    }


@role_required(*CREW_CONSOLE_ROLES)
def crew_console(request):
    """The crew page follows its agency's feed from its head; its snapshot comes over REST."""
    return render(
        request, "console/crew.html", {"last_seq": feed_head(feed_for_user(request.user))}
    )


class CrewView(APIView):
    """The crew's unit, its current job and the units it may sign in to."""

    permission_classes = [roles(*CREW_CONSOLE_ROLES)]

    @extend_schema(responses=CrewStateSerializer)
    def get(self, request):
        return Response(CrewStateSerializer(crew_state(request.user)).data)


class CrewShiftView(APIView):
    """Sign in to a unit at the start of a shift (or switch units), sign off at its end."""

    permission_classes = [roles(*CREW_CONSOLE_ROLES)]

    @extend_schema(request=CrewShiftInput, responses=CrewShiftSerializer)
    def post(self, request):
        data = CrewShiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = start_shift(crew=request.user, unit=data.validated_data["unit"], by=request.user)
        return Response(CrewShiftSerializer(shift).data)

    @extend_schema(request=None, responses={200: CrewShiftSerializer})
    def delete(self, request):
        shift = end_shift(crew=request.user, by=request.user)
        return Response(CrewShiftSerializer(shift).data)


class CrewStepView(APIView):
    """One tap on the crew page: the same steps and rules as the desk's. A tap kept on the
    phone while offline carries its time (`at`) and is recorded then, marked late."""

    permission_classes = [roles(*CREW_CONSOLE_ROLES)]

    @extend_schema(request=CrewStepInput, responses=AssignmentSerializer)
    def post(self, request):
        data = CrewStepInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        assignment = advance(
            assignment=values["assignment"],
            step=values["step"],
            by=request.user,
            destination=values.get("destination"),
            at=values.get("at"),
            only_agency=request.user.agency_id,
        )
        return Response(AssignmentSerializer(assignment).data)


class CrewPositionView(APIView):
    """The phone's position (Geolocation API) for the crew's unit, every few seconds."""

    permission_classes = [roles(*CREW_CONSOLE_ROLES)]

    @extend_schema(
        request=CrewPositionInput,
        responses={200: UnitStateSerializer, 429: ErrorSerializer},
    )
    def post(self, request):
        data = CrewPositionInput(data=request.data)
        data.is_valid(raise_exception=True)
        unit = report_crew_position(by=request.user, **data.validated_data)
        return Response(UnitStateSerializer(unit).data)
