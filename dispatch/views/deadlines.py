"""Escalations, SLA policies and what waits now."""

from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Role
from agencies.permissions import (
    roles,
)
from ambon112.api import read_query
from dispatch.models import Deadline, Escalation, SlaPolicy
from dispatch.selectors import (
    escalations_for,
    is_desk,
)
from dispatch.serializers import (
    DeadlineListSerializer,
    EscalationListSerializer,
    EscalationSerializer,
    EscalationsQuery,
    PolicySerializer,
    TicketBriefSerializer,
)
from dispatch.services.escalations import acknowledge_escalation, send_to_backup
from dispatch.views.common import READ_ROLES, server_now


class EscalationViewSet(viewsets.GenericViewSet):
    """Alerts raised by passed deadlines: each person sees those sent to them."""

    permission_classes = [roles(*READ_ROLES - {Role.VERIFIER})]
    queryset = Escalation.objects.all()  # scoped per person in get_queryset

    def get_queryset(self):
        return escalations_for(self.request.user)

    @extend_schema(
        parameters=[EscalationsQuery],
        responses=EscalationListSerializer,
    )
    def list(self, request):
        """Newest first: the ones nobody acknowledged (default), or the last 200 of all."""
        state = read_query(EscalationsQuery, request)["state"]
        escalations = self.get_queryset()
        unacknowledged = escalations.filter(acknowledged_at__isnull=True)
        shown = unacknowledged if state == "open" else escalations
        return Response(
            EscalationListSerializer(
                {
                    "escalations": shown.order_by("-raised_at")[:200],
                    "open": unacknowledged.count(),
                    **server_now(),
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
        deadlines = Deadline.objects.select_related("agency").order_by(
            F("due_at").asc(nulls_last=True)
        )
        if is_desk(request.user):
            deadlines = deadlines.filter(agency_id=request.user.agency_id)
        return Response(
            DeadlineListSerializer({"deadlines": deadlines[:1000], **server_now()}).data
        )
