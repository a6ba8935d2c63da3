"""The OpenAPI schema (/api/schema/) of this API, as exact as its answers (issue #14).

It must not import drf-spectacular's views (ambon112/api.py does): they read
DEFAULT_SCHEMA_CLASS, this module's ApiSchema, when they are defined.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer, is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.validation import InServiceArea


class ErrorSerializer(serializers.Serializer):
    """An error: a human `detail` (401, 403, 404, 409, 413)."""

    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    """A refused request (400): `detail`, and the refused fields under `errors` when the body or
    query was read (a body that is not JSON has only `detail`)."""

    errors = serializers.DictField(child=serializers.JSONField(), required=False)


_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with the answers every view can give besides its own: 400 for
    bad input, 401/403 for who may not, 404 for an unknown object, 409 for a write that lost a
    race or came too late, 413 for a body over the limit — each in the error shape above.

    A list action declared to answer with one serializer other than the viewset's own (not
    `many=True`) answers with that envelope (`{"tickets": [...], "now": ...}`), not an array of it.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, serializer, description in self._error_responses():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(serializer, description=description), code, direction=direction
                ),
            )
        return responses

    def _error_responses(self):
        has_body = self.method in {"POST", "PUT", "PATCH"}
        has_path_id = "{" in self.path
        if has_body or has_path_id or self._get_parameters():
            yield "400", ValidationErrorSerializer, _("The request has invalid or missing fields.")
        authenticators = self.view.get_authenticators()
        if authenticators and authenticators[0].authenticate_header(self.view.request):
            yield "401", ErrorSerializer, _("No credentials, or credentials that are not valid.")
        if self.view.get_permissions() or authenticators:
            yield "403", ErrorSerializer, _("This account may not do this.")
        if has_path_id:
            yield "404", ErrorSerializer, _("There is no such object, or it is not yours to see.")
        if self.method in _WRITES:
            yield "409", ErrorSerializer, _("Changed by someone else, or no longer allowed.")
        if has_body:
            yield "413", ErrorSerializer, _("The request body is too large.")

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction != "request":
            return schema
        if getattr(serializer, "rejects_unknown_fields", False):
            schema["additionalProperties"] = False  # RejectUnknownFields answers 400
        if isinstance(serializer, InServiceArea):
            south, west, north, east = settings.SERVICE_BOUNDS
            properties = schema.get("properties", {})
            for name, low, high in (("lat", south, north), ("lon", west, east)):
                if name in properties:
                    properties[name].update(minimum=low, maximum=high)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and schema.get("type") == "array"
            and getattr(field, "allow_empty", True) is False
        ):
            schema.setdefault("minItems", 1)  # a list (or many=True relation) refusing []
        return schema

    def _is_list_view(self, serializer=None):
        if (
            serializer is not None
            and is_serializer(serializer)
            and not is_list_serializer(serializer)
            and getattr(self.view, "action", None) == "list"
            and not isinstance(serializer, getattr(self.view, "serializer_class", None) or ())
        ):
            return False
        return super()._is_list_view(serializer)
