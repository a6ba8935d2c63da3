from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.authentication import MachineTokenAuthentication
from agencies.models import Role, Station, Unit
from agencies.permissions import (
    DESK_CONSOLE_ROLES,
    DISPATCH_CONSOLE_ROLES,
    INCIDENT_ROLES,
    IsTracker,
    role_required,
    roles,
)
from dispatch import eido
from dispatch.models import Assignment, Deadline, Escalation, SlaPolicy, Ticket
from dispatch.recommend import recommend_units
from dispatch.routing import proposed_agencies
from dispatch.selectors import (
    assignments_for,
    assignments_for_all,
    dispatch_board,
    escalations_for,
    incidents_for,
    is_desk,
    tickets_for,
    tickets_for_all,
    units_for,
    units_for_all,
    with_call_counts,
)
from dispatch.serializers import (
    AssignmentSerializer,
    BoardSerializer,
    CloseInput,
    DeadlineListSerializer,
    DispatchInput,
    EscalationListSerializer,
    EscalationSerializer,
    IncidentDispatchSerializer,
    NotifyInput,
    PolicySerializer,
    PositionInput,
    ReasonInput,
    RecommendationSerializer,
    ServiceInput,
    TicketBriefSerializer,
    TicketListSerializer,
    TicketSerializer,
    TrackerInput,
    TrackerResultSerializer,
    TransportInput,
    UnitStateSerializer,
)
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.common import DISPATCH_ROLES
from dispatch.services.escalations import acknowledge_escalation, send_to_backup
from dispatch.services.incidents import close_incident, reopen_incident
from dispatch.services.tickets import accept_ticket, decline_ticket, may_forward, notify_agencies
from dispatch.services.units import report_positions, set_in_service, set_unit_position
from incidents.models import Incident
from incidents.views import console_context, map_config

READ_ROLES = INCIDENT_ROLES | DESK_CONSOLE_ROLES


@role_required(*DISPATCH_CONSOLE_ROLES)
def dispatch_console(request):
    return render(request, "console/dispatch.html", console_context(request.user))


@role_required(*DESK_CONSOLE_ROLES)
def agency_console(request):
    context = console_context(request.user)
    context["agency"] = request.user.agency
    context["map_config"] = map_config()
    context["hospitals"] = list(
        Station.objects.filter(kind__in=[Station.Kind.HOSPITAL, Station.Kind.PUSKESMAS])
        .order_by("kind", "name")
        .values("id", "name", "kind")
    )
    return render(request, "console/agency.html", context)


def _now() -> dict:
    return {"now": timezone.now()}


class DispatchBoardView(APIView):
    """Every open incident with its tickets and the units still out (the dispatch console)."""

    permission_classes = [roles(*INCIDENT_ROLES)]

    @extend_schema(responses=BoardSerializer)
    def get(self, request):
        return Response(BoardSerializer({"incidents": dispatch_board(), **_now()}).data)


