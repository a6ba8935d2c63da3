from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.authentication import MachineTokenAuthentication
from agencies.models import Role
from agencies.permissions import (
    AUDIT_ROLES,
    CALLS_CONSOLE_ROLES,
    INCIDENT_ROLES,
    OPERATIONS_ROLES,
    IsCtiAdapter,
    has_role,
    role_required,
    roles,
)
from core.api import read_query
from core.db import retry_transient
from incidents.aml import AmlError, parse_aml
from incidents.audit import AuditFilter, audit_rows
from incidents.chain_times import check_incident
from incidents.consoles import console_context, map_config
from incidents.events import (
    events_after,
    events_visible_to,
    verify_chain,
)
from incidents.models import Call, Caller, Incident, IncidentNote, IncidentType
from incidents.selectors import (
    caller_history,
    calls_in_hand,
    calls_with_people,
    duplicate_candidates,
    incidents_with_refs,
    ringing_queue,
    unclaimed_answers,
)
from incidents.serializers import (
    AmlHeldSerializer,
    AmlInput,
    AttachInput,
    BlockInput,
    CallDetailSerializer,
    CallerSerializer,
    CallQueueSerializer,
    CallSerializer,
    ContactInput,
    CtiEventInput,
    DisposeInput,
    DuplicateSerializer,
    DuplicatesQuery,
    DuplicatesSerializer,
    EventPageSerializer,
    EventsQuery,
    GatewayMessageInput,
    GatewayReceiptSerializer,
    IncidentDetailSerializer,
    IncidentInput,
    IncidentSerializer,
    IncidentsQuery,
    IncidentTypeSerializer,
    NoteInput,
    NoteSerializer,
    render_call,
    render_event,
    render_incident,
)
from incidents.services.callers import block_caller, unblock_caller
from incidents.services.calls import (
    Fix,
    attach_call_to_incident,
    create_incident,
    dispose_call,
    receive_aml,
    receive_call_event,
    take_call,
)
from incidents.services.contacts import Sender, log_contact, receive_message
from incidents.services.incidents import add_note


@role_required(*CALLS_CONSOLE_ROLES)
def calls_console(request):
    context = console_context(request.user)
    context["incident_types"] = [
        {
            "code": t.code,
            "name": t.name,
            "category": t.category,
            "category_name": t.get_category_display(),
            "default_priority": t.default_priority,
        }
        for t in IncidentType.objects.filter(is_active=True)
    ]
    context["map_config"] = map_config()
    if has_role(request.user, {Role.SUPERVISOR, Role.ADMIN}):
        context["presence_board"] = True  # every position, who is on it, in which state
        context["nuisance"] = {
            "nuisance_calls": settings.NUISANCE_CALLS,
            "nuisance_window_h": f"{settings.NUISANCE_WINDOW_H:g}",
            "block_hours": f"{settings.BLOCK_HOURS:g}",
        }
        # Accounts locked by failed sign-ins, with an unlock button (agencies.AccountViewSet).
        context["lockouts"] = {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_min": f"{settings.AXES_COOLOFF_TIME.total_seconds() / 60:g}",
        }
    return render(request, "console/calls.html", context)


@role_required(*INCIDENT_ROLES)
def incident_list(request):
    return render(request, "incidents/list.html", console_context(request.user))


@role_required(*INCIDENT_ROLES)
def incident_detail(request, pk: int):
    get_object_or_404(Incident, pk=pk)
    context = console_context(request.user)
    context["incident_id"] = pk
    context["map_config"] = map_config()
    return render(request, "incidents/detail.html", context)


@role_required(*AUDIT_ROLES)
def audit(request):
    """The event log for a verifier, filtered by kind and by object, with the chain check on
    demand."""
    context = console_context(request.user)
    if request.GET.get("verify"):
        context["chain"] = verify_chain()
    log = AuditFilter(request.GET)
    context["log"] = log
    if not log.is_valid():
        return render(request, "console/audit.html", context, status=400)
    context["rows"], context["older"] = audit_rows(request.user, **log.cleaned_data)
    return render(request, "console/audit.html", context)


class EventListView(APIView):
    """The events after sequence `after` that you may see, oldest first, for resync."""

    @extend_schema(parameters=[EventsQuery], responses=EventPageSerializer)
    def get(self, request):
        query = read_query(EventsQuery, request)
        after, limit = query["after"], query["limit"]
        events, head = events_after(request.user, after, limit + 1)
        return Response(
            {
                "events": [render_event(event) for event in events[:limit]],
                "has_more": len(events) > limit,
                "head": head,
            }
        )


class IncidentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The incident-type taxonomy with default priority, agencies and APCO code."""

    queryset = IncidentType.objects.filter(is_active=True).prefetch_related(
        "default_agencies__agency"
    )
    serializer_class = IncidentTypeSerializer


# --- Telephony adapter -----------------------------------------------------------------------
# Its writes are safe to run again whole (a repeat changes nothing), so a transaction PostgreSQL
# aborted as a deadlock victim is run again (retry_transient) rather than answered 500.

AML_HELD = gettext_lazy(
    "No call from this number yet: the location is held for a call from it that rings before "
    "held_until."
)


class CtiEventView(APIView):
    """The PBX adapter reports a call event; a repeat answers 200 and changes nothing."""

    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [IsCtiAdapter]

    @extend_schema(
        request=CtiEventInput,
        responses={
            200: OpenApiResponse(CallSerializer, gettext_lazy("Already known: nothing changed.")),
            201: OpenApiResponse(CallSerializer, gettext_lazy("Applied: the call as it is now.")),
        },
    )
    def post(self, request):
        data = CtiEventInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        location = values.pop("location", None)
        call, changed = retry_transient(receive_call_event)(
            **values, adapter=request.auth.name, fix=Fix(**location) if location else None
        )
        code = status.HTTP_201_CREATED if changed else status.HTTP_200_OK
        return Response(render_call(call), status=code)


class CtiAmlView(APIView):
    """An AML SMS (ETSI TS 103 625): it locates the call from that number that rang within
    AML_HOLD_S (live or just ended), or is held until one rings. A repeat answers as the first
    did and changes nothing."""

    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [IsCtiAdapter]

    @extend_schema(
        request=AmlInput,
        responses={
            200: OpenApiResponse(
                CallSerializer, gettext_lazy("The call the message located (also for a repeat).")
            ),
            202: OpenApiResponse(AmlHeldSerializer, AML_HELD),
        },
    )
    def post(self, request):
        data = AmlInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            aml = parse_aml(values["body"], bounds=settings.SERVICE_BOUNDS)
        except AmlError as exc:
            raise ValidationError({"body": [str(exc)]}) from exc
        message = retry_transient(receive_aml)(**values, aml=aml, adapter=request.auth.name)
        if message.call is not None:
            return Response(render_call(message.call))
        held = {
            "detail": AML_HELD,
            "number": message.number,
            "message_id": message.message_id,
            "received_at": message.received_at,
            "held_until": message.received_at + timedelta(seconds=settings.AML_HOLD_S),
        }
        return Response(AmlHeldSerializer(held).data, status=status.HTTP_202_ACCEPTED)


class GatewayMessageView(APIView):
    """The message gateway (an SMS or WhatsApp Business webhook relay) posts one inbound
    message: it opens a contact, or joins the sender's open contact on that channel. Each
    message id is received once; a repeat is refused (409) and changes nothing."""

    authentication_classes = [MachineTokenAuthentication]
    permission_classes = [IsCtiAdapter]

    @extend_schema(
        request=GatewayMessageInput,
        responses={
            201: OpenApiResponse(
                GatewayReceiptSerializer,
                gettext_lazy("Received: the contact it opened or joined."),
            ),
        },
    )
    def post(self, request):
        data = GatewayMessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        received = retry_transient(receive_message)(
            **data.validated_data, adapter=request.auth.name
        )
        receipt = {"opened": received.opened, "message": received.message, "contact": received.call}
        return Response(GatewayReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


# --- Call-taker ------------------------------------------------------------------------------


class CallViewSet(viewsets.GenericViewSet):
    """The call-taker's queue and the actions on one call."""

    permission_classes = [roles(*CALLS_CONSOLE_ROLES)]
    queryset = calls_with_people()

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=["ringing", "mine", "unclaimed"])],
        responses=CallQueueSerializer,
    )
    def list(self, request):
        """Ringing calls nobody answered (oldest first), the calls in my hands, or calls
        answered at a handset with nobody signed in at its position (unclaimed)."""
        which = request.query_params.get("status", "ringing")
        queues = {"ringing": ringing_queue, "unclaimed": unclaimed_answers}
        if which not in {*queues, "mine"}:
            raise ValidationError({"status": [_("Use 'ringing', 'mine' or 'unclaimed'.")]})
        calls = calls_in_hand(request.user) if which == "mine" else queues[which]()
        return Response({"now": timezone.now(), "calls": CallSerializer(calls, many=True).data})

    @extend_schema(request=ContactInput, responses={201: CallSerializer})
    @action(detail=False, methods=["post"])
    def contacts(self, request):
        """Log a contact that did not ring (WhatsApp, SMS, social media, walk-in, radio, letter,
        e-mail): it queues with its first-response deadline, or is taken at once (`take`)."""
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sender = Sender(
            number=values.get("number", ""),
            platform=values.get("platform", ""),
            handle=values.get("handle", "").strip(),
            link=values.get("link", ""),
            name=values.get("caller_name", ""),
        )
        call = log_contact(
            by=request.user,
            channel=values["channel"],
            received_at=values["received_at"],
            message=values["message"],
            sender=sender,
            take=values["take"],
        )
        return Response(render_call(call), status=status.HTTP_201_CREATED)

    def named_call(self) -> Call:
        """The call the URL names, unread: the action's service reads it once, locked (a
        missing call is its NotFound, a 404)."""
        pk = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit()):
            raise Http404
        return Call(pk=int(pk))

    @extend_schema(responses=CallDetailSerializer)
    def retrieve(self, request, pk=None):
        """The screen-pop: the call, the number's warnings, what it called about before."""
        call = self.get_object()
        call.history = caller_history(call)
        return Response(CallDetailSerializer(call).data)

    @extend_schema(request=None, responses=CallSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        # Safe to run again whole: a second take by the same person answers the call as it is.
        call = retry_transient(take_call)(call=self.named_call(), by=request.user)
        return Response(render_call(call))

    @extend_schema(request=DisposeInput, responses=CallSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        data = DisposeInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = dispose_call(call=self.named_call(), by=request.user, **data.validated_data)
        return Response(render_call(call))

    @extend_schema(request=IncidentInput, responses={201: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def incident(self, request, pk=None):
        data = IncidentInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = create_incident(call=self.named_call(), by=request.user, **data.validated_data)
        return Response(render_incident(incident), status=status.HTTP_201_CREATED)

    @extend_schema(request=AttachInput, responses=CallSerializer)
    @action(detail=True, methods=["post"])
    def attach(self, request, pk=None):
        data = AttachInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = attach_call_to_incident(
            call=self.named_call(), by=request.user, **data.validated_data
        )
        return Response(render_call(call))

    @extend_schema(parameters=[DuplicatesQuery], responses=DuplicatesSerializer)
    @action(detail=True)
    def duplicates(self, request, pk=None):
        """Open incidents near the call's location that it may be about."""
        self.get_object()
        values = read_query(DuplicatesQuery, request)
        found = duplicate_candidates(
            lat=values["lat"], lon=values["lon"], category=values["incident_type"].category
        )
        for incident, distance in found:
            incident.distance_m = round(distance)
        return Response(
            {
                "radius_m": settings.DUPLICATE_RADIUS_M,
                "window_h": settings.DUPLICATE_WINDOW_H,
                "candidates": DuplicateSerializer([i for i, _ in found], many=True).data,
            }
        )


class IncidentViewSet(viewsets.GenericViewSet):
    """Incidents for the operations room; verifiers read them too."""

    permission_classes = [roles(*INCIDENT_ROLES)]
    queryset = incidents_with_refs().prefetch_related(
        Prefetch("calls", queryset=calls_with_people().order_by("created_at")),
        Prefetch("notes", queryset=IncidentNote.objects.select_related("author")),
    )

    @extend_schema(
        parameters=[IncidentsQuery],
        responses=IncidentSerializer(many=True),
    )
    def list(self, request):
        params = read_query(IncidentsQuery, request)
        incidents = self.get_queryset()
        if params["status"] == "open":
            incidents = incidents.filter(status__in=Incident.OPEN_STATUSES)
        if params.get("category"):
            incidents = incidents.filter(category=params["category"])
        if params.get("kecamatan"):
            incidents = incidents.filter(kecamatan__code=params["kecamatan"])
        return Response(IncidentSerializer(incidents[:500], many=True).data)

    @extend_schema(responses=IncidentDetailSerializer)
    def retrieve(self, request, pk=None):
        """The incident with its calls, notes and its timeline: every event filed under it."""
        incident = self.get_object()
        incident.timeline = events_visible_to(request.user).filter(incident_id=incident.pk)
        checked = check_incident(incident.pk)  # the timeline warns when it fails (issue #17)
        incident.integrity = {"intact": checked.intact, "problems": checked.problems()}
        return Response(IncidentDetailSerializer(incident).data)

    @extend_schema(request=NoteInput, responses={201: NoteSerializer})
    @action(detail=True, methods=["post"], permission_classes=[roles(*OPERATIONS_ROLES)])
    def notes(self, request, pk=None):
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = add_note(incident=self.get_object(), by=request.user, **data.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CallerViewSet(viewsets.GenericViewSet):
    """Numbers flagged by the nuisance policy, and blocks (supervisors)."""

    permission_classes = [roles(Role.SUPERVISOR, Role.ADMIN)]
    queryset = Caller.objects.all()

    @extend_schema(responses=CallerSerializer(many=True))
    def list(self, request):
        """Numbers flagged or blocked now."""
        now = timezone.now()
        callers = self.get_queryset().filter(Q(flagged_at__isnull=False) | Q(blocked_until__gt=now))
        return Response(CallerSerializer(callers.order_by("-flagged_at"), many=True).data)

    @extend_schema(request=BlockInput, responses=CallerSerializer)
    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        data = BlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        caller = block_caller(caller=self.get_object(), by=request.user, **data.validated_data)
        return Response(CallerSerializer(caller).data)

    @extend_schema(request=None, responses=CallerSerializer)
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        caller = unblock_caller(caller=self.get_object(), by=request.user)
        return Response(CallerSerializer(caller).data)
