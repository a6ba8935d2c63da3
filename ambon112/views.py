from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from agencies.services import LANDING_ROLES, set_landing
from ambon112 import health
from ambon112.context_processors import consoles_for
from core.errors import Forbidden, Invalid


@login_required
@require_safe
def home(request):
    """Send each person to the first console of their role; supervisors and administrators to
    the overview they chose (the dispatch console unless they picked the map), never to the
    call-taker's queue (issue #16)."""
    if request.user.role in LANDING_ROLES:
        return redirect(request.user.landing)
    consoles = consoles_for(request.user)
    if not consoles:
        raise PermissionDenied
    return redirect(consoles[0][0])


@login_required
@require_POST
def landing(request):
    """The "land here" control on the dispatch console and the map: remembered per person."""
    try:
        set_landing(user=request.user, landing=request.POST.get("landing", ""))
    except Forbidden as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except Invalid as error:
        return HttpResponseBadRequest(str(error))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(back if safe else "home")


@require_GET
@never_cache
def healthz(request):
    """200 while the database answers and the deadline check ran a moment ago (503 otherwise:
    nothing would escalate); the channel layer and the scheduler's heartbeat alongside."""
    checks = health.run_checks()
    ok = checks["database"]["ok"] and checks["deadline_check"]["ok"]
    status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return JsonResponse({"status": status if ok else "down", **checks}, status=200 if ok else 503)


def not_found(request, exception):
    """A 404 from the URL patterns (`/api/tickets/abc/`): JSON under /api/, like every other
    answer of the API; Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
