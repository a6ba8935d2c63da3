"""API conventions every app follows: strict input, queries read like bodies, one long-lived
serializer per class for rendering, and routes that match ids only. The error answers are the
project's exception handler's (ambon112/api.py)."""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.routers import DefaultRouter

from core.validation import ID_REGEX


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
    OpenAPI schema says so: `additionalProperties: false`, see core/schema.py), and a number
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
