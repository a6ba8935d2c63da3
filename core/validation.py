"""Input checked before the database or a renderer sees it (issue #14: no input reaches a 500).

One place for each kind of bad input: the JSON parser (body size, nesting depth, text PostgreSQL
cannot store), a middleware for the query string and the path, ids that fit a bigint (the
router and the URL converter are in core/api.py), and serializer pieces for times from a
device's clock and for places. DRF's APIView reads the parser and metadata classes from here
when it is defined, so this module must not import rest_framework.views (nor routers).
"""

import re
from datetime import datetime

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

# Deeper than any body of this API (the tracker's positions are 3 levels), far below the
# recursion limit that made the standard parser fail with a RecursionError.
MAX_JSON_DEPTH = 32
# Ids are PostgreSQL bigints; 18 digits always fit, and no id of this system will need 19.
ID_MAX = 2**63 - 1
ID_REGEX = "[0-9]{1,18}"
# NUL cannot be stored in a PostgreSQL text or jsonb value; a lone surrogate (a JSON "\ud800"
# with no partner) cannot be encoded as UTF-8 at all, neither for the database nor in an answer.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value: str) -> str | None:
    """Why `value` cannot be stored or shown (a message), or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("Text may not contain the NUL character.")
    return _("Text must be valid Unicode: a lone surrogate (such as \\ud800) is not a character.")


# --- Request bodies ----------------------------------------------------------------------------


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with limits: at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (DRF reads the
    body itself, around Django's own check), nesting at most MAX_JSON_DEPTH deep, and only text
    PostgreSQL can store. Each refusal is a 400 (413 for size) naming what is wrong."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else _read_at_most(stream, limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large(limit))
        encoding = get_encoding(parser_context)
        strict = json.strict_constant if self.strict else None
        try:
            data = json.loads(raw.decode(encoding), parse_constant=strict)
        except RecursionError as exc:
            raise exceptions.ParseError(_too_deep()) from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        check_document(data)
        return data


def _read_at_most(stream, size: int) -> bytes:
    chunks, read = [], 0
    while read < size and (chunk := stream.read(size - read)):
        chunks.append(chunk)
        read += len(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> str:
    return _("The request body is larger than %(limit)d bytes.") % {"limit": limit}


def _too_deep() -> str:
    return _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}


def check_document(data) -> None:
    """Refuse a parsed JSON document nested too deep or holding text that cannot be stored;
    the message names where (e.g. `positions.0.call_sign`)."""
    stack = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            _check_text(value, where)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise exceptions.ParseError(_too_deep())
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _check_text(key, where)
            stack.append((item, depth + 1, f"{where}.{key}" if where else str(key)))


def _check_text(value: str, where: str) -> None:
    problem = unstorable_text(value)
    if problem is not None:
        raise exceptions.ParseError(f"{where}: {problem}" if where else problem)


class ApiMetadata(SimpleMetadata):
    """What OPTIONS answers: name, description, what it parses and renders. Only a view with one
    serializer for all its writes (the reference data's ModelViewSets) also describes its input;
    an action's input is in the OpenAPI schema (/api/schema/), and asking a viewset without a
    serializer_class for one was a 500."""

    def determine_actions(self, request, view):
        if getattr(view, "serializer_class", None) is None:
            return {}
        return super().determine_actions(request, view)


# --- Query strings and paths -------------------------------------------------------------------


class QueryTextMiddleware:
    """A query string or path holding text PostgreSQL cannot store (`?kecamatan=%00`) is a 400
    here, before any view filters on it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        texts = [request.path]
        for key, values in request.GET.lists():
            texts.append(key)
            texts.extend(values)
        for text in texts:
            problem = unstorable_text(text)
            if problem is not None:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": problem}, status=400)
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- Times from a device's clock ---------------------------------------------------------------


class DeviceTimeField(serializers.DateTimeField):
    """A time stamped by a machine (the telephony adapter, a vehicle tracker), refused when it
    is more than DEVICE_TIME_WINDOW_S from the server's clock. Within that window a skew is
    kept (and the call flagged beyond CLOCK_SKEW_LIMIT_S, docs/architecture.md "The clock"): a PBX
    clock minutes off never loses a call; a time in year 1 or 9999 is a broken clock, never a
    call."""

    def to_internal_value(self, value) -> datetime:
        moment = super().to_internal_value(value)
        window = settings.DEVICE_TIME_WINDOW_S
        if abs((moment - timezone.now()).total_seconds()) > window:
            raise serializers.ValidationError(
                _(
                    "This time is more than %(hours)s hours away from the server's clock "
                    "(%(now)s UTC); check the device's clock."
                )
                % {
                    "hours": f"{window / 3600:g}",
                    "now": timezone.now().strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
        return moment


# --- Places ------------------------------------------------------------------------------------


def position_problem(lat: float, lon: float) -> str | None:
    """Why (lat, lon) cannot be a place this centre serves (a message), or None when it can."""
    if lat == 0 and lon == 0:
        return _(
            "Latitude 0, longitude 0 is where a device without a fix reports itself, not a "
            "place in Maluku; send no position instead."
        )
    south, west, north, east = settings.SERVICE_BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        return _(
            "This point is outside Maluku (latitude %(south)s to %(north)s, longitude "
            "%(west)s to %(east)s)."
        ) % {"south": south, "north": north, "west": west, "east": east}
    return None


class InServiceArea:
    """Serializer mixin: its `lat` and `lon`, when given, must be a place in Maluku
    (SERVICE_BOUNDS), and never (0, 0)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("lat") is not None and attrs.get("lon") is not None:
            problem = position_problem(attrs["lat"], attrs["lon"])
            if problem is not None:
                raise serializers.ValidationError(problem)
        return attrs
