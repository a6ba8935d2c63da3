"""Tickets: list, accept, decline, recommend and send units."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.permissions import (
    roles,
)
from core.api import read_query
from dispatch.models import Ticket
from dispatch.recommend import recommend_units
from dispatch.selectors import (
    is_desk,
    one_ticket,
    tickets_for,
    with_call_counts,
)
from dispatch.serializers import (
    AssignmentSerializer,
    DispatchInput,
    ReasonInput,
    RecommendationSerializer,
    TicketListSerializer,
    TicketSerializer,
    TicketsQuery,
    render_assignment,
    render_ticket,
)
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, decline_ticket
from dispatch.views.common import READ_ROLES, named_pk, server_now


class TicketViewSet(viewsets.GenericViewSet):
    """Tickets: a desk sees and answers its own agency's; the operations room sees all."""

    permission_classes = [roles(*READ_ROLES)]
    queryset = Ticket.objects.all()

    def get_object(self):
        ticket = one_ticket(named_pk(self))
        if ticket is None:
            raise Http404
        if is_desk(self.request.user) and ticket.agency_id != self.request.user.agency_id:
            raise PermissionDenied(_("This ticket is for another agency."))
        return ticket

    @extend_schema(
        parameters=[TicketsQuery],
        responses=TicketListSerializer,
    )
    def list(self, request):
        """Open tickets (waiting first, oldest first), or every ticket of one incident."""
        tickets = tickets_for(request.user)
        query = read_query(TicketsQuery, request)
        if query["status"] == "open":
            tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
        if "incident" in query:
            tickets = tickets.filter(incident_id=query["incident"])
        waiting_first = Case(
            When(status=Ticket.Status.NOTIFIED, then=0),
            When(status=Ticket.Status.ACCEPTED, then=1),
            default=2,
        )
        tickets = with_call_counts(tickets.order_by(waiting_first, "notified_at")[:500])
        return Response(TicketListSerializer({"tickets": tickets, **server_now()}).data)

    @extend_schema(responses=TicketSerializer)
    def retrieve(self, request, pk=None):
        return Response(TicketSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """T4: your agency takes it on. A second desk gets 409 saying who did."""
        ticket = accept_ticket(ticket=self.get_object(), by=request.user)
        return Response(render_ticket(ticket))

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
        return Response(render_assignment(assignment), status=status.HTTP_201_CREATED)
