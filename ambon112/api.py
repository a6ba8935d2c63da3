"""API conventions shared by every app: error shape, conflicts, strict input, rendering."""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """Two people acted on the same thing, or the thing is no longer in a state that allows it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This was changed by someone else; reload and try again.")
    default_code = "conflict"


def exception_handler(exc, context):
    """Every error is JSON with a human `detail`; field errors are listed under `errors`."""
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


class RejectUnknownFields:
    """Serializer mixin that refuses fields it does not know, so a typo is never ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(RejectUnknownFields, serializers.Serializer):
    """An input serializer for one action or query."""


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
