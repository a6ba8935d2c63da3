"""A service's refusal is a domain error (core/errors.py); the API's one exception handler
answers each kind with its status and the body the consoles read: `detail`, the fields under
`errors`, the details beside the message, a `Retry-After` for a refusal that says when."""

import json

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from ambon112.api import exception_handler
from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Throttled

INVALID = "The request has invalid or missing fields."


def answer(error) -> tuple[int, dict, str | None]:
    with translation.override("en"):
        response = exception_handler(error, {})
        body = json.loads(JSONRenderer().render(response.data))
    return response.status_code, body, response.headers.get("Retry-After")


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (Conflict("Already taken by operator."), 409, {"detail": "Already taken by operator."}),
        (
            Conflict("DAMKAR-01 is dispatched.", allowed=["en_route", "cancel"]),
            409,
            {"detail": "DAMKAR-01 is dispatched.", "allowed": ["en_route", "cancel"]},
        ),
        (Gone("This link has expired."), 410, {"detail": "This link has expired."}),
        (NotFound("This link does not exist."), 404, {"detail": "This link does not exist."}),
        (Forbidden("Only a supervisor."), 403, {"detail": "Only a supervisor."}),
        (
            Invalid({"reason": ["Say why."], "minutes": ["1 to 60."]}),
            400,
            {"detail": INVALID, "errors": {"reason": ["Say why."], "minutes": ["1 to 60."]}},
        ),
    ],
)
def test_the_api_answers_each_refusal_with_its_status_and_body(error, status, body):
    assert answer(error) == (status, body, None)


def test_a_refusal_that_says_when_is_a_429_with_retry_after():
    status, body, retry_after = answer(Throttled("Too soon.", wait_s=30))
    assert (status, retry_after) == (429, "30")
    assert body == {"detail": "Too soon. Expected available in 30 seconds."}
    assert answer(Throttled("Too many links.")) == (429, {"detail": "Too many links."}, None)


def test_a_refusal_reads_as_its_message_for_callers_that_are_not_the_api():
    assert str(Conflict("Already taken.")) == "Already taken."
    assert str(Invalid({"landing": ["Unknown console."]})) == "Unknown console."
