"""API conventions shared by every app: error shape, conflicts, strict input, rendering."""

import functools
from collections import Counter

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from ambon112.validation import ID_REGEX, RequestTooLarge, too_large


class Conflict(exceptions.APIException):
    """Two people acted on the same thing, or the thing is no longer in a state that allows it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This was changed by someone else; reload and try again.")
    default_code = "conflict"


def still_in_use(exc: ProtectedError | RestrictedError) -> Conflict:
    """A delete refused by the database's promises (on_delete=PROTECT), saying what still uses
    the row: records of calls and dispatches are never deleted with the things they name."""
    users = Counter(str(obj._meta.verbose_name_plural) for obj in exc.protected_objects)
    return Conflict(
        gettext("This cannot be deleted: it is still used by %(users)s.")
        % {"users": ", ".join(f"{name} ({count})" for name, count in sorted(users.items()))}
    )


def exception_handler(exc, context):
    """Every error is JSON with a human `detail`; field errors are listed under `errors`."""
    if isinstance(exc, ProtectedError | RestrictedError):
        exc = still_in_use(exc)
    elif isinstance(exc, RequestDataTooBig):  # Django's own check, when it read the body first
        exc = RequestTooLarge(too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
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


class IdConverter:
    """`<id:pk>` in a path: a number that fits a bigint; anything else is a 404 without a query."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class IdRouter(DefaultRouter):
    """DRF's router with detail routes that match bigint ids only (ID_REGEX), unless a viewset
    looks things up by another `lookup_value_regex`: `/api/tickets/abc/` and
    `/api/incidents/99999999999999999999/` are 404s, never a database error."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", ID_REGEX)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


class RejectUnknownFields:
    """Serializer mixin that refuses fields it does not know, so a typo is never ignored (the
    OpenAPI schema says so: `additionalProperties: false`, see ambon112/schema.py), and a number
    where the schema promises text (DRF would store 0 as "0")."""

    rejects_unknown_fields = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))}
            for name, field in self.fields.items():
                value = data.get(name)
                if isinstance(field, serializers.CharField) and not (
                    value is None or isinstance(value, str)
                ):
                    errors[name] = [_("Give text here, in quotes.")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictSerializer(RejectUnknownFields, serializers.Serializer):
    """An input serializer for one action or query."""


def read_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """A query's parameters, checked like a body: an unknown parameter or value, a blank one
    where a value is needed, or one given twice is a 400 naming it, never silently ignored (the
    filter the caller thought applied would not be). Read as plain values, not as an HTML form,
    where DRF would take a blank for an absent parameter."""
    values, errors = {}, {}
    for name, given in request.query_params.lists():
        if len(given) > 1:
            errors[name] = [_("Give this parameter once.")]
        values[name] = given[-1]
    if errors:
        raise exceptions.ValidationError(errors)
    query = serializer_class(data=values)
    query.is_valid(raise_exception=True)
    return query.validated_data


@functools.cache
def _bound(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer_class()


def represent(serializer_class: type[serializers.Serializer], obj) -> dict:
    """One object as `serializer_class` renders it, through one long-lived instance per class.

    Binding a serializer's fields is most of its cost; every telephony event and every pushed
    event is rendered on the hot path, so they reuse a bound serializer (rendering keeps no
    state on it).
    """
    return _bound(serializer_class).to_representation(obj)
