"""Positions (desks and their PBX extensions) and the call-takers' presence at them."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Role
from agencies.permissions import CALLS_CONSOLE_ROLES, MAP_ROLES, OPERATIONS_ROLES, roles
from incidents.models import Position
from incidents.selectors import presence_board
from incidents.serializers import (
    DeskInput,
    DeskSignInInput,
    MyPresenceSerializer,
    PositionSerializer,
    PresenceBoardSerializer,
    PresenceSerializer,
    PresenceStateInput,
)
from incidents.services.presence import (
    change_state,
    create_position,
    current_presence,
    sign_in,
    sign_out,
    update_position,
)


class PositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Call-taker positions (meja) and their PBX extensions: the operations room reads them,
    an administrator adds and changes them (a position is taken out of use, never deleted:
    calls record where they were answered)."""

    queryset = Position.objects.prefetch_related("extensions")
    serializer_class = PositionSerializer

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [roles(Role.ADMIN)()]
        return [roles(*OPERATIONS_ROLES)()]

    @extend_schema(request=DeskInput, responses={201: PositionSerializer})
    def create(self, request):
        data = DeskInput(data=request.data)
        data.is_valid(raise_exception=True)
        position = create_position(by=request.user, **data.validated_data)
        position = self.get_queryset().get(pk=position.pk)
        return Response(PositionSerializer(position).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeskInput(partial=True), responses=PositionSerializer)
    def partial_update(self, request, pk=None):
        data = DeskInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        position = update_position(
            position=self.get_object(), by=request.user, **data.validated_data
        )
        position = self.get_queryset().get(pk=position.pk)
        return Response(PositionSerializer(position).data)


class PresenceViewSet(viewsets.GenericViewSet):
    """Who is signed in at which position and whether they can answer now."""

    queryset = Position.objects.none()  # every action reads through a service or selector

    def get_permissions(self):
        if self.action == "list":
            return [roles(*MAP_ROLES)()]
        return [roles(*CALLS_CONSOLE_ROLES)()]

    @extend_schema(responses=PresenceBoardSerializer)
    def list(self, request):
        """The supervisor's panel: every position, who is on it, the state and since when."""
        return Response(PresenceBoardSerializer(presence_board()).data)

    @extend_schema(responses=MyPresenceSerializer)
    @action(detail=False)
    def me(self, request):
        """My position and state (presence null when I am signed in at none)."""
        presence = current_presence(request.user)
        return Response(MyPresenceSerializer({"presence": presence, "now": timezone.now()}).data)

    @extend_schema(
        request=DeskSignInInput,
        responses={201: OpenApiResponse(PresenceSerializer, "Signed in, ready")},
    )
    @action(detail=False, methods=["post"], url_path="sign-in")
    def sign_in(self, request):
        data = DeskSignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        presence = sign_in(user=request.user, position=data.validated_data["position"])
        return Response(PresenceSerializer(presence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PresenceSerializer)
    @action(detail=False, methods=["post"], url_path="sign-out")
    def sign_out(self, request):
        return Response(PresenceSerializer(sign_out(user=request.user)).data)

    @extend_schema(request=PresenceStateInput, responses=PresenceSerializer)
    @action(detail=False, methods=["post"])
    def state(self, request):
        """Ready, wrap-up, break (with a reason) or away; on a call follows the calls."""
        data = PresenceStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            PresenceSerializer(change_state(user=request.user, **data.validated_data)).data
        )
