"""Hazards over HTTP: the API of the consoles, the supervisor's page, and the public CAP feed."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Area, Role
from agencies.permissions import MAP_ROLES, role_required, roles
from hazards import selectors
from hazards.models import MajorIncident, PublicWarning, Quake
from hazards.serializers import (
    AttachCallInput,
    DeclareInput,
    DraftInput,
    FeedSerializer,
    FollowUpInput,
    MajorIncidentSerializer,
    QuakeSerializer,
    WarningSerializer,
)
from hazards.services import majors, quakes, warnings
from incidents.consoles import console_context
from incidents.models import Call

OPS_ROLES = {Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
PAGE_ROLES = MAP_ROLES

SituationSerializer = inline_serializer(
    "HazardSituation",
    {
        "quakes": serializers.ListField(child=serializers.DictField()),
        "feeds": FeedSerializer(many=True),
        "major_incident": serializers.DictField(allow_null=True),
        "now": serializers.DateTimeField(),
    },
)


class SituationView(APIView):
    """The quakes that matter now (with the banner's words), the feeds' state and the active
    major incident with its counts: what the banners and the hazard page show."""

    permission_classes = [roles(*OPS_ROLES)]

    @extend_schema(responses=SituationSerializer)
    def get(self, request):
        return Response(selectors.situation())


class QuakeViewSet(viewsets.GenericViewSet):
    """Earthquakes read from BMKG, newest first."""

    permission_classes = [roles(*OPS_ROLES)]
    queryset = Quake.objects.select_related("reviewed_by")
    serializer_class = QuakeSerializer

    def list(self, request):
        """The last 50 quakes stored."""
        return Response(QuakeSerializer(self.get_queryset()[:50], many=True).data)

    @extend_schema(request=None, responses=QuakeSerializer)
    @action(detail=True, methods=["post"], permission_classes=[roles(*PAGE_ROLES)])
    def review(self, request, pk=None):
        """I have seen this alert (ends its escalation). 409 when someone was first."""
        quake = quakes.review_quake(quake=self.get_object(), by=request.user)
        return Response(QuakeSerializer(quake).data)


class MajorIncidentViewSet(viewsets.GenericViewSet):
    """Major incidents (disasters): declared, calls attached, closed."""

    permission_classes = [roles(*OPS_ROLES)]
    queryset = MajorIncident.objects.all()
    serializer_class = MajorIncidentSerializer

    def get_queryset(self):
        return selectors.major_incidents()

    def list(self, request):
        """Newest first, the active one (if any) at the top."""
        return Response(MajorIncidentSerializer(self.get_queryset()[:50], many=True).data)

    @extend_schema(request=DeclareInput, responses={201: MajorIncidentSerializer})
    def create(self, request):
        """Declare one, from a quake or by hand, with its area (supervisors; one at a time)."""
        data = _valid(DeclareInput, request.data)
        quake = Quake.objects.filter(pk=data["quake"]).first() if data.get("quake") else None
        if data.get("quake") and quake is None:
            raise serializers.ValidationError({"quake": [_("There is no such earthquake.")]})
        major = majors.declare_major_incident(
            by=request.user,
            title=data["title"],
            kind=data["kind"],
            area_codes=data.get("area_codes") or [],
            polygon=data.get("polygon"),
            quake=quake,
        )
        return Response(
            MajorIncidentSerializer(self.get_queryset().get(pk=major.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=MajorIncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close it (supervisors): the surge is over."""
        major = majors.close_major_incident(major=self.get_object(), by=request.user)
        return Response(MajorIncidentSerializer(self.get_queryset().get(pk=major.pk)).data)

    @extend_schema(request=AttachCallInput, responses={201: MajorIncidentSerializer})
    @action(detail=True, methods=["post"], url_path="attach-call")
    def attach_call(self, request, pk=None):
        """File a call under it (call-takers, one key on their console)."""
        data = _valid(AttachCallInput, request.data)
        call = Call.objects.filter(pk=data["call"]).first()
        if call is None:
            raise serializers.ValidationError({"call": [_("There is no such call.")]})
        major = self.get_object()
        majors.attach_call(major=major, call=call, by=request.user)
        return Response(
            MajorIncidentSerializer(self.get_queryset().get(pk=major.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class WarningViewSet(viewsets.GenericViewSet):
    """Public warnings (CAP 1.2): drafts, approvals, updates and cancellations."""

    permission_classes = [roles(*PAGE_ROLES)]
    queryset = PublicWarning.objects.all()
    serializer_class = WarningSerializer

    def get_queryset(self):
        return selectors.warnings()

    def list(self, request):
        """The last 100, newest first: drafts waiting for approval and what was published."""
        return Response(WarningSerializer(self.get_queryset()[:100], many=True).data)

    @extend_schema(request=DraftInput, responses={201: WarningSerializer})
    def create(self, request):
        """Draft a warning (supervisors). Nothing is published until a second person approves."""
        data = _valid(DraftInput, request.data)
        warning = warnings.draft_warning(by=request.user, **data)
        return Response(WarningSerializer(warning).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=WarningSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve and publish (a supervisor other than the author)."""
        warning = warnings.approve_warning(warning=self.get_object(), by=request.user)
        return Response(WarningSerializer(warning).data)

    @extend_schema(request=FollowUpInput, responses={201: WarningSerializer})
    @action(detail=True, methods=["post"], url_path="update")
    def update_warning(self, request, pk=None):
        """Draft an update of a published warning (CAP msgType Update, referencing it)."""
        return self._follow_up(request, PublicWarning.MsgType.UPDATE)

    @extend_schema(request=FollowUpInput, responses={201: WarningSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft the cancellation of a published warning (CAP msgType Cancel, referencing it)."""
        return self._follow_up(request, PublicWarning.MsgType.CANCEL)

    def _follow_up(self, request, msg_type):
        data = _valid(FollowUpInput, request.data)
        warning = warnings.follow_up(
            original=self.get_object(), by=request.user, msg_type=msg_type, **data
        )
        return Response(WarningSerializer(warning).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@role_required(*PAGE_ROLES)
def hazards_page(request):
    """The supervisor's hazard desk: BMKG quakes and feeds, the major incident, warnings."""
    context = console_context(request.user)
    context["hazard_options"] = {
        "kinds": [{"value": v, "label": str(label)} for v, label in MajorIncident.Kind.choices],
        "areas": [
            {
                "code": a.code,
                "name": a.name,
                "level": a.level,
                "parent": a.parent_id and a.parent.code,
            }
            for a in Area.objects.select_related("parent").order_by("code")
        ],
        "categories": _choices(PublicWarning.Category),
        "urgencies": _choices(PublicWarning.Urgency),
        "severities": _choices(PublicWarning.Severity),
        "certainties": _choices(PublicWarning.Certainty),
        "me": request.user.get_username(),
    }
    return render(request, "hazards/page.html", context)


def _choices(choices) -> list[dict]:
    return [{"value": v, "label": str(label)} for v, label in choices.choices]


@require_safe
def cap_alert(request, identifier: str):
    """One published CAP 1.2 message, exactly as it was sent (public, stable URL)."""
    warning = get_object_or_404(
        PublicWarning, identifier=identifier, status=PublicWarning.Status.PUBLISHED
    )
    return HttpResponse(warning.xml, content_type="application/cap+xml; charset=utf-8")


@require_safe
def cap_feed(request):
    """The published warnings as an Atom feed, newest first, each linking its CAP message."""
    feed = Atom1Feed(
        title=_("Public warnings — Call Center 112 Kota Ambon"),
        link=request.build_absolute_uri(reverse("cap-feed")),
        description="",
        language="id",
        feed_url=request.build_absolute_uri(reverse("cap-feed")),
    )
    for warning in selectors.published_warnings()[:50]:
        link = request.build_absolute_uri(reverse("cap-alert", args=[warning.identifier]))
        feed.add_item(
            title=f"[{warning.msg_type}] {warning.headline_id}",
            link=link,
            description=warning.instruction_id,
            unique_id=link,
            updateddate=warning.sent_at,
            pubdate=warning.sent_at,
            enclosures=[],
            categories=[warning.category, warning.event],
        )
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
    )
