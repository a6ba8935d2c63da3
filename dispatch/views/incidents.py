"""An incident's dispatch: the board, forwarding, closure, the EIDO document."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Role
from agencies.permissions import (
    INCIDENT_ROLES,
    roles,
)
from core.api import represent
from dispatch import eido
from dispatch.routing import proposed_agencies
from dispatch.selectors import (
    assignments_for,
    dispatch_board,
    incidents_for,
    is_desk,
    tickets_for,
)
from dispatch.serializers import (
    BoardSerializer,
    CloseInput,
    IncidentDispatchSerializer,
    NotifyInput,
    ReasonInput,
    TicketBriefSerializer,
)
from dispatch.services.common import DISPATCH_ROLES
from dispatch.services.incidents import close_incident, reopen_incident
from dispatch.services.tickets import may_forward, notify_agencies
from dispatch.views.common import READ_ROLES, named_pk, server_now
from incidents.models import Incident


class DispatchBoardView(APIView):
    """Every open incident with its tickets and the units still out (the dispatch console)."""

    permission_classes = [roles(*INCIDENT_ROLES)]

    @extend_schema(responses=BoardSerializer)
    def get(self, request):
        return Response(BoardSerializer({"incidents": dispatch_board(), **server_now()}).data)


class IncidentDispatchViewSet(viewsets.GenericViewSet):
    """An incident's tickets, units and closure; its EIDO hand-off document."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Incident.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return incidents_for(self.request.user)

    def _named(self) -> Incident:
        """The incident a write names, for its service to read locked with all it shows; read
        here first for a desk, which sees only its agencies' incidents."""
        if is_desk(self.request.user):
            return self.get_object()
        return Incident(pk=named_pk(self))

    @extend_schema(responses=IncidentDispatchSerializer)
    @action(detail=True, url_path="dispatch")
    def overview(self, request, pk=None):
        """The agencies proposed for it, its tickets and units, and what you may do."""
        incident = self.get_object()
        user = request.user
        tickets = tickets_for(user).filter(incident=incident).order_by("notified_at")
        assignments = assignments_for(user).filter(incident=incident).order_by("dispatched_at")
        return self._overview(request, incident, tickets, assignments)

    def _overview(self, request, incident: Incident, tickets, assignments) -> Response:
        user = request.user
        token = getattr(incident, "reference_token", None)  # read with a closure's lock
        data = {
            "incident": incident,
            "proposed": [] if is_desk(user) else proposed_agencies(incident, token),
            "tickets": tickets,
            "assignments": assignments,
            "may_forward": incident.is_open and may_forward(user),
            "may_close": incident.is_open and user.role in DISPATCH_ROLES,
            "may_reopen": not incident.is_open and user.role in {Role.SUPERVISOR, Role.ADMIN},
            **server_now(),
        }
        return Response(represent(IncidentDispatchSerializer, data))

    @extend_schema(request=NotifyInput, responses={201: TicketBriefSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def tickets(self, request, pk=None):
        """Forward the incident to these agencies (T3): all of them, or none."""
        data = NotifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        tickets = notify_agencies(
            incident=self._named(), agencies=data.validated_data["agencies"], by=request.user
        )
        brief = [represent(TicketBriefSerializer, ticket) for ticket in tickets]
        return Response(brief, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseInput, responses=IncidentDispatchSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """T11: close with an outcome; units still out are released, open tickets end."""
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = close_incident(incident=self._named(), by=request.user, **values)
        # A dispatcher's view: every ticket and unit, as the closure left them.
        return self._overview(request, incident, incident.ticket_list, incident.assignment_list)

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
        """A desk's copy holds its own agency's part only; a verifier's is masked on its way
        out, callback numbers (tel: URIs) included, as every API answer is."""
        agency = request.user.agency if is_desk(request.user) else None
        return Response(eido.incident_document(self.get_object(), agency=agency))
