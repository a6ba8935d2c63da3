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
from core.api import read_query
from dispatch.alarm_list import alarm_list
from dispatch.deadlines import wait_key
from dispatch.models import Deadline, Escalation, SlaPolicy
from dispatch.selectors import (
    escalations_for,
    is_desk,
)
from dispatch.serializers import (
    AcknowledgedResolvedSerializer,
    AcknowledgeResolvedInput,
    DeadlineListSerializer,
    EscalationListSerializer,
    EscalationSerializer,
    EscalationsQuery,
    PolicySerializer,
    ShelfSerializer,
    ShelveInput,
    SubjectInput,
    TicketBriefSerializer,
)
from dispatch.services.escalations import (
    acknowledge_escalation,
    acknowledge_resolved,
    send_to_backup,
    shelve,
    unshelve,
)
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
        """My alarms, newest first: open (still waiting, not shelved; the default), resolved
        but not yet acknowledged, shelved, or all; each subject once with its history."""
        state = read_query(EscalationsQuery, request)["state"]
        return Response(EscalationListSerializer(alarm_list(self.get_queryset(), state)).data)

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

    @extend_schema(request=AcknowledgeResolvedInput, responses=AcknowledgedResolvedSerializer)
    @action(detail=False, methods=["post"], url_path="acknowledge-resolved")
    def acknowledge_resolved(self, request):
        """Acknowledge the resolved alarms of one subject, or with all: true every resolved one
        sent to me (409 naming who and when if someone already did)."""
        data = read_body(AcknowledgeResolvedInput, request)
        key = None if data["all"] else subject_of(data)
        done = acknowledge_resolved(by=request.user, key=key)
        return Response(
            AcknowledgedResolvedSerializer(
                {"acknowledged": [e.pk for e in done], "subjects": len({wait_key(e) for e in done})}
            ).data
        )

    @extend_schema(request=ShelveInput, responses={201: ShelfSerializer})
    @action(detail=False, methods=["post"])
    def shelve(self, request):
        """Shelve a subject's alarms for some minutes with a reason (supervisors)."""
        data = read_body(ShelveInput, request)
        shelf = shelve(
            by=request.user, key=subject_of(data), minutes=data["minutes"], reason=data["reason"]
        )
        return Response(ShelfSerializer(shelf).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubjectInput, responses=ShelfSerializer)
    @action(detail=False, methods=["post"])
    def unshelve(self, request):
        """End a shelf early (supervisors)."""
        shelf = unshelve(by=request.user, key=subject_of(read_body(SubjectInput, request)))
        return Response(ShelfSerializer(shelf).data)


def read_body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def subject_of(data: dict) -> dict:
    return {key: data[key] for key in ("watch", "subject_type", "subject_id")}


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
