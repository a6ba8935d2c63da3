"""The caller's location link (issue #19): the call-taker creates it, the caller's phone uses it.

The caller's page and its API answer anyone who holds the link, and say nothing about the call
or its incident; one address may try only LOCATION_LINK_TRIES_PER_10_MIN times in 10 minutes.
"""

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.permissions import CALLS_CONSOLE_ROLES, roles
from core.errors import DomainError
from core.schema import ErrorSerializer
from dispatch.serializers import (
    LocationLinkSerializer,
    SharedLocationInput,
    SharedLocationSerializer,
)
from dispatch.services.location_links import create_location_link, share_location, usable_link
from incidents.models import Call

TRIES_WINDOW_S = 600


def _count_try(request) -> None:
    """Refuse an address that tried too many links lately (guessing them)."""
    key = f"location-link-tries:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=TRIES_WINDOW_S)
    if cache.incr(key) > settings.LOCATION_LINK_TRIES_PER_10_MIN:
        raise Throttled(
            wait=TRIES_WINDOW_S, detail=_("Too many tries from this phone; wait a few minutes.")
        )


@require_safe
def location_link_page(request, secret: str):
    """The caller's page: asks for the phone's location, or says the link no longer works."""
    problem = None
    try:
        _count_try(request)
        usable_link(secret)
    except (APIException, DomainError) as exc:  # too many tries; the link's own refusal
        problem = str(exc)
    response = render(request, "location/share.html", {"secret": secret, "problem": problem})
    response["Referrer-Policy"] = "no-referrer"  # the secret stays in this page
    return response


class SharedLocationView(APIView):
    """The caller's phone sends its fix through the link: once, before it expires."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=SharedLocationInput,
        responses={201: SharedLocationSerializer, 410: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request, secret: str):
        _count_try(request)
        data = SharedLocationInput(data=request.data)
        data.is_valid(raise_exception=True)
        share_location(secret=secret, **data.validated_data)
        return Response({"received": True}, status=status.HTTP_201_CREATED)


class CallLocationLinkView(APIView):
    """One key on the calls console: a one-time link for a caller who cannot say where they
    are, sent through the message gateway when there is one, else read out or copied."""

    permission_classes = [roles(*CALLS_CONSOLE_ROLES)]

    @extend_schema(request=None, responses={201: LocationLinkSerializer, 429: ErrorSerializer})
    def post(self, request, pk: int):
        call = get_object_or_404(Call, pk=pk)
        link, url = create_location_link(
            call=call, by=request.user, base_url=request.build_absolute_uri("/")
        )
        body = {"url": url, "expires_at": link.expires_at, "sent": bool(link.sent_via)}
        return Response(LocationLinkSerializer(body).data, status=status.HTTP_201_CREATED)