class IncidentDispatchViewSet(viewsets.GenericViewSet):
    """An incident's tickets, units and closure; its EIDO hand-off document."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Incident.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return incidents_for(self.request.user)

    @extend_schema(responses=IncidentDispatchSerializer)
    @action(detail=True, url_path="dispatch")
    def overview(self, request, pk=None):
        """The agencies proposed for it, its tickets and units, and what you may do."""
        incident = self.get_object()
        user = request.user
        tickets = tickets_for(user).filter(incident=incident).order_by("notified_at")
        assignments = assignments_for(user).filter(incident=incident).order_by("dispatched_at")
        data = {
            "incident": incident,
            "proposed": [] if is_desk(user) else proposed_agencies(incident),
            "tickets": tickets,
            "assignments": assignments,
            "may_forward": incident.is_open and may_forward(user),
            "may_close": incident.is_open and user.role in DISPATCH_ROLES,
            "may_reopen": not incident.is_open and user.role in {Role.SUPERVISOR, Role.ADMIN},
            **_now(),
        }
        return Response(IncidentDispatchSerializer(data).data)

    @extend_schema(request=NotifyInput, responses={201: TicketBriefSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def tickets(self, request, pk=None):
        """Forward the incident to these agencies (T3): all of them, or none."""
        data = NotifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        tickets = notify_agencies(
            incident=self.get_object(), agencies=data.validated_data["agencies"], by=request.user
        )
        return Response(
            TicketBriefSerializer(tickets, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CloseInput, responses=IncidentDispatchSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """T11: close with an outcome; units still out are released, open tickets end."""
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        close_incident(incident=self.get_object(), by=request.user, **data.validated_data)
        return self.overview(request, pk)

    @extend_schema(request=ReasonInput, responses=IncidentDispatchSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """A supervisor reopens a closed incident (logged with the reason)."""
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        reopen_incident(
            incident=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return self.overview(request, pk)

    @extend_schema(
        responses={200: {"type": "object"}},
        description="The incident as a NENA EIDO JSON document (NENA-STA-021).",
    )
    @action(detail=True, url_path="eido")
    def eido_document(self, request, pk=None):
        return Response(eido.incident_document(self.get_object()))


class TicketViewSet(viewsets.GenericViewSet):
    """Tickets: a desk sees and answers its own agency's; the operations room sees all."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Ticket.objects.all()

    def get_object(self):
        ticket = get_object_or_404(tickets_for_all(), pk=self.kwargs["pk"])
        if is_desk(self.request.user) and ticket.agency_id != self.request.user.agency_id:
            raise PermissionDenied(_("This ticket is for another agency."))
        return ticket

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=["open", "all"]),
            OpenApiParameter("incident", int),
        ],
        responses=TicketListSerializer,
    )
    def list(self, request):
        """Open tickets (waiting first, oldest first), or every ticket of one incident."""
        tickets = tickets_for(request.user)
        which = request.query_params.get("status", "open")
        if which not in {"open", "all"}:
            raise ValidationError({"status": [_("Use 'open' or 'all'.")]})
        if which == "open":
            tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
        incident = request.query_params.get("incident")
        if incident:
            if not incident.isdigit():
                raise ValidationError({"incident": [_("Give an incident number.")]})
            tickets = tickets.filter(incident_id=int(incident))
        waiting_first = Case(
            When(status=Ticket.Status.NOTIFIED, then=0),
            When(status=Ticket.Status.ACCEPTED, then=1),
            default=2,
        )
        tickets = with_call_counts(tickets.order_by(waiting_first, "notified_at")[:500])
        return Response(TicketListSerializer({"tickets": tickets, **_now()}).data)

    @extend_schema(responses=TicketSerializer)
    def retrieve(self, request, pk=None):
        return Response(TicketSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """T4: your agency takes it on. A second desk gets 409 saying who did."""
        return Response(
            TicketSerializer(accept_ticket(ticket=self.get_object(), by=request.user)).data
        )

    @extend_schema(request=ReasonInput, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = decline_ticket(
            ticket=self.get_object(), by=request.user, reason=data.validated_data["reason"]
        )
        return Response(TicketSerializer(ticket).data)

    @extend_schema(responses=RecommendationSerializer)
    @action(detail=True)
    def recommendations(self, request, pk=None):
        """The agency's units ranked by estimated arrival, and why the others are left out."""
        ticket = self.get_object()
        found = recommend_units(incident=ticket.incident, agency=ticket.agency)
        return Response(RecommendationSerializer(found).data)

    @extend_schema(request=DispatchInput, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch")
    def send_unit(self, request, pk=None):
        """T4d: send one of the agency's units. A unit already on a call is a 409 naming it."""
        data = DispatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = dispatch_unit(
            ticket=self.get_object(), unit=data.validated_data["unit"], by=request.user
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentViewSet(viewsets.GenericViewSet):
    """Units on incidents and their steps; a desk moves its own units only."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Assignment.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return assignments_for(self.request.user)

    def get_object(self):
        assignment = get_object_or_404(assignments_for_all(), pk=self.kwargs["pk"])
        user = self.request.user
        if is_desk(user) and assignment.unit.agency_id != user.agency_id:
            raise PermissionDenied(_("This unit belongs to another agency."))
        return assignment

    @extend_schema(
        parameters=[OpenApiParameter("incident", int), OpenApiParameter("active", bool)],
        responses=AssignmentSerializer(many=True),
    )
    def list(self, request):
        """Assignments of one incident, or the ones still active (units out now)."""
        assignments = self.get_queryset()
        incident = request.query_params.get("incident")
        if incident:
            if not incident.isdigit():
                raise ValidationError({"incident": [_("Give an incident number.")]})
            assignments = assignments.filter(incident_id=int(incident))
        if request.query_params.get("active", "true" if not incident else "") == "true":
            assignments = assignments.filter(status__in=Assignment.ACTIVE_STATUSES)
        return Response(AssignmentSerializer(assignments[:1000], many=True).data)

    def _step(self, request, step: str, **extra) -> Response:
        assignment = advance(assignment=self.get_object(), step=step, by=request.user, **extra)
        return Response(AssignmentSerializer(assignment).data)

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


class EscalationViewSet(viewsets.GenericViewSet):
    """Alerts raised by passed deadlines: each person sees those sent to them."""

    permission_classes = [roles(*READ_ROLES - {Role.VERIFIER})]
    queryset = Escalation.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return escalations_for(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("state", enum=["open", "all"])],
        responses=EscalationListSerializer,
    )
    def list(self, request):
        """Newest first: the ones nobody acknowledged (default), or the last 200 of all."""
        state = request.query_params.get("state", "open")
        if state not in {"open", "all"}:
            raise ValidationError({"state": [_("Use 'open' or 'all'.")]})
        escalations = self.get_queryset()
        unacknowledged = escalations.filter(acknowledged_at__isnull=True)
        shown = unacknowledged if state == "open" else escalations
        return Response(
            EscalationListSerializer(
                {
                    "escalations": shown.order_by("-raised_at")[:200],
                    "open": unacknowledged.count(),
                    **_now(),
                }
            ).data
        )

    @extend_schema(request=None, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """I have it. A second acknowledgement gets 409 saying who was first."""
        escalation = get_object_or_404(Escalation, pk=pk)
        escalation = acknowledge_escalation(escalation=escalation, by=request.user)
        return Response(EscalationSerializer(escalation).data)

    @extend_schema(request=None, responses={201: TicketBriefSerializer})
    @action(detail=True, methods=["post"])
    def backup(self, request, pk=None):
        """Forward the incident to the backup agency the ladder offers (supervisors)."""
        escalation = get_object_or_404(Escalation, pk=pk)
        ticket = send_to_backup(escalation=escalation, by=request.user)
        return Response(TicketBriefSerializer(ticket).data, status=status.HTTP_201_CREATED)


class SlaPolicyViewSet(viewsets.GenericViewSet):
    """The deadline policies in force, so consoles colour what waits by the same rules."""

    queryset = SlaPolicy.objects.filter(is_active=True).select_related("agency")

    @extend_schema(responses=PolicySerializer(many=True))
    def list(self, request):
        policies = self.get_queryset().prefetch_related("levels")
        return Response(PolicySerializer(policies, many=True).data)


class DeadlineListView(APIView):
    """What is waiting now and when it escalates next: a desk sees its agency's only."""

    permission_classes = [roles(*READ_ROLES - {Role.VERIFIER})]

    @extend_schema(responses=DeadlineListSerializer)
    def get(self, request):
        deadlines = Deadline.objects.select_related("agency").order_by("due_at")
        if is_desk(request.user):
            deadlines = deadlines.filter(agency_id=request.user.agency_id)
        return Response(DeadlineListSerializer({"deadlines": deadlines[:1000], **_now()}).data)
