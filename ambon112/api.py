"""The API's answers to errors: one exception handler for every view (settings
REST_FRAMEWORK["EXCEPTION_HANDLER"]), and the Swagger page that answers its refusals in JSON."""

from collections import Counter

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, Throttled
from core.validation import RequestTooLarge, too_large

# The status of each refusal a service can make (core/errors.py); Invalid and Throttled carry
# more than a message and are answered as DRF's own ValidationError and Throttled.
STATUS = {
    Conflict: status.HTTP_409_CONFLICT,
    Gone: status.HTTP_410_GONE,
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
}


def still_in_use(exc: ProtectedError | RestrictedError) -> Conflict:
    """A delete refused by the database's promises (on_delete=PROTECT), saying what still uses
    the row: records of calls and dispatches are never deleted with the things they name."""
    users = Counter(str(obj._meta.verbose_name_plural) for obj in exc.protected_objects)
    return Conflict(
        gettext("This cannot be deleted: it is still used by %(users)s.")
        % {"users": ", ".join(f"{name} ({count})" for name, count in sorted(users.items()))}
    )


def as_api_exception(exc: DomainError) -> exceptions.APIException:
    """A service's refusal as the API answers it: its status, its message as `detail` and its
    details beside it."""
    if isinstance(exc, Invalid):
        return exceptions.ValidationError(exc.errors)
    if isinstance(exc, Throttled):
        return exceptions.Throttled(wait=exc.wait_s, detail=exc.message)
    answer = exceptions.APIException(
        {"detail": exc.message, **exc.details} if exc.details else exc.message
    )
    answer.status_code = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    return answer


def exception_handler(exc, context):
    """Every error is JSON with a human `detail`; field errors are listed under `errors`."""
    if isinstance(exc, ProtectedError | RestrictedError):
        exc = still_in_use(exc)
    elif isinstance(exc, RequestDataTooBig):  # Django's own check, when it read the body first
        exc = RequestTooLarge(too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    if isinstance(exc, DomainError):
        exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        response.data = {
            "detail": _("The request has invalid or missing fields."),
            "errors": errors,
        }
    return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """The Swagger page. Its refusals (a machine token, no role) and OPTIONS answer in JSON like
    the rest of the API: its HTML renderer has no template for them (a 500 before)."""

    def _as_json(self):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type

    def handle_exception(self, exc):
        self._as_json()
        return super().handle_exception(exc)

    def options(self, request, *args, **kwargs):
        self._as_json()
        return super().options(request, *args, **kwargs)
