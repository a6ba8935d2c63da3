"""Role checks, for pages and for the API: one place that says who may do what."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_safe
from rest_framework.permissions import SAFE_METHODS, BasePermission

from agencies.models import MachineToken, Role

STAFF_ROLES = frozenset(Role.values)
OPERATIONS_ROLES = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def has_role(user, roles) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def role_required(*roles):
    """Page decorator: sign-in page for anonymous users, 403 for a role that may not see it,
    405 for anything but GET and HEAD (pages only read; every write goes over the API)."""

    def decorator(view):
        safe_view = require_safe(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                raise PermissionDenied
            return safe_view(request, *args, **kwargs)

        return wrapper

    return decorator


class HasRole(BasePermission):
    """API permission: the user holds one of `roles`. Machine tokens hold no role.

    A verifier only ever reads (docs/architecture.md "House rules"), whatever roles a view lets in:
    refused here, before any input is looked at, rather than by each service.
    """

    roles: frozenset = STAFF_ROLES

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and has_role(request.user, {Role.VERIFIER}):
            return False
        return has_role(request.user, self.roles)


def roles(*allowed) -> type[BasePermission]:
    return type("HasRole", (HasRole,), {"roles": frozenset(allowed)})


class IsStaff(HasRole):
    """Any person with a role; the default for every API view."""


class ReadStaffWriteAdmin(BasePermission):
    """Reference data: every role reads it, only an administrator changes it."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return has_role(request.user, STAFF_ROLES)
        return has_role(request.user, {Role.ADMIN})


class IsCtiAdapter(BasePermission):
    """The telephony adapter's token, and nothing else."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return isinstance(token, MachineToken) and token.kind == MachineToken.Kind.CTI


class IsTracker(BasePermission):
    """A vehicle tracker's token, and nothing else."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return isinstance(token, MachineToken) and token.kind == MachineToken.Kind.TRACKER


# Who may open which console; the header's links and the pages' checks both read these.
CALLS_CONSOLE_ROLES = frozenset({Role.CALL_TAKER, Role.SUPERVISOR, Role.ADMIN})
DISPATCH_CONSOLE_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
DESK_CONSOLE_ROLES = frozenset({Role.AGENCY_DESK})
CREW_CONSOLE_ROLES = frozenset({Role.CREW})
AUDIT_ROLES = frozenset({Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN})
INCIDENT_ROLES = OPERATIONS_ROLES | {Role.VERIFIER}
# The live city map and the wallboard: verifiers see no live operations (reports are theirs).
MAP_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
# Response-time reports and their exports: read-only, for verifiers and those they audit.
REPORT_ROLES = frozenset({Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN})
