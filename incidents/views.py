from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.permissions import AUDIT_ROLES, CALLS_CONSOLE_ROLES, role_required
from incidents.events import events_visible_to, feed_for_user, feed_head, verify_chain
from incidents.models import IncidentType
from incidents.serializers import (
    EventPageSerializer,
    EventSerializer,
    EventsQuery,
    IncidentTypeSerializer,
)

RECENT_EVENTS = 30


def console_context(user) -> dict:
    """What every console page starts from: the feed head, then the recent events before it."""
    head = feed_head(feed_for_user(user))
    recent = events_visible_to(user).filter(seq__lte=head).order_by("-seq")[:RECENT_EVENTS]
    return {"last_seq": head, "recent_events": EventSerializer(recent, many=True).data}


@role_required(*CALLS_CONSOLE_ROLES)
def calls_console(request):
    return render(request, "console/calls.html", console_context(request.user))


@role_required(*AUDIT_ROLES)
def audit(request):
    """The event log for a verifier, with the chain check on demand."""
    context = console_context(request.user)
    if request.GET.get("verify"):
        context["chain"] = verify_chain()
    return render(request, "console/audit.html", context)


class EventListView(APIView):
    """The events after sequence `after` that you may see, oldest first, for resync."""

    @extend_schema(parameters=[EventsQuery], responses=EventPageSerializer)
    def get(self, request):
        query = EventsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        events = list(events_visible_to(request.user).filter(seq__gt=after)[: limit + 1])
        return Response(
            {
                "events": EventSerializer(events[:limit], many=True).data,
                "has_more": len(events) > limit,
                "head": feed_head(feed_for_user(request.user)),
            }
        )


class IncidentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The incident-type taxonomy with default priority, agencies and APCO code."""

    queryset = IncidentType.objects.filter(is_active=True).prefetch_related(
        "default_agencies__agency"
    )
    serializer_class = IncidentTypeSerializer
