"""The dispatch console and the agency desk console (pages)."""

from django.shortcuts import render

from agencies.models import Station
from agencies.permissions import (
    DESK_CONSOLE_ROLES,
    DISPATCH_CONSOLE_ROLES,
    role_required,
)
from incidents.consoles import console_context, map_config


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
