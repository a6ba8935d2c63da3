from django.shortcuts import render

from agencies.permissions import DESK_CONSOLE_ROLES, DISPATCH_CONSOLE_ROLES, role_required
from incidents.views import console_context


@role_required(*DISPATCH_CONSOLE_ROLES)
def dispatch_console(request):
    return render(request, "console/dispatch.html", console_context(request.user))


@role_required(*DESK_CONSOLE_ROLES)
def agency_console(request):
    context = console_context(request.user)
    context["agency"] = request.user.agency
    return render(request, "console/agency.html", context)
